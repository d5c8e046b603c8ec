package dev.j8s.apiserver.patch;

import dev.j8s.apiserver.registry.ResourceType;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The strategic-merge list strategies of the built-in kinds: which list fields merge, and by
 * which key, as upstream's {@code patchStrategy:"merge"} / {@code patchMergeKey} struct tags in
 * {@code k8s.io/api} declare them. Immutable and thread-safe.
 *
 * <p>Paths are field names joined by dots from the object root, list indexes omitted
 * ({@code spec.containers.env}). A list without an entry has no strategy and is replaced whole.
 * A present entry with an empty key is a merged list of primitives ({@code metadata.finalizers}).
 */
final class PatchSchema {

    private static final Map<String, PatchSchema> BY_KIND = builtin();

    /** Object metadata only: for kinds without Go struct tags (server-side apply of custom resources). */
    static final PatchSchema NONE = new PatchSchema(meta());

    private final Map<String, String> mergeKeys;

    private PatchSchema(Map<String, String> mergeKeys) {
        this.mergeKeys = Map.copyOf(mergeKeys);
    }

    /** The schema of a served kind, empty for kinds without Go struct tags (custom resources). */
    static Optional<PatchSchema> forResource(ResourceType resource) {
        return Optional.ofNullable(BY_KIND.get(resource.apiVersion() + "/" + resource.kind()));
    }

    /** The merge key of the list at {@code path}: empty string for primitives, empty Optional to replace. */
    Optional<String> mergeKey(String path) {
        return Optional.ofNullable(mergeKeys.get(path));
    }

    private static Map<String, PatchSchema> builtin() {
        Map<String, PatchSchema> kinds = new HashMap<>();

        Map<String, String> pod = meta();
        podSpec(pod, "spec.");
        pod.put("status.conditions", "type");
        pod.put("status.podIPs", "ip");
        pod.put("status.hostIPs", "ip");
        pod.put("status.resourceClaimStatuses", "name");
        kinds.put("v1/Pod", new PatchSchema(pod));

        Map<String, String> node = meta();
        node.put("spec.podCIDRs", "");
        node.put("status.conditions", "type");
        node.put("status.addresses", "type");
        kinds.put("v1/Node", new PatchSchema(node));

        Map<String, String> service = meta();
        service.put("spec.ports", "port");
        service.put("status.conditions", "type");
        kinds.put("v1/Service", new PatchSchema(service));

        // ServiceAccount.imagePullSecrets carries no strategy upstream: it is replaced whole.
        Map<String, String> serviceAccount = meta();
        serviceAccount.put("secrets", "name");
        kinds.put("v1/ServiceAccount", new PatchSchema(serviceAccount));

        Map<String, String> namespace = meta();
        namespace.put("status.conditions", "type");
        kinds.put("v1/Namespace", new PatchSchema(namespace));

        Map<String, String> podTemplate = meta();
        podSpec(podTemplate, "template.spec.");
        kinds.put("v1/PodTemplate", new PatchSchema(podTemplate));

        // Workloads: the pod template merges as a pod does; status conditions merge by type
        // (DeploymentStatus, ReplicaSetStatus, DaemonSetStatus, StatefulSetStatus all tag them so).
        Map<String, String> controller = meta();
        podSpec(controller, "spec.template.spec.");
        controller.put("spec.template.metadata.ownerReferences", "uid");
        controller.put("spec.template.metadata.finalizers", "");
        controller.put("status.conditions", "type");
        kinds.put("v1/ReplicationController", new PatchSchema(controller));
        for (String kind : new String[] {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"}) {
            kinds.put("apps/v1/" + kind, new PatchSchema(controller));
        }
        Map<String, String> budget = meta();
        budget.put("status.conditions", "type");
        kinds.put("policy/v1/PodDisruptionBudget", new PatchSchema(budget));
        kinds.put("batch/v1/Job", new PatchSchema(controller));
        Map<String, String> cronJob = meta();
        podSpec(cronJob, "spec.jobTemplate.spec.template.spec.");
        kinds.put("batch/v1/CronJob", new PatchSchema(cronJob));

        // Kinds whose lists all lack strategies still merge maps and their metadata lists.
        for (String kind : new String[] {"v1/Secret", "v1/ConfigMap", "v1/Endpoints", "v1/Event",
                "discovery.k8s.io/v1/EndpointSlice",
                "v1/ResourceQuota", "v1/LimitRange", "v1/PersistentVolumeClaim", "v1/PersistentVolume",
                "events.k8s.io/v1/Event", "coordination.k8s.io/v1/Lease", "apps/v1/ControllerRevision",
                "autoscaling/v1/Scale", "policy/v1/Eviction", "storage.k8s.io/v1/StorageClass",
                "certificates.k8s.io/v1/CertificateSigningRequest"}) {
            kinds.put(kind, new PatchSchema(meta()));
        }
        return Map.copyOf(kinds);
    }

    private static Map<String, String> meta() {
        Map<String, String> keys = new HashMap<>();
        keys.put("metadata.ownerReferences", "uid");
        keys.put("metadata.finalizers", "");
        return keys;
    }

    private static void podSpec(Map<String, String> keys, String prefix) {
        keys.put(prefix + "volumes", "name");
        keys.put(prefix + "imagePullSecrets", "name");
        keys.put(prefix + "hostAliases", "ip");
        keys.put(prefix + "topologySpreadConstraints", "topologyKey");
        keys.put(prefix + "schedulingGates", "name");
        keys.put(prefix + "resourceClaims", "name");
        for (String containers : new String[] {"containers", "initContainers", "ephemeralContainers"}) {
            String c = prefix + containers;
            keys.put(c, "name");
            keys.put(c + ".env", "name");
            keys.put(c + ".ports", "containerPort");
            keys.put(c + ".volumeMounts", "mountPath");
            keys.put(c + ".volumeDevices", "devicePath");
        }
    }
}
