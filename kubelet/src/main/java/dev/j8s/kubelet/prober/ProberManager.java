package dev.j8s.kubelet.prober;

import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.prober.results.ProbeResults;
import dev.j8s.kubelet.prober.results.Result;
import dev.j8s.kubelet.prober.results.ResultsManager;
import dev.j8s.kubelet.status.ProbeVerdicts;
import dev.j8s.kubelet.status.StatusManager;
import dev.j8s.runtime.ContainerRuntime;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Keeps one {@link ProbeWorker} per probe of every container (and restartable init container) of the pods on the
 * node, as upstream's {@code prober_manager.go}: workers are added when the pod syncs, liveness and startup workers
 * stop when it terminates, all of them when it is removed. Results are published here: a readiness change is written
 * into the pod's status at once ({@link StatusManager#setContainerReadiness}); a liveness or startup change makes the
 * pod sync, where a failure kills the container.
 *
 * <p>Workers own no thread: one {@link ProbeLoop} runs all their rounds, plain HTTP and TCP probes as non-blocking
 * exchanges on its own thread, the others on virtual threads. Thread-safe.
 */
public final class ProberManager implements AutoCloseable {

    private final ContainerRuntime runtime;
    private final StatusManager statusManager;
    private final Prober prober;
    private final Clock clock;
    private final Instant started;
    private final Map<Key, ProbeWorker> workers = new ConcurrentHashMap<>();
    /** The latest pod of each UID with workers, for readiness writes. */
    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final ResultsManager liveness;
    private final ResultsManager readiness;
    private final ResultsManager startup;
    private final ProbeLoop loop;

    private record Key(String podUid, String container, ProbeType type) {}

    /**
     * @param resync asks the pod worker of a pod UID to sync (after a liveness or startup result changed)
     */
    public ProberManager(ContainerRuntime runtime, StatusManager statusManager, EventRecorder recorder, Clock clock,
            Consumer<String> resync) {
        this.runtime = runtime;
        this.statusManager = statusManager;
        this.prober = new Prober(runtime, recorder);
        this.clock = clock;
        this.started = clock.instant();
        this.liveness = new ResultsManager((uid, id, result) -> resync.accept(uid));
        this.startup = new ResultsManager((uid, id, result) -> resync.accept(uid));
        this.readiness = new ResultsManager(this::readinessChanged);
        this.loop = new ProbeLoop(prober, runtime);
    }

    /** The latest results, read by the sync and by the status. */
    public ProbeResults results() {
        return new ProbeResults() {
            @Override
            public Optional<Result> liveness(String containerId) {
                return liveness.get(containerId);
            }

            @Override
            public Optional<Result> readiness(String containerId) {
                return readiness.get(containerId);
            }

            @Override
            public Optional<Result> startup(String containerId) {
                return startup.get(containerId);
            }
        };
    }

    /** The latest startup and readiness verdicts, as the status reads them. */
    public ProbeVerdicts verdicts() {
        return new ProbeVerdicts() {
            @Override
            public Optional<Boolean> startupSucceeded(String containerId) {
                return startup.get(containerId).map(r -> r == Result.SUCCESS);
            }

            @Override
            public Optional<Boolean> readinessSucceeded(String containerId) {
                return readiness.get(containerId).map(r -> r == Result.SUCCESS);
            }
        };
    }

    /**
     * Upstream {@code AddPod}: a worker for each probe of each container and restartable init container that has none
     * yet; the workers already there see the pod as it is now (its deletion).
     */
    public void addPod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        pods.put(uid, pod);
        List<Map.Entry<Container, ContainerKind>> probed = new ArrayList<>();
        for (Container c : pod.getSpec().getInitContainers()) {
            if ("Always".equals(c.getRestartPolicy())) {
                probed.add(Map.entry(c, ContainerKind.INIT_CONTAINER));
            }
        }
        for (Container c : pod.getSpec().getContainers()) {
            probed.add(Map.entry(c, ContainerKind.CONTAINER));
        }
        for (var entry : probed) {
            Container c = entry.getKey();
            for (ProbeType type : ProbeType.values()) {
                if (probe(c, type) == null) {
                    continue;
                }
                Key key = new Key(uid, c.getName(), type);
                ProbeWorker existing = workers.get(key);
                if (existing != null) {
                    existing.updatePod(pod);
                    continue;
                }
                ProbeWorker worker = new ProbeWorker(type, pod, c, entry.getValue(), results(type), runtime,
                        statusManager::podStatus, clock);
                workers.put(key, worker);
                // a kubelet that just started spreads its probes over their first period (upstream does the same)
                boolean jitter = Duration.between(started, clock.instant()).compareTo(period(c, type)) < 0;
                loop.start(worker, jitter, () -> workers.remove(key, worker));
            }
        }
    }

    /** Upstream {@code StopLivenessAndStartup}: the pod is terminating; its readiness keeps being probed. */
    public void stopLivenessAndStartup(Pod pod) {
        stop(pod.getMetadata().getUid(), ProbeType.LIVENESS, ProbeType.STARTUP);
    }

    /** Upstream {@code RemovePod}: every worker of the pod stops. */
    public void removePod(String uid) {
        stop(uid, ProbeType.values());
        pods.remove(uid);
    }

    /** Readiness probes of a pod run now (its status was regenerated and a result may be missing). */
    public void trigger(String uid) {
        workers.forEach((k, w) -> {
            if (k.podUid().equals(uid) && k.type() == ProbeType.READINESS) {
                loop.trigger(w);
            }
        });
    }

    private void stop(String uid, ProbeType... types) {
        for (ProbeType type : types) {
            workers.forEach((k, w) -> {
                if (k.podUid().equals(uid) && k.type() == type) {
                    loop.stop(w);
                }
            });
        }
    }

    private void readinessChanged(String uid, String containerId, Result result) {
        Pod pod = pods.get(uid);
        if (pod != null) {
            statusManager.setContainerReadiness(pod, containerId, result == Result.SUCCESS, clock.instant());
        }
    }

    private ResultsManager results(ProbeType type) {
        return switch (type) {
            case LIVENESS -> liveness;
            case READINESS -> readiness;
            case STARTUP -> startup;
        };
    }

    private static io.fabric8.kubernetes.api.model.Probe probe(Container c, ProbeType type) {
        return switch (type) {
            case LIVENESS -> c.getLivenessProbe();
            case READINESS -> c.getReadinessProbe();
            case STARTUP -> c.getStartupProbe();
        };
    }

    private static Duration period(Container c, ProbeType type) {
        Integer p = probe(c, type).getPeriodSeconds();
        return Duration.ofSeconds(p == null ? 10 : p);
    }

    /** The number of live workers (for tests and the benchmark). */
    public int workerCount() {
        return workers.size();
    }

    /** Stops every worker and the loop. */
    @Override
    public void close() {
        workers.values().forEach(loop::stop);
        loop.close();
    }
}
