package dev.j8s.controllers.common;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Pod state as the controllers read it (upstream's podutil and controller.IsPodActive). Stateless. */
public final class Pods {

    private Pods() {}

    /** Not finished and not being deleted: a pod a controller counts. */
    public static boolean isActive(Pod pod) {
        String phase = phase(pod);
        return !phase.equals("Succeeded") && !phase.equals("Failed") && !Owners.isDeleting(pod);
    }

    /** Succeeded or Failed. */
    public static boolean isTerminal(Pod pod) {
        String phase = phase(pod);
        return phase.equals("Succeeded") || phase.equals("Failed");
    }

    public static String phase(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "" : pod.getStatus().getPhase();
    }

    /** The Ready condition, if the kubelet reported one. */
    public static Optional<PodCondition> readyCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }

    public static boolean isReady(Pod pod) {
        return readyCondition(pod).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    /** When the pod last became Ready, if it is. */
    public static Optional<Instant> readySince(Pod pod) {
        return readyCondition(pod).filter(c -> "True".equals(c.getStatus()))
                .flatMap(c -> time(c.getLastTransitionTime()));
    }

    /**
     * Ready for at least {@code minReadySeconds} (podutil.IsPodAvailable): with 0, ready is enough; otherwise the
     * Ready condition's lastTransitionTime plus the minimum is before {@code now}.
     */
    public static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
        if (!isReady(pod)) {
            return false;
        }
        if (minReadySeconds == 0) {
            return true;
        }
        return readySince(pod).map(t -> t.plus(Duration.ofSeconds(minReadySeconds)).isBefore(now)).orElse(false);
    }

    /** An RFC 3339 time, empty when absent or unreadable. */
    public static Optional<Instant> time(String rfc3339) {
        if (rfc3339 == null || rfc3339.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(rfc3339).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The node a pod is bound to, empty when unscheduled. */
    public static String nodeName(Pod pod) {
        return pod.getSpec() == null || pod.getSpec().getNodeName() == null ? "" : pod.getSpec().getNodeName();
    }
}
