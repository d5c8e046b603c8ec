package dev.j8s.kubelet.prober;

import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.container.ContainerReferences;
import dev.j8s.kubelet.envvars.Expansion;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import dev.j8s.kubelet.format.GoQuote;
import dev.j8s.kubelet.format.PodDescription;
import dev.j8s.kubelet.probe.ContainerPorts;
import dev.j8s.kubelet.probe.GrpcProbe;
import dev.j8s.kubelet.probe.HttpGetRequest;
import dev.j8s.kubelet.probe.HttpProbe;
import dev.j8s.kubelet.probe.PodConnector;
import dev.j8s.kubelet.probe.ProbeException;
import dev.j8s.kubelet.probe.ProbeResult;
import dev.j8s.kubelet.probe.TcpProbe;
import dev.j8s.kubelet.prober.results.Result;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ExecResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Runs one probe and words its outcome as upstream's {@code prober.go}: {@code exec} through the runtime with the
 * probe's timeout (exit code 0 succeeds; the output, at most 10 KiB, is the message), {@code httpGet},
 * {@code tcpSocket} and {@code grpc} from the node into the pod's network namespace; a failure is an
 * {@code Unhealthy} event ({@code Liveness probe failed: <output>}), a warning a {@code ProbeWarning} event, an error
 * (the probe could not even be run) is retried up to three times, then reported ({@code ... probe errored and resulted
 * in unknown state: <err>}) and its result thrown away. Thread-safe.
 */
final class Prober {

    private static final int MAX_RETRIES = 3;
    private static final int MAX_EXEC_OUTPUT = 10 * 1024;
    private final ContainerRuntime runtime;
    private final EventRecorder recorder;

    Prober(ContainerRuntime runtime, EventRecorder recorder) {
        this.runtime = runtime;
        this.recorder = recorder;
    }

    /** Where a probe runs: the container instance, its sandbox and the pod's address. */
    record Target(Pod pod, Container container, ContainerKind kind, String containerId, String sandboxId,
            String podIp) {}

    /**
     * What one probe round does, decided before anything runs: a plain HTTP GET or a TCP connect to the pod's own
     * address (the prober's loop drives those without blocking), anything else run as a blocking call (exec, HTTPS,
     * gRPC, another host), or the error that keeps the probe from running at all.
     */
    sealed interface Plan {
        record Http(HttpGetRequest request) implements Plan {}

        record Tcp(String host, int port) implements Plan {}

        record Blocking(Callable<ProbeResult> run) implements Plan {}

        record Error(String message) implements Plan {}
    }

    /** The plan of one round; a probe that cannot be built is tried three times, as upstream retries errors. */
    Plan plan(Probe spec, Target target) {
        ProbeException error = null;
        for (int i = 0; i < MAX_RETRIES; i++) {
            try {
                return planOnce(spec, target);
            } catch (ProbeException e) {
                error = e;
            }
        }
        return new Plan.Error(error.getMessage());
    }

    private Plan planOnce(Probe spec, Target target) {
        Duration timeout = timeout(spec);
        if (spec.getExec() != null) {
            List<String> command = expandStatic(spec.getExec().getCommand(), target.container());
            return new Plan.Blocking(() -> exec(command, target, timeout));
        }
        String podIp = target.podIp();
        PodConnector connector = new PodConnector(runtime, target.sandboxId(), podIp);
        if (spec.getHttpGet() != null) {
            boolean toPod = spec.getHttpGet().getHost() == null || spec.getHttpGet().getHost().isEmpty();
            requireAddress(toPod, podIp);
            HttpGetRequest request = HttpGetRequest.of(spec.getHttpGet(), target.container(), podIp, "probe");
            return toPod && request.scheme().equals("http") ? new Plan.Http(request)
                    : new Plan.Blocking(() -> HttpProbe.probe(request, connector, timeout));
        }
        if (spec.getTcpSocket() != null) {
            int port = ContainerPorts.resolve(spec.getTcpSocket().getPort(), target.container());
            String host = spec.getTcpSocket().getHost() == null || spec.getTcpSocket().getHost().isEmpty() ? podIp
                    : spec.getTcpSocket().getHost();
            requireAddress(host.equals(podIp), podIp);
            return host.equals(podIp) ? new Plan.Tcp(host, port)
                    : new Plan.Blocking(() -> TcpProbe.probe(host, port, connector, timeout));
        }
        if (spec.getGrpc() != null) {
            requireAddress(true, podIp);
            String service = spec.getGrpc().getService() == null ? "" : spec.getGrpc().getService();
            int port = spec.getGrpc().getPort() == null ? 0 : spec.getGrpc().getPort();
            return new Plan.Blocking(() -> GrpcProbe.probe(podIp, service, port, connector, timeout));
        }
        throw new ProbeException("missing probe handler for " + PodDescription.of(target.pod()) + ":"
                + target.container().getName());
    }

    static Duration timeout(Probe spec) {
        return Duration.ofSeconds(Math.max(1, spec.getTimeoutSeconds() == null ? 1 : spec.getTimeoutSeconds()));
    }

    /**
     * Probes once, blocking the caller; the result, or empty when the probe could not be run (the worker then keeps
     * its state).
     *
     * @throws InterruptedIOException when the calling thread was interrupted (the worker is stopping)
     */
    Optional<Result> probe(ProbeType type, Probe spec, Target target) throws InterruptedIOException {
        Plan plan = plan(spec, target);
        PodConnector connector = new PodConnector(runtime, target.sandboxId(), target.podIp());
        ProbeResult result;
        try {
            result = switch (plan) {
                case Plan.Http h -> HttpProbe.probe(h.request(), connector, timeout(spec));
                case Plan.Tcp t -> TcpProbe.probe(t.host(), t.port(), connector, timeout(spec));
                case Plan.Blocking b -> b.run().call();
                case Plan.Error e -> null;
            };
        } catch (InterruptedIOException e) {
            throw e;
        } catch (ProbeException e) {
            return errored(type, target, e.getMessage());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (plan instanceof Plan.Error e) {
            return errored(type, target, e.message());
        }
        return interpret(type, target, result);
    }

    /** Upstream's reading of a probe's result: events for failures and warnings; a warning is a success. */
    Optional<Result> interpret(ProbeType type, Target target, ProbeResult result) {
        return Optional.of(switch (result.kind()) {
            case SUCCESS -> Result.SUCCESS;
            case WARNING -> {
                event(target, EventType.WARNING, EventReason.CONTAINER_PROBE_WARNING,
                        type + " probe warning: " + result.output());
                yield Result.SUCCESS;
            }
            case FAILURE -> {
                event(target, EventType.WARNING, EventReason.CONTAINER_UNHEALTHY,
                        type + " probe failed: " + result.output());
                yield Result.FAILURE;
            }
            case UNKNOWN -> Result.FAILURE;
        });
    }

    /** A probe that could not be run: the event, and no result (the worker keeps its state). */
    Optional<Result> errored(ProbeType type, Target target, String error) {
        event(target, EventType.WARNING, EventReason.CONTAINER_UNHEALTHY,
                type + " probe errored and resulted in unknown state: " + error);
        return Optional.empty();
    }

    private static void requireAddress(boolean toPod, String podIp) {
        if (toPod && podIp.isEmpty()) {
            throw new ProbeException("the pod has no IP address yet");
        }
    }

    /** An exec probe: exit code 0 succeeds; the combined output (at most 10 KiB) is the message. */
    private ProbeResult exec(List<String> command, Target target, Duration timeout) {
        ExecResult result;
        try {
            result = runtime.execSync(target.containerId(), command, timeout);
        } catch (ContainerRuntimeException.CommandFailed e) {
            if (e.getMessage() != null && e.getMessage().contains("timed out")) {
                return ProbeResult.failure("command " + GoQuote.quote(String.join(" ", command)) + " timed out");
            }
            throw new ProbeException(e.getMessage());
        } catch (ContainerRuntimeException e) {
            throw new ProbeException(e.getMessage());
        }
        byte[] out = result.stdout();
        byte[] err = result.stderr();
        int length = Math.min(MAX_EXEC_OUTPUT, out.length + err.length);
        byte[] combined = new byte[length];
        System.arraycopy(out, 0, combined, 0, Math.min(out.length, length));
        if (length > out.length) {
            System.arraycopy(err, 0, combined, out.length, length - out.length);
        }
        String output = new String(combined, StandardCharsets.UTF_8);
        return result.exitCode() == 0 ? ProbeResult.success(output) : ProbeResult.failure(output);
    }

    /**
     * Upstream {@code ExpandContainerCommandOnlyStatic}: {@code $(VAR)} in the probe's command from the container's
     * literal {@code env} values only (no {@code valueFrom}, no image env).
     */
    static List<String> expandStatic(List<String> command, Container container) {
        Map<String, String> env = new HashMap<>();
        for (EnvVar v : container.getEnv()) {
            if (v.getValue() != null) {
                env.put(v.getName(), v.getValue());
            }
        }
        return command.stream().map(s -> Expansion.expand(s, env)).toList();
    }

    private void event(Target target, EventType type, EventReason reason, String message) {
        recorder.event(ContainerReferences.of(target.pod(), target.container(), target.kind()), type, reason, message);
    }
}
