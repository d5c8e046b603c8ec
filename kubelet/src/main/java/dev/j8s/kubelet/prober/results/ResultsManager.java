package dev.j8s.kubelet.prober.results;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The results of one kind of probe by container instance ID, with a listener told of each change (upstream
 * {@code results.Manager} with its updates channel); thread-safe.
 */
public final class ResultsManager {

    /** Receives each changed result: the pod UID, the container instance and its new result. */
    @FunctionalInterface
    public interface Listener {
        void changed(String podUid, String containerId, Result result);
    }

    private final Map<String, Result> results = new ConcurrentHashMap<>();
    private final Listener listener;

    public ResultsManager(Listener listener) {
        this.listener = listener;
    }

    public Optional<Result> get(String containerId) {
        return Optional.ofNullable(results.get(containerId));
    }

    /** Records a result; the listener hears of it when it differs from the last one. */
    public void set(String podUid, String containerId, Result result) {
        Result previous = results.put(containerId, result);
        if (previous != result) {
            listener.changed(podUid, containerId, result);
        }
    }

    public void remove(String containerId) {
        results.remove(containerId);
    }
}
