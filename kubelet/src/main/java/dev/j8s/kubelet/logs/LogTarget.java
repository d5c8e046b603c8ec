package dev.j8s.kubelet.logs;

import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The container whose log is read, and what the kubelet knows about it now; immutable and thread-safe.
 *
 * @param restartCount the current instance's restart count (its log is {@code <restartCount>.log})
 * @param running whether the current instance still runs; a follow ends once this turns false and the
 *     file is drained
 * @param waitingReason why the container has not started yet ({@code ContainerCreating}, …), if it has not
 */
public record LogTarget(
    String namespace,
    String podName,
    String podUid,
    String container,
    int restartCount,
    BooleanSupplier running,
    Optional<String> waitingReason) {}
