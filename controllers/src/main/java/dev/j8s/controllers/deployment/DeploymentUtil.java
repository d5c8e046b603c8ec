package dev.j8s.controllers.deployment;

import dev.j8s.controllers.common.Hashes;
import dev.j8s.controllers.common.IntOrPercent;
import dev.j8s.controllers.common.Pods;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The arithmetic and bookkeeping of Deployments (upstream's pkg/controller/deployment/util): revisions and the
 * annotations copied to ReplicaSets, the new ReplicaSet, the rolling-update fenceposts, replica counts,
 * conditions and the completeness, progress and time-out tests. Stateless.
 */
final class DeploymentUtil {

    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
    static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
    static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
    static final String HASH_LABEL = "pod-template-hash";
    /** Annotations of a Deployment its ReplicaSets do not get. */
    static final Set<String> NOT_COPIED = Set.of("kubectl.kubernetes.io/last-applied-configuration", REVISION,
            REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to");
    /** How long {@code revision-history} may grow. */
    static final int MAX_REVISION_HISTORY_CHARS = 2000;

    // condition reasons (deployment_util.go)
    static final String REPLICA_SET_UPDATED = "ReplicaSetUpdated";
    static final String FAILED_RS_CREATE = "ReplicaSetCreateError";
    static final String NEW_REPLICA_SET = "NewReplicaSetCreated";
    static final String FOUND_NEW_RS = "FoundNewReplicaSet";
    static final String NEW_RS_AVAILABLE = "NewReplicaSetAvailable";
    static final String TIMED_OUT = "ProgressDeadlineExceeded";
    static final String PAUSED = "DeploymentPaused";
    static final String RESUMED = "DeploymentResumed";
    static final String MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable";
    static final String MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable";

    private DeploymentUtil() {}

    static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    static int replicas(ReplicaSet rs) {
        return rs == null || rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    }

    static boolean isRollingUpdate(Deployment d) {
        return d.getSpec().getStrategy() == null || d.getSpec().getStrategy().getType() == null
                || "RollingUpdate".equals(d.getSpec().getStrategy().getType());
    }

    /** ResolveFenceposts: surge rounds up, unavailable down, and both 0 makes unavailable 1. */
    static int[] fenceposts(Deployment d) {
        var rolling = d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getRollingUpdate();
        int desired = replicas(d);
        int surge = IntOrPercent.scaled(rolling == null ? null : rolling.getMaxSurge(), desired, true, 0);
        int unavailable = IntOrPercent.scaled(rolling == null ? null : rolling.getMaxUnavailable(), desired, false, 0);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        return new int[] {surge, unavailable};
    }

    static int maxSurge(Deployment d) {
        return isRollingUpdate(d) ? fenceposts(d)[0] : 0;
    }

    static int maxUnavailable(Deployment d) {
        if (!isRollingUpdate(d) || replicas(d) == 0) {
            return 0;
        }
        return Math.min(fenceposts(d)[1], replicas(d));
    }

    // ---- replica counts ----------------------------------------------------------------------------

    static int specReplicas(List<ReplicaSet> rss) {
        return rss.stream().filter(r -> r != null).mapToInt(DeploymentUtil::replicas).sum();
    }

    static int statusReplicas(List<ReplicaSet> rss) {
        return rss.stream().filter(r -> r != null && r.getStatus() != null && r.getStatus().getReplicas() != null)
                .mapToInt(r -> r.getStatus().getReplicas()).sum();
    }

    static int readyReplicas(List<ReplicaSet> rss) {
        return rss.stream().filter(r -> r != null && r.getStatus() != null && r.getStatus().getReadyReplicas() != null)
                .mapToInt(r -> r.getStatus().getReadyReplicas()).sum();
    }

    static int availableReplicas(List<ReplicaSet> rss) {
        return rss.stream().filter(r -> r != null && r.getStatus() != null
                && r.getStatus().getAvailableReplicas() != null).mapToInt(r -> r.getStatus().getAvailableReplicas()).sum();
    }

    static int available(ReplicaSet rs) {
        return rs == null || rs.getStatus() == null || rs.getStatus().getAvailableReplicas() == null
                ? 0 : rs.getStatus().getAvailableReplicas();
    }

    static List<ReplicaSet> active(List<ReplicaSet> rss) {
        return rss.stream().filter(r -> r != null && replicas(r) > 0).toList();
    }

    // ---- finding the new ReplicaSet -----------------------------------------------------------------

    /** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
    static final Comparator<ReplicaSet> BY_CREATION = Comparator
            .comparing((ReplicaSet r) -> Pods.time(r.getMetadata().getCreationTimestamp()).orElse(Instant.EPOCH))
            .thenComparing(r -> r.getMetadata().getName());

    /** The oldest ReplicaSet whose template equals the Deployment's, ignoring pod-template-hash. */
    static Optional<ReplicaSet> findNew(Deployment d, List<ReplicaSet> rss) {
        return rss.stream().sorted(BY_CREATION)
                .filter(rs -> equalIgnoreHash(rs.getSpec().getTemplate(), d.getSpec().getTemplate()))
                .findFirst();
    }

    static List<ReplicaSet> findOld(Deployment d, List<ReplicaSet> rss, Optional<ReplicaSet> newRs) {
        String newUid = newRs.map(r -> r.getMetadata().getUid()).orElse("");
        return rss.stream().filter(r -> !r.getMetadata().getUid().equals(newUid)).toList();
    }

    static boolean equalIgnoreHash(PodTemplateSpec a, PodTemplateSpec b) {
        var ta = Hashes.tree(a);
        var tb = Hashes.tree(b);
        for (var t : List.of(ta, tb)) {
            var labels = t.path("metadata").path("labels");
            if (labels instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                o.remove(HASH_LABEL);
                if (o.isEmpty()) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) t.path("metadata")).remove("labels");
                }
            }
            var meta = t.path("metadata");
            if (meta instanceof com.fasterxml.jackson.databind.node.ObjectNode m && m.isEmpty()) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) t).remove("metadata");
            }
        }
        return ta.equals(tb);
    }

    /** The pod-template-hash of a template: its hash with the Deployment's collision count. */
    static String hashOf(PodTemplateSpec template, Integer collisionCount) {
        return Hashes.computeHash(template, collisionCount);
    }

    // ---- revisions and annotations ------------------------------------------------------------------

    static long revision(ReplicaSet rs) {
        String v = annotations(rs).get(REVISION);
        if (v == null) {
            return 0;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1; // unparseable: skipped, as upstream logs and skips it
        }
    }

    static long maxRevision(List<ReplicaSet> rss) {
        return rss.stream().mapToLong(DeploymentUtil::revision).max().orElse(0);
    }

    static Map<String, String> annotations(io.fabric8.kubernetes.api.model.HasMetadata o) {
        return o.getMetadata().getAnnotations() == null ? Map.of() : o.getMetadata().getAnnotations();
    }

    /**
     * SetNewReplicaSetAnnotations: the Deployment's annotations (but {@link #NOT_COPIED}), the new revision when it
     * is higher (the old one appended to {@code revision-history}: a rollback), and for a ReplicaSet about to be
     * created the replicas annotations. True when anything changed.
     */
    static boolean setNewReplicaSetAnnotations(Deployment d, ReplicaSet rs, String newRevision, boolean exists) {
        Map<String, String> a = rs.getMetadata().getAnnotations() == null ? new HashMap<>()
                : new HashMap<>(rs.getMetadata().getAnnotations());
        boolean changed = false;
        for (Map.Entry<String, String> e : annotations(d).entrySet()) {
            if (!NOT_COPIED.contains(e.getKey()) && !e.getValue().equals(a.get(e.getKey()))) {
                a.put(e.getKey(), e.getValue());
                changed = true;
            }
        }
        String oldRevision = a.get(REVISION);
        if (oldRevision == null || compareRevisions(oldRevision, newRevision) < 0) {
            a.put(REVISION, newRevision);
            changed = true;
            if (oldRevision != null) {
                String history = a.getOrDefault(REVISION_HISTORY, "");
                List<String> old = new ArrayList<>(history.isEmpty() ? List.of() : List.of(history.split(",")));
                old.add(oldRevision);
                while (String.join(",", old).length() > MAX_REVISION_HISTORY_CHARS && old.size() > 1) {
                    old.removeFirst();
                }
                a.put(REVISION_HISTORY, String.join(",", old));
            }
        }
        if (!exists) {
            a.put(DESIRED_REPLICAS, Integer.toString(replicas(d)));
            a.put(MAX_REPLICAS, Integer.toString(replicas(d) + maxSurge(d)));
            changed = true;
        }
        if (changed) {
            rs.getMetadata().setAnnotations(a);
        }
        return changed;
    }

    /** Upstream compares revision strings as numbers where both parse, else as text. */
    private static int compareRevisions(String a, String b) {
        try {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    /** Whether the replicas annotations of a ReplicaSet differ from what the Deployment says. */
    static boolean replicasAnnotationsNeedUpdate(ReplicaSet rs, int desired, int max) {
        Map<String, String> a = annotations(rs);
        return !Integer.toString(desired).equals(a.get(DESIRED_REPLICAS))
                || !Integer.toString(max).equals(a.get(MAX_REPLICAS));
    }

    static void setReplicasAnnotations(ReplicaSet rs, int desired, int max) {
        Map<String, String> a = rs.getMetadata().getAnnotations() == null ? new HashMap<>()
                : new HashMap<>(rs.getMetadata().getAnnotations());
        a.put(DESIRED_REPLICAS, Integer.toString(desired));
        a.put(MAX_REPLICAS, Integer.toString(max));
        rs.getMetadata().setAnnotations(a);
    }

    static Optional<Integer> intAnnotation(ReplicaSet rs, String key) {
        String v = annotations(rs).get(key);
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(v));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** IsSaturated: the new ReplicaSet has all the Deployment's replicas, annotated and available. */
    static boolean isSaturated(Deployment d, ReplicaSet rs) {
        if (rs == null) {
            return false;
        }
        Optional<Integer> desired = intAnnotation(rs, DESIRED_REPLICAS);
        return desired.isPresent() && replicas(rs) == replicas(d) && desired.get() == replicas(d)
                && available(rs) == replicas(d);
    }

    /** NewRSNewReplicas: how large the new ReplicaSet may be now. */
    static int newRsNewReplicas(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
        if (!isRollingUpdate(d)) {
            return replicas(d);
        }
        int maxTotal = replicas(d) + maxSurge(d);
        int current = specReplicas(all);
        if (current >= maxTotal) {
            return replicas(newRs);
        }
        int scaleUp = Math.min(maxTotal - current, replicas(d) - replicas(newRs));
        return replicas(newRs) + scaleUp;
    }

    // ---- conditions and progress --------------------------------------------------------------------

    static String timestamp(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    static DeploymentCondition condition(String type, String status, String reason, String message, Instant now) {
        return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason)
                .withMessage(message).withLastUpdateTime(timestamp(now)).withLastTransitionTime(timestamp(now)).build();
    }

    static Optional<DeploymentCondition> getCondition(DeploymentStatus status, String type) {
        if (status == null || status.getConditions() == null) {
            return Optional.empty();
        }
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    /**
     * SetDeploymentCondition: a condition of the same type, status and reason is left as it is; a new reason with
     * the same status keeps the old lastTransitionTime.
     */
    static void setCondition(DeploymentStatus status, DeploymentCondition condition) {
        Optional<DeploymentCondition> current = getCondition(status, condition.getType());
        if (current.isPresent() && equalsNullable(current.get().getStatus(), condition.getStatus())
                && equalsNullable(current.get().getReason(), condition.getReason())) {
            return;
        }
        if (current.isPresent() && equalsNullable(current.get().getStatus(), condition.getStatus())) {
            condition.setLastTransitionTime(current.get().getLastTransitionTime());
        }
        removeCondition(status, condition.getType());
        List<DeploymentCondition> conditions = new ArrayList<>(status.getConditions() == null ? List.of()
                : status.getConditions());
        conditions.add(condition);
        status.setConditions(conditions);
    }

    static void removeCondition(DeploymentStatus status, String type) {
        if (status.getConditions() == null) {
            return;
        }
        List<DeploymentCondition> kept = new ArrayList<>(status.getConditions());
        kept.removeIf(c -> type.equals(c.getType()));
        status.setConditions(kept);
    }

    private static boolean equalsNullable(String a, String b) {
        return (a == null ? "" : a).equals(b == null ? "" : b);
    }

    static boolean hasProgressDeadline(Deployment d) {
        Integer deadline = d.getSpec().getProgressDeadlineSeconds();
        return deadline != null && deadline != Integer.MAX_VALUE;
    }

    static long generation(Deployment d) {
        return d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    }

    static long observedGeneration(DeploymentStatus s) {
        return s == null || s.getObservedGeneration() == null ? 0 : s.getObservedGeneration();
    }

    static int n(Integer v) {
        return v == null ? 0 : v;
    }

    /** DeploymentComplete: every replica updated and available, and the latest spec observed. */
    static boolean complete(Deployment d, DeploymentStatus s) {
        int want = replicas(d);
        return n(s.getUpdatedReplicas()) == want && n(s.getReplicas()) == want && n(s.getAvailableReplicas()) == want
                && observedGeneration(s) >= generation(d);
    }

    /** DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than the status says. */
    static boolean progressing(Deployment d, DeploymentStatus next) {
        DeploymentStatus old = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
        int oldOld = n(old.getReplicas()) - n(old.getUpdatedReplicas());
        int newOld = n(next.getReplicas()) - n(next.getUpdatedReplicas());
        return n(next.getUpdatedReplicas()) > n(old.getUpdatedReplicas()) || newOld < oldOld
                || n(next.getReadyReplicas()) > n(old.getReadyReplicas())
                || n(next.getAvailableReplicas()) > n(old.getAvailableReplicas());
    }

    /** DeploymentTimedOut: the Progressing condition was last updated longer than the deadline ago. */
    static boolean timedOut(Deployment d, DeploymentStatus next, Instant now) {
        if (!hasProgressDeadline(d)) {
            return false;
        }
        Optional<DeploymentCondition> c = getCondition(next, "Progressing");
        if (c.isEmpty() || NEW_RS_AVAILABLE.equals(c.get().getReason())) {
            return false;
        }
        if (TIMED_OUT.equals(c.get().getReason())) {
            return true;
        }
        Optional<Instant> from = Pods.time(c.get().getLastUpdateTime());
        return from.isPresent() && from.get().plusSeconds(d.getSpec().getProgressDeadlineSeconds()).isBefore(now);
    }
}
