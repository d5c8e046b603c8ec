package dev.j8s.apiserver.registry;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authorization.v1.LocalSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The resources this server serves, in discovery order. Immutable and thread-safe. */
public final class Resources {

    private static final List<String> ALL_VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
    private static final List<String> STATUS_VERBS = List.of("get", "patch", "update");
    /** Upstream serves the proxy subresources for every HTTP method but CONNECT. */
    private static final List<String> PROXY_VERBS = List.of("create", "delete", "get", "patch", "update");
    private static final String RBAC = "rbac.authorization.k8s.io";
    private static final String CERTIFICATES = "certificates.k8s.io";

    /** {@code /scale} of deployments and replicasets: an autoscaling/v1 Scale. */
    private static final ResourceType.Subresource SCALE =
            new ResourceType.Subresource("scale", "autoscaling", "v1", "Scale", STATUS_VERBS);

    private final List<ResourceType> types;
    private final Map<String, ResourceType> byGroupPlural;

    private Resources(List<ResourceType> types) {
        this.types = List.copyOf(types);
        this.byGroupPlural = types.stream().collect(Collectors.toUnmodifiableMap(
                t -> t.group() + "/" + t.version() + "/" + t.plural(), Function.identity()));
    }

    /** The built-in resource set of a single-node cluster. */
    public static Resources builtin() {
        var sub = (java.util.function.BiFunction<String, String, ResourceType.Subresource>)
                (name, kind) -> new ResourceType.Subresource(name, "", "v1", kind, STATUS_VERBS);
        return new Resources(List.of(
                new ResourceType("", "v1", "Namespace", "namespaces", "namespace", false,
                        List.of("ns"), List.of(), List.of("create", "delete", "get", "list", "patch", "update", "watch"),
                        List.of(sub.apply("status", "Namespace"),
                                new ResourceType.Subresource("finalize", "", "v1", "Namespace", List.of("update"))),
                        Namespace.class, Set.of("status.phase", "name")),
                new ResourceType("", "v1", "Pod", "pods", "pod", true,
                        List.of("po"), List.of("all"), ALL_VERBS,
                        List.of(sub.apply("status", "Pod"),
                                new ResourceType.Subresource("binding", "", "v1", "Binding", List.of("create")),
                                new ResourceType.Subresource("log", "", "v1", "Pod", List.of("get")),
                                new ResourceType.Subresource("exec", "", "v1", "PodExecOptions", List.of("create", "get")),
                                new ResourceType.Subresource("attach", "", "v1", "PodAttachOptions",
                                        List.of("create", "get")),
                                new ResourceType.Subresource("portforward", "", "v1", "PodPortForwardOptions",
                                        List.of("create", "get")),
                                new ResourceType.Subresource("proxy", "", "v1", "PodProxyOptions", PROXY_VERBS),
                                new ResourceType.Subresource("eviction", "policy", "v1", "Eviction", List.of("create"))),
                        Pod.class,
                        Set.of("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                                "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
                                "status.nominatedNodeName")),
                new ResourceType("", "v1", "Secret", "secrets", "secret", true,
                        List.of(), List.of(), ALL_VERBS, List.of(), Secret.class, Set.of("type")),
                new ResourceType("", "v1", "ConfigMap", "configmaps", "configmap", true,
                        List.of("cm"), List.of(), ALL_VERBS, List.of(), ConfigMap.class, Set.of()),
                new ResourceType("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", true,
                        List.of("sa"), List.of(), ALL_VERBS,
                        List.of(new ResourceType.Subresource("token", "authentication.k8s.io", "v1", "TokenRequest",
                                List.of("create"))),
                        ServiceAccount.class, Set.of()),
                new ResourceType("", "v1", "Service", "services", "service", true,
                        List.of("svc"), List.of("all"), List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
                        List.of(sub.apply("status", "Service"),
                                new ResourceType.Subresource("proxy", "", "v1", "ServiceProxyOptions", PROXY_VERBS)),
                        Service.class, Set.of()),
                new ResourceType("", "v1", "Endpoints", "endpoints", "endpoints", true,
                        List.of("ep"), List.of(), ALL_VERBS, List.of(), Endpoints.class, Set.of()),
                new ResourceType("", "v1", "Event", "events", "event", true,
                        List.of("ev"), List.of(), ALL_VERBS, List.of(), Event.class,
                        Set.of("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                                "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                                "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type")),
                new ResourceType("", "v1", "Node", "nodes", "node", false,
                        List.of("no"), List.of(), ALL_VERBS, List.of(sub.apply("status", "Node")), Node.class,
                        Set.of("spec.unschedulable")),
                new ResourceType("", "v1", "ResourceQuota", "resourcequotas", "resourcequota", true,
                        List.of("quota"), List.of(), ALL_VERBS, List.of(sub.apply("status", "ResourceQuota")),
                        ResourceQuota.class, Set.of()),
                new ResourceType("", "v1", "LimitRange", "limitranges", "limitrange", true,
                        List.of("limits"), List.of(), ALL_VERBS, List.of(), LimitRange.class, Set.of()),
                new ResourceType("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim",
                        true, List.of("pvc"), List.of(), ALL_VERBS, List.of(sub.apply("status", "PersistentVolumeClaim")),
                        PersistentVolumeClaim.class, Set.of()),
                new ResourceType("", "v1", "PersistentVolume", "persistentvolumes", "persistentvolume", false,
                        List.of("pv"), List.of(), ALL_VERBS, List.of(sub.apply("status", "PersistentVolume")),
                        PersistentVolume.class, Set.of()),
                new ResourceType("events.k8s.io", "v1", "Event", "events", "event", true,
                        List.of("ev"), List.of(), ALL_VERBS, List.of(),
                        io.fabric8.kubernetes.api.model.events.v1.Event.class,
                        Set.of("reason", "type", "regarding.kind", "regarding.namespace", "regarding.name",
                                "regarding.uid", "regarding.apiVersion", "regarding.resourceVersion",
                                "regarding.fieldPath", "reportingController", "deprecatedSource.component")),
                new ResourceType("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice", true,
                        List.of(), List.of(), ALL_VERBS, List.of(), EndpointSlice.class, Set.of()),
                new ResourceType("coordination.k8s.io", "v1", "Lease", "leases", "lease", true,
                        List.of(), List.of(), ALL_VERBS, List.of(), Lease.class, Set.of()),
                new ResourceType(RBAC, "v1", "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", false,
                        List.of(), List.of(), ALL_VERBS, List.of(), ClusterRoleBinding.class, Set.of()),
                new ResourceType(RBAC, "v1", "ClusterRole", "clusterroles", "clusterrole", false,
                        List.of(), List.of(), ALL_VERBS, List.of(), ClusterRole.class, Set.of()),
                new ResourceType(RBAC, "v1", "RoleBinding", "rolebindings", "rolebinding", true,
                        List.of(), List.of(), ALL_VERBS, List.of(), RoleBinding.class, Set.of()),
                new ResourceType(RBAC, "v1", "Role", "roles", "role", true,
                        List.of(), List.of(), ALL_VERBS, List.of(), Role.class, Set.of()),
                review("authentication.k8s.io", "SelfSubjectReview", false, SelfSubjectReview.class),
                review("authentication.k8s.io", "TokenReview", false, TokenReview.class),
                review("authorization.k8s.io", "LocalSubjectAccessReview", true, LocalSubjectAccessReview.class),
                review("authorization.k8s.io", "SelfSubjectAccessReview", false, SelfSubjectAccessReview.class),
                review("authorization.k8s.io", "SelfSubjectRulesReview", false, SelfSubjectRulesReview.class),
                review("authorization.k8s.io", "SubjectAccessReview", false, SubjectAccessReview.class),
                new ResourceType("apps", "v1", "Deployment", "deployments", "deployment", true,
                        List.of("deploy"), List.of("all"), ALL_VERBS,
                        List.of(appsStatus("Deployment"), SCALE), Deployment.class, Set.of()),
                new ResourceType("apps", "v1", "ReplicaSet", "replicasets", "replicaset", true,
                        List.of("rs"), List.of("all"), ALL_VERBS,
                        List.of(appsStatus("ReplicaSet"), SCALE), ReplicaSet.class, Set.of()),
                new ResourceType("apps", "v1", "DaemonSet", "daemonsets", "daemonset", true,
                        List.of("ds"), List.of("all"), ALL_VERBS,
                        List.of(appsStatus("DaemonSet")), DaemonSet.class, Set.of()),
                new ResourceType("apps", "v1", "StatefulSet", "statefulsets", "statefulset", true,
                        List.of("sts"), List.of("all"), ALL_VERBS,
                        List.of(appsStatus("StatefulSet"), SCALE), StatefulSet.class, Set.of()),
                new ResourceType("apps", "v1", "ControllerRevision", "controllerrevisions", "controllerrevision", true,
                        List.of(), List.of(), ALL_VERBS, List.of(), ControllerRevision.class, Set.of()),
                new ResourceType("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget",
                        true, List.of("pdb"), List.of(), ALL_VERBS,
                        List.of(new ResourceType.Subresource("status", "policy", "v1", "PodDisruptionBudget", STATUS_VERBS)),
                        PodDisruptionBudget.class, Set.of()),
                new ResourceType("batch", "v1", "Job", "jobs", "job", true,
                        List.of(), List.of("all"), ALL_VERBS,
                        List.of(new ResourceType.Subresource("status", "batch", "v1", "Job", STATUS_VERBS)),
                        Job.class, Set.of()),
                new ResourceType("batch", "v1", "CronJob", "cronjobs", "cronjob", true,
                        List.of("cj"), List.of("all"), ALL_VERBS,
                        List.of(new ResourceType.Subresource("status", "batch", "v1", "CronJob", STATUS_VERBS)),
                        CronJob.class, Set.of()),
                new ResourceType("storage.k8s.io", "v1", "StorageClass", "storageclasses", "storageclass", false,
                        List.of("sc"), List.of(), ALL_VERBS, List.of(), StorageClass.class, Set.of()),
                new ResourceType(CERTIFICATES, "v1", "CertificateSigningRequest", "certificatesigningrequests",
                        "certificatesigningrequest", false, List.of("csr"), List.of(), ALL_VERBS,
                        List.of(new ResourceType.Subresource("approval", CERTIFICATES, "v1", "CertificateSigningRequest",
                                        STATUS_VERBS),
                                new ResourceType.Subresource("status", CERTIFICATES, "v1", "CertificateSigningRequest",
                                        STATUS_VERBS)),
                        CertificateSigningRequest.class, Set.of("spec.signerName"))));
    }

    /** A review kind: only {@code create}, answered and never stored. */
    private static ResourceType review(String group, String kind, boolean namespaced, Class<?> model) {
        String plural = kind.toLowerCase(java.util.Locale.ROOT) + "s";
        return new ResourceType(group, "v1", kind, plural, "", namespaced, List.of(), List.of(), List.of("create"),
                List.of(), model, Set.of());
    }

    private static ResourceType.Subresource appsStatus(String kind) {
        return new ResourceType.Subresource("status", "apps", "v1", kind, STATUS_VERBS);
    }

    public List<ResourceType> all() {
        return types;
    }

    /** The resource served at {@code /api(s)/group/version/plural}. */
    public Optional<ResourceType> find(String group, String version, String plural) {
        return Optional.ofNullable(byGroupPlural.get(group + "/" + version + "/" + plural));
    }

    /** The resource of a kind in a group-version ({@code apiVersion} as in an object). */
    public Optional<ResourceType> forKind(String apiVersion, String kind) {
        return types.stream().filter(t -> t.apiVersion().equals(apiVersion) && t.kind().equals(kind)).findFirst();
    }

    /** Served group-versions, core first; the core group is the empty string. */
    public List<String> groupVersions() {
        return types.stream().map(ResourceType::apiVersion).distinct().toList();
    }
}
