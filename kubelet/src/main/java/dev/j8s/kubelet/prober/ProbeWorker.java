package dev.j8s.kubelet.prober;

import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.prober.results.Result;
import dev.j8s.kubelet.prober.results.ResultsManager;
import dev.j8s.runtime.ContainerRuntime;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Probes one container of one pod periodically, as upstream's {@code worker.go}: it follows the container instance
 * the kubelet last reported (a new instance starts from the probe's initial value), probes only a running, started
 * instance past its initial delay (startup probes only until started, the others only after), counts equal results
 * in a row against the success and failure thresholds before changing the published result, and holds after a
 * liveness or startup failure until a new instance appears. It ends when the pod reaches a terminal phase, when its
 * container will not run again, or when stopped. One virtual thread; the period wait is a timed condition that a
 * manual trigger cuts short. Thread-safe.
 */
final class ProbeWorker {

    private static final System.Logger LOG = System.getLogger(ProbeWorker.class.getName());

    private final ProbeType type;
    private final Container container;
    private final ContainerKind kind;
    private final Probe spec;
    private final ResultsManager results;
    private final Prober prober;
    private final ContainerRuntime runtime;
    private final Function<String, Optional<PodStatus>> statuses;
    private final Clock clock;
    private final Result initialValue;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private volatile Pod pod;
    private boolean stopped;
    private boolean triggered;
    private Thread thread;

    // touched by the worker thread only
    private String containerId = "";
    private String sandboxId = "";
    private Result lastResult;
    private int resultRun;
    private boolean onHold;

    ProbeWorker(ProbeType type, Pod pod, Container container, ContainerKind kind, ResultsManager results,
            Prober prober, ContainerRuntime runtime, Function<String, Optional<PodStatus>> statuses, Clock clock) {
        this.type = type;
        this.pod = pod;
        this.container = container;
        this.kind = kind;
        this.spec = switch (type) {
            case LIVENESS -> container.getLivenessProbe();
            case READINESS -> container.getReadinessProbe();
            case STARTUP -> container.getStartupProbe();
        };
        this.results = results;
        this.prober = prober;
        this.runtime = runtime;
        this.statuses = statuses;
        this.clock = clock;
        this.initialValue = switch (type) {
            case LIVENESS -> Result.SUCCESS;
            case READINESS -> Result.FAILURE;
            case STARTUP -> Result.UNKNOWN;
        };
    }

    /**
     * Starts the probe loop; {@code jitter} spreads the first probes of workers started together (a restarted
     * kubelet) over one period; {@code onExit} runs when the loop ends.
     */
    void start(boolean jitter, Runnable onExit) {
        thread = Thread.ofVirtual().name("probe-" + type + "-" + pod.getMetadata().getName() + "/"
                + container.getName()).start(() -> {
                    try {
                        run(jitter);
                    } finally {
                        if (!containerId.isEmpty()) {
                            results.remove(containerId);
                        }
                        onExit.run();
                    }
                });
    }

    /** The pod as last seen by the kubelet (its deletion timestamp matters). */
    void updatePod(Pod latest) {
        this.pod = latest;
    }

    /** Ends the loop after the current probe; safe to call more than once. */
    void stop() {
        lock.lock();
        try {
            stopped = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Probes again now instead of at the next period (upstream's manual trigger). */
    void trigger() {
        lock.lock();
        try {
            triggered = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private Duration period() {
        return Duration.ofSeconds(Math.max(1, spec.getPeriodSeconds() == null ? 10 : spec.getPeriodSeconds()));
    }

    private void run(boolean jitter) {
        try {
            if (jitter && !await(Duration.ofMillis((long) (ThreadLocalRandom.current().nextDouble()
                    * period().toMillis())))) {
                return;
            }
            while (doProbe()) {
                if (!await(period())) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits {@code d} or until triggered; false once stopped. */
    private boolean await(Duration d) throws InterruptedException {
        long nanos = d.toNanos();
        lock.lock();
        try {
            while (!stopped && !triggered && nanos > 0) {
                nanos = wake.awaitNanos(nanos);
            }
            triggered = false;
            return !stopped;
        } finally {
            lock.unlock();
        }
    }

    /** One probe round; whether the worker goes on (upstream {@code doProbe}). */
    boolean doProbe() {
        String uid = pod.getMetadata().getUid();
        Optional<PodStatus> status = statuses.apply(uid);
        if (status.isEmpty()) {
            return true; // not synced yet, or already gone
        }
        String phase = status.get().getPhase();
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            return false;
        }
        List<ContainerStatus> list = kind == ContainerKind.INIT_CONTAINER ? status.get().getInitContainerStatuses()
                : status.get().getContainerStatuses();
        Optional<ContainerStatus> c = list.stream().filter(s -> container.getName().equals(s.getName())).findFirst();
        if (c.isEmpty() || c.get().getContainerID() == null || c.get().getContainerID().isEmpty()) {
            return true; // not created yet
        }
        String id = c.get().getContainerID().substring(c.get().getContainerID().indexOf("://") + 3);
        if (!id.equals(containerId)) {
            if (!containerId.isEmpty()) {
                results.remove(containerId);
            }
            containerId = id;
            sandboxId = "";
            results.set(uid, containerId, initialValue);
            onHold = false; // a new instance: probing resumes
        }
        if (onHold) {
            return true;
        }
        var state = c.get().getState();
        if (state == null || state.getRunning() == null) {
            results.set(uid, containerId, Result.FAILURE);
            boolean restartable = kind == ContainerKind.INIT_CONTAINER && "Always".equals(container.getRestartPolicy());
            return state == null || state.getTerminated() == null || restartable
                    || !"Never".equals(pod.getSpec().getRestartPolicy());
        }
        if (pod.getMetadata().getDeletionTimestamp() != null
                && (type == ProbeType.LIVENESS || type == ProbeType.STARTUP)) {
            results.set(uid, containerId, Result.SUCCESS); // a quiet shutdown
            return false;
        }
        int initialDelay = spec.getInitialDelaySeconds() == null ? 0 : spec.getInitialDelaySeconds();
        Instant startedAt = parse(state.getRunning().getStartedAt());
        if (Duration.between(startedAt, clock.instant()).toSeconds() < initialDelay) {
            return true;
        }
        boolean started = Boolean.TRUE.equals(c.get().getStarted());
        if (started ? type == ProbeType.STARTUP : type != ProbeType.STARTUP) {
            return true; // startup probes stop once started; the others wait for it
        }
        Optional<Result> result;
        try {
            result = prober.probe(type, spec, new Prober.Target(pod, container, kind, containerId, sandboxId(),
                    podIp(status.get())));
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "probe failed to run pod=" + pod.getMetadata().getNamespace() + "/"
                    + pod.getMetadata().getName() + " container=" + container.getName() + " type=" + type + ": " + e);
            return true;
        }
        if (result.isEmpty()) {
            return true; // an error: the result is thrown away
        }
        if (result.get() == lastResult) {
            resultRun++;
        } else {
            lastResult = result.get();
            resultRun = 1;
        }
        int failureThreshold = spec.getFailureThreshold() == null ? 3 : spec.getFailureThreshold();
        int successThreshold = spec.getSuccessThreshold() == null ? 1 : spec.getSuccessThreshold();
        if ((result.get() == Result.FAILURE && resultRun < failureThreshold)
                || (result.get() == Result.SUCCESS && resultRun < successThreshold)) {
            return true; // below the threshold: the published result stays
        }
        results.set(uid, containerId, result.get());
        if ((type == ProbeType.LIVENESS || type == ProbeType.STARTUP) && result.get() == Result.FAILURE) {
            // the container is to be restarted: no probing until a new instance (upstream, for #21751)
            onHold = true;
            resultRun = 0;
        }
        return true;
    }

    /** The instance's sandbox, read once per instance from the runtime. */
    private String sandboxId() {
        if (sandboxId.isEmpty()) {
            try {
                sandboxId = runtime.containerStatus(containerId).sandboxId();
            } catch (RuntimeException e) {
                return "";
            }
        }
        return sandboxId;
    }

    private static String podIp(PodStatus status) {
        return status.getPodIP() == null ? "" : status.getPodIP();
    }

    private static Instant parse(String time) {
        try {
            return time == null ? Instant.EPOCH : Instant.parse(time);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    boolean isAlive() {
        return thread != null && thread.isAlive();
    }
}
