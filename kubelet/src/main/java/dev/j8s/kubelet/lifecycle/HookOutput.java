package dev.j8s.kubelet.lifecycle;

import dev.j8s.kubelet.logs.CriLogAppender;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Hook output the user can see, beyond upstream: by default events carry upstream's text only ({@code PostStartHook
 * failed}; output can hold secrets). A pod annotated {@value #ANNOTATION}{@code : "true"} gets each hook's output
 * (an {@code exec}'s stdout and stderr, an HTTP hook's status line or error) in its container's log, each line marked
 * {@code [postStart]} or {@code [preStop]}, and failure events that end with the exit code and the last output line.
 * Stateless and thread-safe.
 */
public final class HookOutput {

    /** The pod annotation that turns hook output on. */
    public static final String ANNOTATION = "hooks.j8s.dev/output";
    private static final System.Logger LOG = System.getLogger(HookOutput.class.getName());

    private HookOutput() {}

    /** Whether the pod asks for hook output. */
    public static boolean enabled(Pod pod) {
        var annotations = pod.getMetadata().getAnnotations();
        return annotations != null && "true".equals(annotations.get(ANNOTATION));
    }

    /**
     * The message of a {@code FailedPostStartHook} or {@code FailedPreStopHook} event: upstream's {@code PostStartHook
     * failed}, and with hook output on, {@code PostStartHook failed: exit code 3: <last line>}.
     */
    public static String failedEventMessage(Pod pod, Hook hook, HookResult.Failed failed) {
        String upstream = hook.eventName() + " failed";
        if (!enabled(pod)) {
            return upstream;
        }
        String detail = failed.eventDetail();
        return detail.isEmpty() ? upstream : upstream + ": " + detail;
    }

    /** Writes the run's output into the container's log when the pod asks for it; a log write failure is logged. */
    public static void write(Pod pod, Path logPath, Hook hook, HookResult result, Instant now) {
        if (!enabled(pod) || result.output().isEmpty()) {
            return;
        }
        List<CriLogAppender.Line> lines = result.output().stream()
                .map(l -> new CriLogAppender.Line(l.stderr(), "[" + hook.field() + "] " + l.text())).toList();
        try {
            CriLogAppender.append(logPath, now, lines);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot write hook output to " + logPath + ": " + e);
        }
    }
}
