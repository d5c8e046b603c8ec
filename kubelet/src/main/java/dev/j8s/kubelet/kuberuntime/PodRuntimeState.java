package dev.j8s.kubelet.kuberuntime;

import dev.j8s.kubelet.status.ContainerObservation;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ContainerStatus;
import dev.j8s.runtime.PodSandboxStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the runtime has for one pod: its sandboxes and every container instance (upstream
 * {@code kubecontainer.PodStatus}); immutable and thread-safe.
 */
public record PodRuntimeState(String uid, List<PodSandboxStatus> sandboxes, List<ContainerStatus> containers) {

    public PodRuntimeState {
        sandboxes = List.copyOf(sandboxes);
        containers = List.copyOf(containers);
    }

    /** This state with {@code sandbox} added (one just made). */
    PodRuntimeState withSandbox(PodSandboxStatus sandbox) {
        List<PodSandboxStatus> all = new ArrayList<>(sandboxes);
        all.add(sandbox);
        return new PodRuntimeState(uid, all, containers);
    }

    /** The newest sandbox that is ready. */
    public Optional<PodSandboxStatus> readySandbox() {
        return sandboxes.stream().filter(s -> s.state() == PodSandboxStatus.State.READY)
                .max(Comparator.comparing(PodSandboxStatus::createdAt));
    }

    public List<String> podIps() {
        return readySandbox().map(PodSandboxStatus::ips).orElse(List.of());
    }

    /** The newest instance of a container (highest attempt, then newest). */
    public Optional<ContainerStatus> latest(String name) {
        return containers.stream().filter(c -> c.name().equals(name))
                .max(Comparator.comparingInt(ContainerStatus::attempt).thenComparing(ContainerStatus::createdAt));
    }

    /** Instances of a container, newest first. */
    List<ContainerStatus> instances(String name) {
        return containers.stream().filter(c -> c.name().equals(name))
                .sorted(Comparator.comparingInt(ContainerStatus::attempt).thenComparing(ContainerStatus::createdAt).reversed())
                .toList();
    }

    public boolean anyRunning() {
        return containers.stream().anyMatch(c -> c.state() instanceof ContainerState.Running
                || c.state() instanceof ContainerState.Created);
    }

    /** The instances as the status generator reads them. */
    public List<ContainerObservation> observations() {
        return containers.stream()
                .map(c -> ContainerObservation.from(c, c.annotations().getOrDefault(Labels.IMAGE_ID, ""), ""))
                .toList();
    }
}
