package dev.j8s.kubelet.lifecycle;

import dev.j8s.kubelet.container.ContainerReferences;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import dev.j8s.kubelet.format.GoQuote;
import dev.j8s.kubelet.format.PodDescription;
import dev.j8s.kubelet.probe.HttpGetClient;
import dev.j8s.kubelet.probe.HttpGetRequest;
import dev.j8s.kubelet.probe.PodConnector;
import dev.j8s.kubelet.probe.ProbeException;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ExecSession;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Runs lifecycle handlers as upstream's {@code handlerRunner}: {@code exec} through the runtime inside the container
 * (no deadline: success is exit code 0), {@code httpGet} as a GET from the node (any response succeeds; only a failed
 * exchange fails; an HTTPS request answered in plain HTTP is retried over HTTP with a {@code LifecycleHTTPFallback}
 * event), {@code sleep} as a timer, anything else upstream's {@code invalid handler}. Each run is on a virtual thread
 * of its own ({@link RunningHook}) so the caller bounds it (a preStop by the grace period) and stops it (a pod being
 * deleted). Thread-safe.
 */
public final class HandlerRunner {

    private static final System.Logger LOG = System.getLogger(HandlerRunner.class.getName());
    /** How much output of an {@code exec} handler is kept, per stream. */
    static final int MAX_OUTPUT = 64 * 1024;
    /** Upstream's HTTP hook client has no timeout: the caller's bound (grace period, deletion) is the only one. */
    private static final Duration UNBOUNDED = Duration.ofDays(365);

    private final ContainerRuntime runtime;
    private final EventRecorder recorder;

    public HandlerRunner(ContainerRuntime runtime, EventRecorder recorder) {
        this.runtime = runtime;
        this.recorder = recorder;
    }

    /** Starts the container's {@code hook} handler; the container spec must have one. */
    public RunningHook start(HookTarget target, Hook hook) {
        var lifecycle = target.container().getLifecycle();
        LifecycleHandler spec = hook == Hook.POST_START ? lifecycle.getPostStart() : lifecycle.getPreStop();
        HookHandler handler = HookHandler.of(spec);
        return RunningHook.start("hook-" + hook.field() + "-" + target.container().getName(),
                () -> run(target, handler));
    }

    /** Runs one handler on the calling thread; an interrupt ends it with {@link HookResult.Cancelled}. */
    HookResult run(HookTarget target, HookHandler handler) {
        return switch (handler) {
            case HookHandler.Exec e -> exec(target, e);
            case HookHandler.HttpGet h -> http(target, h.action());
            case HookHandler.Sleep s -> sleep(target, s);
            case HookHandler.Invalid i -> new HookResult.Failed("Cannot run handler: invalid handler: " + i.dump(),
                    OptionalInt.empty(), List.of());
        };
    }

    private HookResult exec(HookTarget target, HookHandler.Exec handler) {
        ExecSession session;
        try {
            session = runtime.exec(target.containerId(), handler.command());
        } catch (RuntimeException e) {
            return new HookResult.Failed(execMessage(target, handler, e.getMessage(), ""), OptionalInt.empty(),
                    List.of(new HookResult.OutputLine(true, e.getMessage())));
        }
        try (session) {
            session.stdin().close();
            var stdout = Drain.start(session.stdout());
            var stderr = Drain.start(session.stderr());
            OptionalInt exit = session.awaitExit(UNBOUNDED);
            if (exit.isEmpty() || Thread.currentThread().isInterrupted()) {
                return new HookResult.Cancelled(lines(stdout.partial(), stderr.partial()));
            }
            byte[] out = stdout.await();
            byte[] err = stderr.await();
            List<HookResult.OutputLine> lines = lines(out, err);
            if (exit.getAsInt() == 0) {
                return new HookResult.Succeeded(lines);
            }
            String error = "command '" + String.join(" ", handler.command()) + "' exited with " + exit.getAsInt()
                    + ": " + new String(err, StandardCharsets.UTF_8);
            byte[] combined = new byte[out.length + err.length];
            System.arraycopy(out, 0, combined, 0, out.length);
            System.arraycopy(err, 0, combined, out.length, err.length);
            return new HookResult.Failed(execMessage(target, handler, error, GoQuote.quote(combined)),
                    OptionalInt.of(exit.getAsInt()), lines);
        } catch (IOException e) {
            return new HookResult.Failed(execMessage(target, handler, e.getMessage(), ""), OptionalInt.empty(),
                    List.of());
        }
    }

    /** {@code Exec lifecycle hook ([sh -c exit 3]) for Container "c" in Pod "p_ns(uid)" failed - error: ..., message: "..."}. */
    private static String execMessage(HookTarget target, HookHandler.Exec handler, String error, String quoted) {
        return "Exec lifecycle hook ([" + String.join(" ", handler.command()) + "]) for Container "
                + GoQuote.quote(target.container().getName()) + " in Pod " + GoQuote.quote(PodDescription.of(target.pod()))
                + " failed - error: " + error + ", message: " + (quoted.isEmpty() ? "\"\"" : quoted);
    }

    private HookResult http(HookTarget target, HTTPGetAction action) {
        String path = action.getPath() == null ? "" : action.getPath();
        String podIp = target.podIps().isEmpty() ? "" : target.podIps().getFirst();
        boolean toPod = action.getHost() == null || action.getHost().isEmpty();
        if (toPod && podIp.isEmpty()) {
            return httpFailed(target, path, "failed to find networking container: the pod has no IP address");
        }
        HttpGetRequest request;
        try {
            request = HttpGetRequest.of(action, target.container(), podIp, "lifecycle");
        } catch (ProbeException e) {
            return httpFailed(target, path, e.getMessage());
        }
        PodConnector connector = new PodConnector(runtime, target.sandboxId(), podIp);
        try {
            HttpGetClient.Response response;
            try {
                response = HttpGetClient.get(request, connector, UNBOUNDED);
            } catch (HttpGetClient.Failure f) {
                if (!f.httpToHttps()) {
                    throw f;
                }
                LOG.log(Level.DEBUG, "HTTPS request to lifecycle hook got HTTP response, retrying with HTTP pod="
                        + PodDescription.of(target.pod()) + " host=" + request.host() + ":" + request.port());
                HttpGetRequest plain = new HttpGetRequest("http", request.host(), request.port(), request.path(),
                        request.headers().stream().filter(h -> !h.name().equals("Authorization")).toList(),
                        request.podAddress());
                response = HttpGetClient.get(plain, connector, UNBOUNDED);
                recorder.event(ContainerReferences.of(target.pod()), EventType.WARNING,
                        EventReason.LIFECYCLE_HTTP_FALLBACK, "request to HTTPS lifecycle hook " + request.host()
                                + ":" + request.port() + " got HTTP response, retry with HTTP succeeded");
            }
            return new HookResult.Succeeded(List.of(new HookResult.OutputLine(false, response.statusLine())));
        } catch (HttpGetClient.Failure f) {
            return httpFailed(target, path, f.getMessage());
        } catch (InterruptedIOException e) {
            return new HookResult.Cancelled(List.of());
        }
    }

    private static HookResult httpFailed(HookTarget target, String path, String error) {
        return new HookResult.Failed("HTTP lifecycle hook (" + path + ") for Container "
                + GoQuote.quote(target.container().getName()) + " in Pod " + GoQuote.quote(PodDescription.of(target.pod()))
                + " failed - error: " + error, OptionalInt.empty(), List.of(new HookResult.OutputLine(true, error)));
    }

    private static HookResult sleep(HookTarget target, HookHandler.Sleep handler) {
        try {
            Thread.sleep(Duration.ofSeconds(Math.max(0, handler.seconds())));
            return new HookResult.Succeeded(List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.log(Level.DEBUG, "Sleep lifecycle hook (" + handler.seconds() + ") for Container \""
                    + target.container().getName() + "\" in Pod \"" + PodDescription.of(target.pod())
                    + "\" failed - error: container terminated before sleep hook finished");
            return new HookResult.Cancelled(List.of());
        }
    }

    /** The output as lines: stdout's, then stderr's (the order upstream's combined output has). */
    private static List<HookResult.OutputLine> lines(byte[] stdout, byte[] stderr) {
        List<HookResult.OutputLine> lines = new ArrayList<>();
        for (String l : new String(stdout, StandardCharsets.UTF_8).lines().toList()) {
            lines.add(new HookResult.OutputLine(false, l));
        }
        for (String l : new String(stderr, StandardCharsets.UTF_8).lines().toList()) {
            lines.add(new HookResult.OutputLine(true, l));
        }
        return lines;
    }

    /** Reads one output stream to its end on a virtual thread, keeping at most {@link #MAX_OUTPUT} bytes (the tail). */
    private static final class Drain {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final Thread thread;

        private Drain(InputStream in) {
            thread = Thread.ofVirtual().name("hook-output").start(() -> {
                byte[] buffer = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        synchronized (kept) {
                            if (kept.size() + n > MAX_OUTPUT) {
                                byte[] all = kept.toByteArray();
                                kept.reset();
                                int keep = Math.max(0, MAX_OUTPUT - n);
                                kept.write(all, all.length - Math.min(keep, all.length), Math.min(keep, all.length));
                            }
                            kept.write(buffer, 0, Math.min(n, MAX_OUTPUT));
                        }
                    }
                } catch (IOException e) {
                    // the exec ended or was closed: what was read is what there is
                }
            });
        }

        static Drain start(InputStream in) {
            return new Drain(in);
        }

        /** Waits (briefly) for the stream's end, then what was read. */
        byte[] await() {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return partial();
        }

        byte[] partial() {
            synchronized (kept) {
                return kept.toByteArray();
            }
        }
    }
}
