package dev.j8s.kubelet.pods;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Optional;

/** What a pod worker runs for each update of its pod (upstream {@code podSyncer}); implementations must be thread-safe across pods. */
@FunctionalInterface
public interface PodSyncHandler {

    /**
     * Brings the node in line with {@code pod}; called on the pod's own worker thread, never concurrently for one pod.
     *
     * @param removed the pod is gone from the API (or was never confirmed) and must be torn down
     */
    Outcome sync(Pod pod, boolean removed);

    /** What the worker does next. */
    sealed interface Outcome {
        /** Keep the worker; sync again after {@code resyncAfter} if nothing else happens first. */
        record Continue(Optional<Duration> resyncAfter) implements Outcome {}

        /** The pod is finished on this node: the worker ends. */
        record Finished() implements Outcome {}
    }
}
