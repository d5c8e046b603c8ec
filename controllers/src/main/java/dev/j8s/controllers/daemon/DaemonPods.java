package dev.j8s.controllers.daemon;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * What a daemon pod gets beyond its template (upstream's util.AddOrUpdateDaemonPodTolerations and
 * ReplaceDaemonSetPodNodeNameNodeAffinity): tolerations of the node conditions a daemon must survive, and a
 * required node affinity to its node's name. Stateless; the spec passed in is changed.
 */
final class DaemonPods {

    static final String NOT_READY = "node.kubernetes.io/not-ready";
    static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    static final String DISK_PRESSURE = "node.kubernetes.io/disk-pressure";
    static final String MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure";
    static final String PID_PRESSURE = "node.kubernetes.io/pid-pressure";
    static final String UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
    static final String NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable";

    private DaemonPods() {}

    /** Adds the daemon tolerations ({@code Exists}) the spec does not have yet. */
    static void addTolerations(PodSpec spec) {
        List<Toleration> tolerations = new ArrayList<>(spec.getTolerations() == null ? List.of() : spec.getTolerations());
        add(tolerations, NOT_READY, "NoExecute");
        add(tolerations, UNREACHABLE, "NoExecute");
        add(tolerations, DISK_PRESSURE, "NoSchedule");
        add(tolerations, MEMORY_PRESSURE, "NoSchedule");
        add(tolerations, PID_PRESSURE, "NoSchedule");
        add(tolerations, UNSCHEDULABLE, "NoSchedule");
        if (Boolean.TRUE.equals(spec.getHostNetwork())) {
            add(tolerations, NETWORK_UNAVAILABLE, "NoSchedule");
        }
        spec.setTolerations(tolerations);
    }

    private static void add(List<Toleration> tolerations, String key, String effect) {
        Toleration t = new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build();
        if (tolerations.stream().noneMatch(existing -> key.equals(existing.getKey())
                && "Exists".equals(existing.getOperator()) && effect.equals(existing.getEffect()))) {
            tolerations.add(t);
        }
    }

    /**
     * Requires the node by name: every required term's field requirements become {@code metadata.name In [node]}
     * (its label expressions stay); without terms, one term with just that.
     */
    static void pinToNode(PodSpec spec, String nodeName) {
        NodeSelectorRequirement byName = new NodeSelectorRequirementBuilder().withKey("metadata.name")
                .withOperator("In").withValues(nodeName).build();
        Affinity affinity = spec.getAffinity() == null ? new Affinity() : spec.getAffinity();
        NodeAffinity nodeAffinity = affinity.getNodeAffinity() == null ? new NodeAffinity() : affinity.getNodeAffinity();
        NodeSelector required = nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution();
        List<NodeSelectorTerm> terms = new ArrayList<>();
        if (required == null || required.getNodeSelectorTerms() == null || required.getNodeSelectorTerms().isEmpty()) {
            terms.add(new NodeSelectorTermBuilder().withMatchFields(byName).build());
        } else {
            for (NodeSelectorTerm term : required.getNodeSelectorTerms()) {
                terms.add(new NodeSelectorTermBuilder(term).withMatchFields(byName).build());
            }
        }
        nodeAffinity.setRequiredDuringSchedulingIgnoredDuringExecution(new NodeSelector(terms));
        affinity.setNodeAffinity(nodeAffinity);
        spec.setAffinity(affinity);
    }
}
