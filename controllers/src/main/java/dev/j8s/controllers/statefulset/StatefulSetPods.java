package dev.j8s.controllers.statefulset;

import dev.j8s.controllers.common.Hashes;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.history.ControllerHistory;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The identity rules of a StatefulSet's pods (upstream {@code stateful_set_utils.go}): names and ordinals, which
 * ordinals a set wants, the pod made for an ordinal from a revision and the claims made for it. Stateless and
 * thread-safe.
 *
 * @param replicas  the set's pods by the ordinals it wants (a missing ordinal maps to null)
 * @param ordinals  the wanted ordinals, ascending
 * @param condemned the pods whose ordinal is out of range, highest ordinal first
 */
record StatefulSetPods(Map<Integer, Pod> replicas, List<Integer> ordinals, List<Pod> condemned) {

    private static final Pattern NAME = Pattern.compile("^(.*)-([0-9]+)$");

    /** Sorts the set's pods into the wanted ordinals and the condemned ones. */
    static StatefulSetPods plan(StatefulSet set, List<Pod> members) {
        int start = startOrdinal(set);
        int count = replicas(set);
        Map<Integer, Pod> replicas = new TreeMap<>();
        List<Integer> ordinals = new ArrayList<>();
        for (int i = start; i < start + count; i++) {
            ordinals.add(i);
            replicas.put(i, null);
        }
        List<Pod> condemned = new ArrayList<>();
        for (Pod pod : members) {
            int ordinal = ordinal(pod);
            if (ordinal >= start && ordinal < start + count) {
                Pod other = replicas.get(ordinal);
                // two pods of one name cannot exist; prefer the live one over a deleting copy in a stale cache
                if (other == null || Owners.isDeleting(other)) {
                    replicas.put(ordinal, pod);
                }
            } else if (ordinal >= 0) {
                condemned.add(pod);
            }
        }
        condemned.sort(Comparator.comparingInt(StatefulSetPods::ordinal).reversed());
        return new StatefulSetPods(replicas, ordinals, condemned);
    }

    static int startOrdinal(StatefulSet set) {
        return set.getSpec().getOrdinals() == null || set.getSpec().getOrdinals().getStart() == null ? 0
                : set.getSpec().getOrdinals().getStart();
    }

    static int replicas(StatefulSet set) {
        return set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
    }

    static int partition(StatefulSet set) {
        var strategy = set.getSpec().getUpdateStrategy();
        if (strategy == null || strategy.getRollingUpdate() == null || strategy.getRollingUpdate().getPartition() == null) {
            return 0;
        }
        return strategy.getRollingUpdate().getPartition();
    }

    /** The ordinal in a pod's name, -1 when the name has none. */
    static int ordinal(Pod pod) {
        Matcher m = NAME.matcher(pod.getMetadata().getName());
        if (!m.matches()) {
            return -1;
        }
        try {
            return Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** isMemberOf: the pod's name is the set's name, a dash and an ordinal. */
    static boolean isMemberOf(StatefulSet set, Pod pod) {
        Matcher m = NAME.matcher(pod.getMetadata().getName());
        return m.matches() && m.group(1).equals(set.getMetadata().getName());
    }

    /**
     * Whether a missing pod is made from the current revision: under RollingUpdate, ordinals below the partition
     * keep the current revision; everything else gets the update revision.
     */
    static boolean createFromCurrent(StatefulSet set, int ordinal) {
        var strategy = set.getSpec().getUpdateStrategy();
        boolean rolling = strategy == null || strategy.getType() == null || "RollingUpdate".equals(strategy.getType());
        return rolling && ordinal < startOrdinal(set) + partition(set);
    }

    static String podName(StatefulSet set, int ordinal) {
        return set.getMetadata().getName() + "-" + ordinal;
    }

    static String claimName(StatefulSet set, PersistentVolumeClaim template, int ordinal) {
        return template.getMetadata().getName() + "-" + podName(set, ordinal);
    }

    /**
     * newVersionedStatefulSetPod: the revision's template with the identity (name, hostname, subdomain, the
     * pod-name, pod-index and revision labels), the controller reference and a volume per claim template.
     */
    static Pod newPod(StatefulSet set, int ordinal, ControllerRevision revision) {
        PodTemplateSpec template = ControllerHistory.template(revision);
        String name = podName(set, ordinal);
        Map<String, String> labels = new HashMap<>(template.getMetadata() == null
                || template.getMetadata().getLabels() == null ? Map.of() : template.getMetadata().getLabels());
        labels.put(StatefulSetController.POD_NAME_LABEL, name);
        labels.put(StatefulSetController.POD_INDEX_LABEL, Integer.toString(ordinal));
        labels.put(ControllerHistory.REVISION_HASH, revision.getMetadata().getName());
        ObjectMeta templateMeta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
        PodSpec spec = Hashes.copy(template.getSpec(), PodSpec.class);
        spec.setHostname(name);
        if (set.getSpec().getServiceName() != null && !set.getSpec().getServiceName().isEmpty()) {
            spec.setSubdomain(set.getSpec().getServiceName());
        }
        List<Volume> volumes = new ArrayList<>();
        List<String> claimed = new ArrayList<>();
        for (PersistentVolumeClaim claim : set.getSpec().getVolumeClaimTemplates()) {
            claimed.add(claim.getMetadata().getName());
            volumes.add(new VolumeBuilder().withName(claim.getMetadata().getName()).withNewPersistentVolumeClaim()
                    .withClaimName(claimName(set, claim, ordinal)).endPersistentVolumeClaim().build());
        }
        for (Volume v : spec.getVolumes()) {
            if (!claimed.contains(v.getName())) {
                volumes.add(v);
            }
        }
        spec.setVolumes(volumes);
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(set.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(templateMeta.getAnnotations())
                .withFinalizers(templateMeta.getFinalizers())
                .withOwnerReferences(Owners.controllerRef(set, "apps/v1", "StatefulSet"))
                .endMetadata()
                .withSpec(spec)
                .build();
    }

    /** getPersistentVolumeClaims: the claims of an ordinal, named {@code <template>-<set>-<ordinal>}. */
    static List<PersistentVolumeClaim> claims(StatefulSet set, int ordinal) {
        List<PersistentVolumeClaim> out = new ArrayList<>();
        Map<String, String> selectorLabels = set.getSpec().getSelector() == null
                || set.getSpec().getSelector().getMatchLabels() == null ? Map.of()
                : set.getSpec().getSelector().getMatchLabels();
        for (PersistentVolumeClaim template : set.getSpec().getVolumeClaimTemplates()) {
            Map<String, String> labels = new HashMap<>(template.getMetadata().getLabels() == null ? Map.of()
                    : template.getMetadata().getLabels());
            labels.putAll(selectorLabels);
            PersistentVolumeClaim claim = new PersistentVolumeClaim();
            claim.setApiVersion("v1");
            claim.setKind("PersistentVolumeClaim");
            ObjectMeta meta = new ObjectMeta();
            meta.setName(claimName(set, template, ordinal));
            meta.setNamespace(set.getMetadata().getNamespace());
            meta.setLabels(labels);
            meta.setAnnotations(template.getMetadata().getAnnotations());
            claim.setMetadata(meta);
            claim.setSpec(Hashes.copy(template.getSpec(), PersistentVolumeClaimSpec.class));
            out.add(claim);
        }
        return out;
    }
}
