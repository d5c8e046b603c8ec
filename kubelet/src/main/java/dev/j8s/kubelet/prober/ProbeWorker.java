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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The state of one probe of one container of one pod, as upstream's {@code worker.go}: it follows the container
 * instance the kubelet last reported (a new instance starts from the probe's initial value), probes only a running,
 * started instance past its initial delay (startup probes only until started, the others only after), counts equal
 * results in a row against the success and failure thresholds before changing the published result, and holds after
 * a liveness or startup failure until a new instance appears. It ends when the pod reaches a terminal phase, when its
 * container will not run again, or when stopped.
 *
 * <p>A worker owns no thread: the {@link ProbeLoop} runs its rounds ({@link #prepare}, the probe, {@link #complete}),
 * one at a time. Not thread-safe apart from {@link #updatePod}; the loop is its only user.
 */
final class ProbeWorker {

    private final ProbeType type;
    private final Container container;
    private final ContainerKind kind;
    private final Probe spec;
    private final ResultsManager results;
    private final ContainerRuntime runtime;
    private final Function<String, Optional<PodStatus>> statuses;
    private final Clock clock;
    private final Result initialValue;
    private volatile Pod pod;

    private String containerId = "";
    private String sandboxId = "";
    private Result lastResult;
    private int resultRun;
    private boolean onHold;
    private String startedAtText = "";
    private Instant startedAt = Instant.EPOCH;

    // the loop's bookkeeping
    long due;
    long generation;
    boolean running;
    boolean stopped;
    boolean triggered;
    boolean exited;
    Runnable onExit = () -> { };

    ProbeWorker(ProbeType type, Pod pod, Container container, ContainerKind kind, ResultsManager results,
            ContainerRuntime runtime, Function<String, Optional<PodStatus>> statuses, Clock clock) {
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
        this.runtime = runtime;
        this.statuses = statuses;
        this.clock = clock;
        this.initialValue = switch (type) {
            case LIVENESS -> Result.SUCCESS;
            case READINESS -> Result.FAILURE;
            case STARTUP -> Result.UNKNOWN;
        };
    }

    ProbeType type() {
        return type;
    }

    Probe spec() {
        return spec;
    }

    Duration period() {
        return Duration.ofSeconds(Math.max(1, spec.getPeriodSeconds() == null ? 10 : spec.getPeriodSeconds()));
    }

    /** The pod as last seen by the kubelet (its deletion timestamp matters). */
    void updatePod(Pod latest) {
        this.pod = latest;
    }

    /** What a round does. */
    sealed interface Step {
        /** Nothing to probe now; the worker goes on ({@code keep}) or ends. */
        record Skip(boolean keep) implements Step {}

        /** Probe this target. */
        record Run(Prober.Target target) implements Step {}
    }

    /** The first half of upstream's {@code doProbe}: whether and what to probe this round. */
    Step prepare() {
        String uid = pod.getMetadata().getUid();
        Optional<PodStatus> status = statuses.apply(uid);
        if (status.isEmpty()) {
            return new Step.Skip(true); // not synced yet, or already gone
        }
        String phase = status.get().getPhase();
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            return new Step.Skip(false);
        }
        List<ContainerStatus> list = kind == ContainerKind.INIT_CONTAINER ? status.get().getInitContainerStatuses()
                : status.get().getContainerStatuses();
        ContainerStatus c = null;
        for (ContainerStatus s : list) {
            if (container.getName().equals(s.getName())) {
                c = s;
                break;
            }
        }
        if (c == null || c.getContainerID() == null || c.getContainerID().isEmpty()) {
            return new Step.Skip(true); // not created yet
        }
        String id = c.getContainerID().substring(c.getContainerID().indexOf("://") + 3);
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
            return new Step.Skip(true);
        }
        var state = c.getState();
        if (state == null || state.getRunning() == null) {
            results.set(uid, containerId, Result.FAILURE);
            boolean restartable = kind == ContainerKind.INIT_CONTAINER && "Always".equals(container.getRestartPolicy());
            return new Step.Skip(state == null || state.getTerminated() == null || restartable
                    || !"Never".equals(pod.getSpec().getRestartPolicy()));
        }
        if (pod.getMetadata().getDeletionTimestamp() != null
                && (type == ProbeType.LIVENESS || type == ProbeType.STARTUP)) {
            results.set(uid, containerId, Result.SUCCESS); // a quiet shutdown
            return new Step.Skip(false);
        }
        int initialDelay = spec.getInitialDelaySeconds() == null ? 0 : spec.getInitialDelaySeconds();
        String startedText = Objects.requireNonNullElse(state.getRunning().getStartedAt(), "");
        if (!startedText.equals(startedAtText)) {
            startedAtText = startedText;
            startedAt = parse(startedText);
        }
        if (initialDelay > 0 && Duration.between(startedAt, clock.instant()).toSeconds() < initialDelay) {
            return new Step.Skip(true);
        }
        boolean started = Boolean.TRUE.equals(c.getStarted());
        if (started ? type == ProbeType.STARTUP : type != ProbeType.STARTUP) {
            return new Step.Skip(true); // startup probes stop once started; the others wait for it
        }
        String podIp = status.get().getPodIP() == null ? "" : status.get().getPodIP();
        return new Step.Run(new Prober.Target(pod, container, kind, containerId, sandboxId(), podIp));
    }

    /**
     * The second half of upstream's {@code doProbe}: a probe's result (empty: it could not be run, and is thrown
     * away) against the thresholds; the published result changes once enough equal results came in a row.
     */
    void complete(Optional<Result> result) {
        if (result.isEmpty()) {
            return;
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
            return; // below the threshold: the published result stays
        }
        results.set(pod.getMetadata().getUid(), containerId, result.get());
        if ((type == ProbeType.LIVENESS || type == ProbeType.STARTUP) && result.get() == Result.FAILURE) {
            // the container is to be restarted: no probing until a new instance (upstream, for #21751)
            onHold = true;
            resultRun = 0;
        }
    }

    /** One whole round on the calling thread, the probe blocking it; whether the worker goes on. */
    boolean doProbe(Prober prober) {
        switch (prepare()) {
            case Step.Skip s -> {
                return s.keep();
            }
            case Step.Run r -> {
                try {
                    complete(prober.probe(type, spec, r.target()));
                    return true;
                } catch (InterruptedIOException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    /** Ends the worker once: its result goes, the manager forgets it. */
    void exit() {
        if (exited) {
            return;
        }
        exited = true;
        if (!containerId.isEmpty()) {
            results.remove(containerId);
        }
        onExit.run();
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

    private static Instant parse(String time) {
        try {
            return time.isEmpty() ? Instant.EPOCH : Instant.parse(time);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    String describe() {
        return type + " probe of " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + " container "
                + container.getName();
    }
}
