package dev.j8s.apiserver.authorization.rbac;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.BootstrapTokens;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.json.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The ClusterRoles and ClusterRoleBindings every cluster starts with, as upstream's {@code bootstrappolicy}
 * ({@code policy.go}, {@code controller_policy.go}) defines them for 1.32 with its default feature gates: labelled
 * {@code kubernetes.io/bootstrapping: rbac-defaults}, annotated {@code rbac.authorization.kubernetes.io/autoupdate:
 * "true"}. Stateless.
 */
public final class BootstrapPolicy {

    public static final String BOOTSTRAPPING_LABEL = "kubernetes.io/bootstrapping";
    /** j8s's binding of {@code system:node-proxier} to every node ({@code system:nodes}). */
    public static final String NODES_PROXIER_BINDING = "j8s:node-proxier";
    public static final String AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate";
    public static final String CONTROLLER_ROLE_PREFIX = "system:controller:";
    public static final String AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin";
    public static final String AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit";
    public static final String AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view";

    private static final List<String> READ = List.of("get", "list", "watch");
    private static final List<String> WRITE = List.of("create", "update", "patch", "delete", "deletecollection");
    private static final List<String> READ_WRITE =
            List.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection");
    private static final List<String> READ_UPDATE = List.of("get", "list", "watch", "update", "patch");

    private BootstrapPolicy() {}

    /** A rule under construction: verbs, then groups, resources or URLs, names. */
    static final class Rule {
        private final List<String> verbs;
        private List<String> groups = List.of();
        private List<String> resources = List.of();
        private List<String> names = List.of();
        private List<String> urls = List.of();

        private Rule(List<String> verbs) {
            this.verbs = verbs;
        }

        Rule groups(String... g) {
            groups = List.of(g);
            return this;
        }

        Rule resources(String... r) {
            resources = List.of(r);
            return this;
        }

        Rule names(String... n) {
            names = List.of(n);
            return this;
        }

        Rule urls(String... u) {
            urls = List.of(u);
            return this;
        }

        PolicyRule build() {
            return new PolicyRule(verbs, groups, resources, names, urls);
        }
    }

    static Rule rule(String... verbs) {
        return new Rule(List.of(verbs));
    }

    static Rule rule(List<String> verbs) {
        return new Rule(verbs);
    }

    private static PolicyRule events() {
        return rule("create", "update", "patch").groups("", "events.k8s.io").resources("events").build();
    }

    /** Upstream's {@code NodeRules}: what the Node authorizer allows kubelets beyond its graph. */
    public static List<PolicyRule> nodeRules() {
        return rules(
                rule("create").groups("authentication.k8s.io").resources("tokenreviews"),
                rule("create").groups("authorization.k8s.io").resources("subjectaccessreviews", "localsubjectaccessreviews"),
                rule(READ).groups("").resources("services"),
                rule("create", "get", "list", "watch").groups("").resources("nodes"),
                rule("update", "patch").groups("").resources("nodes/status"),
                rule("update", "patch").groups("").resources("nodes"),
                rule("create", "update", "patch").groups("").resources("events"),
                rule(READ).groups("").resources("pods"),
                rule("create", "delete").groups("").resources("pods"),
                rule("update", "patch").groups("").resources("pods/status"),
                rule("create").groups("").resources("pods/eviction"),
                rule("get", "list", "watch").groups("").resources("secrets", "configmaps"),
                rule("get").groups("").resources("persistentvolumeclaims", "persistentvolumes"),
                rule("get").groups("").resources("endpoints"),
                rule("create", "get", "list", "watch").groups("certificates.k8s.io").resources("certificatesigningrequests"),
                rule("get", "create", "update", "patch", "delete").groups("coordination.k8s.io").resources("leases"),
                rule("get").groups("storage.k8s.io").resources("volumeattachments"),
                rule("create").groups("").resources("serviceaccounts/token"),
                rule("get", "update", "patch").groups("").resources("persistentvolumeclaims/status"),
                rule("get", "watch", "list").groups("storage.k8s.io").resources("csidrivers"),
                rule("get", "create", "update", "patch", "delete").groups("storage.k8s.io").resources("csinodes"),
                rule("get", "list", "watch").groups("node.k8s.io").resources("runtimeclasses"));
    }

    /** Every bootstrap ClusterRole (the controllers' included), as objects ready to create. */
    public static List<ObjectNode> clusterRoles() {
        List<ObjectNode> roles = new ArrayList<>();
        roles.add(role("cluster-admin", Map.of(), rules(rule("*").groups("*").resources("*"), rule("*").urls("*"))));
        roles.add(role("system:discovery", Map.of(), rules(rule("get").urls("/livez", "/readyz", "/healthz",
                "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"))));
        roles.add(role("system:monitoring", Map.of(), rules(rule("get").urls("/metrics", "/metrics/slis", "/livez",
                "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*"))));
        roles.add(role("system:basic-user", Map.of(), rules(
                rule("create").groups("authorization.k8s.io").resources("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
                rule("create").groups("authentication.k8s.io").resources("selfsubjectreviews"))));
        roles.add(role("system:public-info-viewer", Map.of(), rules(rule("get").urls("/livez", "/readyz", "/healthz",
                "/version", "/version/"))));
        roles.add(aggregated("admin", Map.of(), AGGREGATE_TO_ADMIN));
        roles.add(aggregated("edit", Map.of(AGGREGATE_TO_ADMIN, "true"), AGGREGATE_TO_EDIT));
        roles.add(aggregated("view", Map.of(AGGREGATE_TO_EDIT, "true"), AGGREGATE_TO_VIEW));
        roles.add(role("system:aggregate-to-admin", Map.of(AGGREGATE_TO_ADMIN, "true"), rules(
                rule("create").groups("authorization.k8s.io").resources("localsubjectaccessreviews"),
                rule(READ_WRITE).groups("rbac.authorization.k8s.io").resources("roles", "rolebindings"))));
        roles.add(role("system:aggregate-to-edit", Map.of(AGGREGATE_TO_EDIT, "true"), rules(
                rule(READ).groups("").resources("pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets",
                        "services/proxy"),
                rule("impersonate").groups("").resources("serviceaccounts"),
                rule(WRITE).groups("").resources("pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
                rule("create").groups("").resources("pods/eviction"),
                rule(WRITE).groups("").resources("replicationcontrollers", "replicationcontrollers/scale",
                        "serviceaccounts", "services", "services/proxy", "persistentvolumeclaims", "configmaps",
                        "secrets", "events"),
                rule("create").groups("").resources("serviceaccounts/token"),
                rule(WRITE).groups("apps").resources("statefulsets", "statefulsets/scale", "daemonsets", "deployments",
                        "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"),
                rule(WRITE).groups("autoscaling").resources("horizontalpodautoscalers"),
                rule(WRITE).groups("batch").resources("jobs", "cronjobs"),
                rule(WRITE).groups("extensions").resources("daemonsets", "deployments", "deployments/scale",
                        "deployments/rollback", "ingresses", "replicasets", "replicasets/scale",
                        "replicationcontrollers/scale", "networkpolicies"),
                rule(WRITE).groups("policy").resources("poddisruptionbudgets"),
                rule(WRITE).groups("networking.k8s.io").resources("networkpolicies", "ingresses"),
                rule(READ_WRITE).groups("coordination.k8s.io").resources("leases"))));
        roles.add(role("system:aggregate-to-view", Map.of(AGGREGATE_TO_VIEW, "true"), rules(
                rule(READ).groups("").resources("pods", "replicationcontrollers", "replicationcontrollers/scale",
                        "serviceaccounts", "services", "services/status", "endpoints", "persistentvolumeclaims",
                        "persistentvolumeclaims/status", "configmaps"),
                rule(READ).groups("").resources("limitranges", "resourcequotas", "bindings", "events", "pods/status",
                        "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"),
                rule(READ).groups("").resources("namespaces"),
                rule(READ).groups("discovery.k8s.io").resources("endpointslices"),
                rule(READ).groups("apps").resources("controllerrevisions", "statefulsets", "statefulsets/status",
                        "statefulsets/scale", "daemonsets", "daemonsets/status", "deployments", "deployments/status",
                        "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"),
                rule(READ).groups("autoscaling").resources("horizontalpodautoscalers", "horizontalpodautoscalers/status"),
                rule(READ).groups("batch").resources("jobs", "cronjobs", "cronjobs/status", "jobs/status"),
                rule(READ).groups("extensions").resources("daemonsets", "daemonsets/status", "deployments",
                        "deployments/scale", "deployments/status", "ingresses", "ingresses/status", "replicasets",
                        "replicasets/scale", "replicasets/status", "replicationcontrollers/scale", "networkpolicies"),
                rule(READ).groups("policy").resources("poddisruptionbudgets", "poddisruptionbudgets/status"),
                rule(READ).groups("networking.k8s.io").resources("networkpolicies", "ingresses", "ingresses/status"))));
        roles.add(role("system:heapster", Map.of(), rules(
                rule(READ).groups("").resources("events", "pods", "nodes", "namespaces"),
                rule(READ).groups("extensions").resources("deployments"))));
        roles.add(role("system:node", Map.of(), nodeRules()));
        roles.add(role("system:node-problem-detector", Map.of(), List.of(
                rule("get").groups("").resources("nodes").build(),
                rule("patch").groups("").resources("nodes/status").build(), events())));
        roles.add(role("system:kubelet-api-admin", Map.of(), rules(
                rule("get", "list", "watch").groups("").resources("nodes"),
                rule("proxy").groups("").resources("nodes"),
                rule("*").groups("").resources("nodes/proxy", "nodes/metrics", "nodes/spec", "nodes/stats", "nodes/log"))));
        roles.add(role("system:node-bootstrapper", Map.of(), rules(
                rule("create", "get", "list", "watch").groups("certificates.k8s.io").resources("certificatesigningrequests"))));
        roles.add(role("system:auth-delegator", Map.of(), rules(
                rule("create").groups("authentication.k8s.io").resources("tokenreviews"),
                rule("create").groups("authorization.k8s.io").resources("subjectaccessreviews"))));
        roles.add(role("system:kube-aggregator", Map.of(), rules(rule(READ).groups("").resources("services", "endpoints"))));
        List<PolicyRule> kcm = new ArrayList<>();
        kcm.add(events());
        kcm.addAll(rules(
                rule("create").groups("coordination.k8s.io").resources("leases"),
                rule("get", "update").groups("coordination.k8s.io").resources("leases").names("kube-controller-manager"),
                rule("create").groups("").resources("secrets", "serviceaccounts"),
                rule("delete").groups("").resources("secrets"),
                rule("get").groups("").resources("namespaces", "secrets", "serviceaccounts", "configmaps"),
                rule("update").groups("").resources("secrets", "serviceaccounts"),
                rule("create").groups("authentication.k8s.io").resources("tokenreviews"),
                rule("create").groups("authorization.k8s.io").resources("subjectaccessreviews"),
                rule("list", "watch").groups("*").resources("*"),
                rule("create").groups("").resources("serviceaccounts/token")));
        roles.add(role("system:kube-controller-manager", Map.of(), kcm));
        roles.add(role("system:kube-dns", Map.of(), rules(rule("list", "watch").groups("").resources("endpoints", "services"))));
        List<PolicyRule> provisioner = new ArrayList<>(rules(
                rule("get", "list", "watch", "create", "delete").groups("").resources("persistentvolumes"),
                rule("get", "list", "watch", "update").groups("").resources("persistentvolumeclaims"),
                rule(READ).groups("storage.k8s.io").resources("storageclasses"),
                rule("watch").groups("").resources("events")));
        provisioner.add(events());
        roles.add(role("system:persistent-volume-provisioner", Map.of(), provisioner));
        roles.add(role("system:certificates.k8s.io:certificatesigningrequests:nodeclient", Map.of(), rules(
                rule("create").groups("certificates.k8s.io").resources("certificatesigningrequests/nodeclient"))));
        roles.add(role("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", Map.of(), rules(
                rule("create").groups("certificates.k8s.io").resources("certificatesigningrequests/selfnodeclient"))));
        roles.add(role("system:volume-scheduler", Map.of(), rules(
                rule(READ_UPDATE).groups("").resources("persistentvolumes"),
                rule(READ).groups("storage.k8s.io").resources("storageclasses"),
                rule(READ_UPDATE).groups("").resources("persistentvolumeclaims"))));
        for (String signer : List.of("legacy-unknown", "kubelet-serving", "kube-apiserver-client",
                "kube-apiserver-client-kubelet")) {
            roles.add(role("system:certificates.k8s.io:" + signer + "-approver", Map.of(), rules(
                    rule("approve").groups("certificates.k8s.io").resources("signers").names("kubernetes.io/" + signer))));
        }
        roles.add(role("system:service-account-issuer-discovery", Map.of(), rules(
                rule("get").urls("/.well-known/openid-configuration", "/openid/v1/jwks"))));
        List<PolicyRule> proxier = new ArrayList<>(rules(
                rule("list", "watch").groups("").resources("services", "endpoints"),
                rule("get", "list", "watch").groups("").resources("nodes")));
        proxier.add(events());
        proxier.addAll(rules(rule("list", "watch").groups("discovery.k8s.io").resources("endpointslices")));
        roles.add(role("system:node-proxier", Map.of(), proxier));
        List<PolicyRule> scheduler = new ArrayList<>();
        scheduler.add(events());
        scheduler.addAll(rules(
                rule("create").groups("coordination.k8s.io").resources("leases"),
                rule("get", "update").groups("coordination.k8s.io").resources("leases").names("kube-scheduler"),
                rule(READ).groups("").resources("nodes"),
                rule("get", "list", "watch", "delete").groups("").resources("pods"),
                rule("create").groups("").resources("pods/binding", "bindings"),
                rule("patch", "update").groups("").resources("pods/status"),
                rule(READ).groups("").resources("services", "replicationcontrollers"),
                rule(READ).groups("apps", "extensions").resources("replicasets"),
                rule(READ).groups("apps").resources("statefulsets"),
                rule(READ).groups("policy").resources("poddisruptionbudgets"),
                rule(READ).groups("").resources("persistentvolumeclaims", "persistentvolumes"),
                rule("create").groups("authentication.k8s.io").resources("tokenreviews"),
                rule("create").groups("authorization.k8s.io").resources("subjectaccessreviews"),
                rule(READ).groups("storage.k8s.io").resources("csinodes"),
                rule(READ).groups("").resources("namespaces"),
                rule(READ).groups("storage.k8s.io").resources("csidrivers"),
                rule(READ).groups("storage.k8s.io").resources("csistoragecapacities")));
        roles.add(role("system:kube-scheduler", Map.of(), scheduler));
        roles.addAll(controllerRoles());
        return roles;
    }

    /** Every bootstrap ClusterRoleBinding, the controllers' included. */
    public static List<ObjectNode> clusterRoleBindings() {
        List<ObjectNode> bindings = new ArrayList<>();
        bindings.add(binding("cluster-admin", subjects("Group", UserInfo.MASTERS)));
        bindings.add(binding("system:monitoring", subjects("Group", "system:monitoring")));
        bindings.add(binding("system:discovery", subjects("Group", UserInfo.AUTHENTICATED)));
        bindings.add(binding("system:basic-user", subjects("Group", UserInfo.AUTHENTICATED)));
        bindings.add(binding("system:public-info-viewer",
                subjects("Group", UserInfo.AUTHENTICATED, "Group", UserInfo.UNAUTHENTICATED)));
        bindings.add(binding("system:node-proxier", subjects("User", "system:kube-proxy")));
        // j8s's own: the service proxy (and the host routes) of every node, a j8s agent's too, reads Services,
        // endpoints and Nodes with the node's credentials, as kube-proxy does with its own; no manual binding
        bindings.add(binding(NODES_PROXIER_BINDING, "system:node-proxier", subjects("Group", UserInfo.NODES)));
        // joining with a bootstrap token, as kubeadm binds it: bootstrap tokens may ask for certificates and have
        // node client ones approved, nodes have the renewals of their own client certificates approved
        bindings.add(binding("j8s:kubelet-bootstrap", "system:node-bootstrapper",
                subjects("Group", BootstrapTokens.GROUP)));
        bindings.add(binding("j8s:node-autoapprove-bootstrap",
                "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                subjects("Group", BootstrapTokens.GROUP)));
        bindings.add(binding("j8s:node-autoapprove-certificate-rotation",
                "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
                subjects("Group", UserInfo.NODES)));
        bindings.add(binding(UserInfo.KUBE_CONTROLLER_MANAGER, subjects("User", UserInfo.KUBE_CONTROLLER_MANAGER)));
        bindings.add(binding("system:kube-dns", List.of(serviceAccount("kube-system", "kube-dns"))));
        bindings.add(binding("system:kube-scheduler", subjects("User", "system:kube-scheduler")));
        bindings.add(binding("system:volume-scheduler", subjects("User", "system:kube-scheduler")));
        bindings.add(binding("system:node", List.of()));
        bindings.add(binding("system:service-account-issuer-discovery", subjects("Group", UserInfo.SERVICE_ACCOUNTS)));
        for (ObjectNode role : controllerRoles()) {
            String name = Json.name(role);
            bindings.add(binding(name, List.of(serviceAccount("kube-system",
                    name.substring(CONTROLLER_ROLE_PREFIX.length())))));
        }
        return bindings;
    }

    /**
     * The Roles of upstream's policy that live in a namespace and that j8s's controllers need: the token cleaner's
     * in {@code kube-system} (read and delete Secrets, write events), each bound to its service account there.
     */
    public static List<ObjectNode> namespaceRoles() {
        ObjectNode cleaner = role(CONTROLLER_ROLE_PREFIX + "token-cleaner", Map.of(), List.of(
                rule("get", "list", "watch", "delete").groups("").resources("secrets").build(),
                rule("create", "patch", "update").groups("", "events.k8s.io").resources("events").build()));
        cleaner.put("kind", "Role");
        ((ObjectNode) cleaner.get("metadata")).put("namespace", "kube-system");
        return List.of(cleaner);
    }

    /** The RoleBindings of {@link #namespaceRoles}: each role to the service account of its controller. */
    public static List<ObjectNode> namespaceRoleBindings() {
        List<ObjectNode> bindings = new ArrayList<>();
        for (ObjectNode role : namespaceRoles()) {
            String name = Json.name(role);
            String namespace = Json.namespace(role);
            ObjectNode binding = binding(name, List.of(serviceAccount(namespace,
                    name.substring(CONTROLLER_ROLE_PREFIX.length()))));
            binding.put("kind", "RoleBinding");
            ((ObjectNode) binding.get("roleRef")).put("kind", "Role");
            ((ObjectNode) binding.get("metadata")).put("namespace", namespace);
            bindings.add(binding);
        }
        return bindings;
    }

    /** The ClusterRoles of the controllers, each bound to the service account {@code kube-system:<controller>}. */
    static List<ObjectNode> controllerRoles() {
        List<ObjectNode> roles = new ArrayList<>();
        roles.add(controller("attachdetach-controller",
                rule("list", "watch").groups("").resources("persistentvolumes", "persistentvolumeclaims"),
                rule("get", "list", "watch").groups("").resources("nodes"),
                rule("patch", "update").groups("").resources("nodes/status"),
                rule("list", "watch").groups("").resources("pods"),
                null,
                rule("get", "create", "delete", "list", "watch").groups("storage.k8s.io").resources("volumeattachments"),
                rule("get", "watch", "list").groups("storage.k8s.io").resources("csidrivers"),
                rule("get", "watch", "list").groups("storage.k8s.io").resources("csinodes")));
        roles.add(controller("clusterrole-aggregation-controller",
                rule("escalate", "get", "list", "watch", "update", "patch").groups("rbac.authorization.k8s.io")
                        .resources("clusterroles")));
        roles.add(controller("cronjob-controller",
                rule("get", "list", "watch", "update").groups("batch").resources("cronjobs"),
                rule("get", "list", "watch", "create", "update", "delete", "patch").groups("batch").resources("jobs"),
                rule("update").groups("batch").resources("cronjobs/status"),
                rule("update").groups("batch").resources("cronjobs/finalizers"),
                rule("list", "delete").groups("").resources("pods"),
                null));
        roles.add(controller("daemon-set-controller",
                rule("get", "list", "watch").groups("extensions", "apps").resources("daemonsets"),
                rule("update").groups("extensions", "apps").resources("daemonsets/status"),
                rule("update").groups("extensions", "apps").resources("daemonsets/finalizers"),
                rule("list", "watch").groups("").resources("nodes"),
                rule("list", "watch", "create", "delete", "patch").groups("").resources("pods"),
                rule("create").groups("").resources("pods/binding"),
                rule("get", "list", "watch", "create", "delete", "update", "patch").groups("apps").resources("controllerrevisions"),
                null));
        roles.add(controller("deployment-controller",
                rule("get", "list", "watch", "update").groups("extensions", "apps").resources("deployments"),
                rule("update").groups("extensions", "apps").resources("deployments/status"),
                rule("update").groups("extensions", "apps").resources("deployments/finalizers"),
                rule("get", "list", "watch", "create", "update", "patch", "delete").groups("apps", "extensions").resources("replicasets"),
                rule("get", "list", "watch", "update").groups("").resources("pods"),
                null));
        roles.add(controller("disruption-controller",
                rule(READ).groups("extensions", "apps").resources("deployments"),
                rule(READ).groups("apps", "extensions").resources("replicasets"),
                rule(READ).groups("").resources("replicationcontrollers"),
                rule(READ).groups("policy").resources("poddisruptionbudgets"),
                rule(READ).groups("apps").resources("statefulsets"),
                rule("update").groups("policy").resources("poddisruptionbudgets/status"),
                rule("get").groups("*").resources("*/scale"),
                null,
                rule("patch").groups("").resources("pods/status")));
        roles.add(controller("endpoint-controller",
                rule(READ).groups("").resources("services", "pods"),
                rule("get", "list", "create", "update", "delete").groups("").resources("endpoints"),
                rule("create").groups("").resources("endpoints/restricted"),
                null));
        roles.add(controller("endpointslice-controller",
                rule(READ).groups("").resources("services", "pods", "nodes"),
                rule("update").groups("").resources("services/finalizers"),
                rule("get", "list", "create", "update", "delete").groups("discovery.k8s.io").resources("endpointslices"),
                null));
        roles.add(controller("endpointslicemirroring-controller",
                rule(READ).groups("").resources("services", "endpoints"),
                rule("update").groups("").resources("services/finalizers"),
                rule("update").groups("").resources("endpoints/finalizers"),
                rule("get", "list", "create", "update", "delete").groups("discovery.k8s.io").resources("endpointslices"),
                null));
        roles.add(controller("ephemeral-volume-controller",
                rule(READ).groups("").resources("pods"),
                rule("update").groups("").resources("pods/finalizers"),
                rule("get", "list", "watch", "create").groups("").resources("persistentvolumeclaims"),
                null));
        roles.add(controller("generic-garbage-collector",
                rule("get", "list", "watch", "patch", "update", "delete").groups("*").resources("*"),
                null));
        roles.add(controller("horizontal-pod-autoscaler",
                rule(READ).groups("autoscaling").resources("horizontalpodautoscalers"),
                rule("update").groups("autoscaling").resources("horizontalpodautoscalers/status"),
                rule("get", "update").groups("*").resources("*/scale"),
                rule("list").groups("").resources("pods"),
                rule("list").groups("metrics.k8s.io").resources("pods"),
                rule("get", "list").groups("custom.metrics.k8s.io").resources("*"),
                rule("get", "list").groups("external.metrics.k8s.io").resources("*"),
                null));
        roles.add(controller("job-controller",
                rule("get", "list", "watch", "update", "patch").groups("batch").resources("jobs"),
                rule("update").groups("batch").resources("jobs/status"),
                rule("update").groups("batch").resources("jobs/finalizers"),
                rule("list", "watch", "create", "delete", "patch").groups("").resources("pods"),
                null));
        roles.add(controller("namespace-controller",
                rule("get", "list", "watch", "delete").groups("").resources("namespaces"),
                rule("update").groups("").resources("namespaces/finalize", "namespaces/status"),
                rule("get", "list", "delete", "deletecollection").groups("*").resources("*")));
        roles.add(controller("node-controller",
                rule("get", "list", "update", "delete", "patch").groups("").resources("nodes"),
                rule("patch", "update").groups("").resources("nodes/status"),
                rule("patch", "update").groups("").resources("pods/status"),
                rule("list", "delete").groups("").resources("pods"),
                null,
                rule("get").groups("").resources("pods")));
        roles.add(controller("persistent-volume-binder",
                rule("get", "list", "watch", "update", "create", "delete").groups("").resources("persistentvolumes"),
                rule("update").groups("").resources("persistentvolumes/status"),
                rule("get", "list", "watch", "update").groups("").resources("persistentvolumeclaims"),
                rule("update").groups("").resources("persistentvolumeclaims/status"),
                rule("list", "watch", "get", "create", "delete").groups("").resources("pods"),
                rule(READ).groups("storage.k8s.io").resources("storageclasses"),
                rule("get", "create", "update", "delete").groups("").resources("endpoints"),
                rule("get", "create", "delete").groups("").resources("services"),
                rule("get").groups("").resources("secrets"),
                rule("get", "list").groups("").resources("nodes"),
                rule("watch").groups("").resources("events"),
                null));
        roles.add(controller("pod-garbage-collector",
                rule("list", "watch", "delete").groups("").resources("pods"),
                rule("get", "list").groups("").resources("nodes"),
                rule("patch").groups("").resources("pods/status")));
        roles.add(controller("replicaset-controller",
                rule("get", "list", "watch", "update").groups("apps", "extensions").resources("replicasets"),
                rule("update").groups("apps", "extensions").resources("replicasets/status"),
                rule("update").groups("apps", "extensions").resources("replicasets/finalizers"),
                rule("list", "watch", "patch", "create", "delete").groups("").resources("pods"),
                null));
        roles.add(controller("replication-controller",
                rule("get", "list", "watch", "update").groups("").resources("replicationcontrollers"),
                rule("update").groups("").resources("replicationcontrollers/status"),
                rule("update").groups("").resources("replicationcontrollers/finalizers"),
                rule("list", "watch", "patch", "create", "delete").groups("").resources("pods"),
                null));
        roles.add(controller("resourcequota-controller",
                rule("list", "watch").groups("*").resources("*"),
                rule("update").groups("").resources("resourcequotas/status"),
                null));
        roles.add(controller("route-controller",
                rule("list", "watch").groups("").resources("nodes"),
                rule("patch").groups("").resources("nodes/status"),
                null));
        roles.add(controller("service-account-controller",
                rule("create").groups("").resources("serviceaccounts"),
                null));
        roles.add(controller("service-controller",
                rule(READ).groups("").resources("services"),
                rule("patch", "update").groups("").resources("services/status"),
                rule("list", "watch").groups("").resources("nodes"),
                null));
        roles.add(controller("statefulset-controller",
                rule("list", "watch").groups("").resources("pods"),
                rule(READ).groups("apps").resources("statefulsets"),
                rule("update").groups("apps").resources("statefulsets/status"),
                rule("update").groups("apps").resources("statefulsets/finalizers"),
                rule("get", "create", "delete", "update", "patch").groups("").resources("pods"),
                rule("get", "create", "delete", "update", "patch", "list", "watch").groups("apps").resources("controllerrevisions"),
                rule("get", "create").groups("").resources("persistentvolumeclaims"),
                null,
                rule("update", "delete").groups("").resources("persistentvolumeclaims")));
        roles.add(controller("ttl-controller",
                rule("update", "patch", "list", "watch").groups("").resources("nodes"),
                null));
        roles.add(controller("certificate-controller",
                rule("get", "list", "watch", "delete").groups("certificates.k8s.io").resources("certificatesigningrequests"),
                rule("update").groups("certificates.k8s.io").resources("certificatesigningrequests/status",
                        "certificatesigningrequests/approval"),
                rule("approve").groups("certificates.k8s.io").resources("signers")
                        .names("kubernetes.io/kube-apiserver-client-kubelet"),
                rule("sign").groups("certificates.k8s.io").resources("signers").names("kubernetes.io/legacy-unknown",
                        "kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet",
                        "kubernetes.io/kubelet-serving"),
                rule("create").groups("authorization.k8s.io").resources("subjectaccessreviews"),
                null));
        roles.add(controller("pvc-protection-controller",
                rule("get", "list", "watch", "update").groups("").resources("persistentvolumeclaims"),
                rule("list", "watch", "get").groups("").resources("pods"),
                null));
        roles.add(controller("pv-protection-controller",
                rule("get", "list", "watch", "update").groups("").resources("persistentvolumes"),
                null));
        roles.add(controller("ttl-after-finished-controller",
                rule("get", "list", "watch", "delete").groups("batch").resources("jobs"),
                null));
        roles.add(controller("root-ca-cert-publisher",
                rule("create", "update").groups("").resources("configmaps"),
                null));
        return roles;
    }

    /** A controller's role; a null rule stands for upstream's events rule at that place. */
    private static ObjectNode controller(String name, Rule... rules) {
        List<PolicyRule> built = new ArrayList<>();
        for (Rule r : rules) {
            built.add(r == null ? events() : r.build());
        }
        return role(CONTROLLER_ROLE_PREFIX + name, Map.of(), built);
    }

    private static List<PolicyRule> rules(Rule... rules) {
        return Arrays.stream(rules).map(Rule::build).toList();
    }

    private static ObjectNode role(String name, Map<String, String> labels, List<PolicyRule> rules) {
        ObjectNode role = metadata("ClusterRole", name, labels);
        ArrayNode a = role.putArray("rules");
        rules.forEach(r -> a.add(r.toJson()));
        return role;
    }

    private static ObjectNode aggregated(String name, Map<String, String> labels, String selectorLabel) {
        ObjectNode role = metadata("ClusterRole", name, labels);
        role.putObject("aggregationRule").putArray("clusterRoleSelectors").addObject()
                .putObject("matchLabels").put(selectorLabel, "true");
        role.putArray("rules");
        return role;
    }

    private static ObjectNode binding(String name, List<ObjectNode> subjects) {
        return binding(name, name, subjects);
    }

    private static ObjectNode binding(String name, String role, List<ObjectNode> subjects) {
        ObjectNode binding = metadata("ClusterRoleBinding", name, Map.of());
        ObjectNode ref = binding.putObject("roleRef");
        ref.put("apiGroup", RbacIndex.GROUP);
        ref.put("kind", "ClusterRole");
        ref.put("name", role);
        if (!subjects.isEmpty()) {
            ArrayNode a = binding.putArray("subjects");
            subjects.forEach(a::add);
        }
        return binding;
    }

    /** Subjects from kind/name pairs (users and groups of the RBAC group). */
    private static List<ObjectNode> subjects(String... kindsAndNames) {
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < kindsAndNames.length; i += 2) {
            ObjectNode s = Json.object();
            s.put("apiGroup", RbacIndex.GROUP);
            s.put("kind", kindsAndNames[i]);
            s.put("name", kindsAndNames[i + 1]);
            out.add(s);
        }
        return out;
    }

    private static ObjectNode serviceAccount(String namespace, String name) {
        ObjectNode s = Json.object();
        s.put("kind", "ServiceAccount");
        s.put("name", name);
        s.put("namespace", namespace);
        return s;
    }

    private static ObjectNode metadata(String kind, String name, Map<String, String> labels) {
        ObjectNode o = Json.object();
        o.put("apiVersion", RbacIndex.GROUP + "/v1");
        o.put("kind", kind);
        ObjectNode meta = o.putObject("metadata");
        meta.put("name", name);
        meta.putObject("annotations").put(AUTOUPDATE_ANNOTATION, "true");
        ObjectNode l = meta.putObject("labels");
        l.put(BOOTSTRAPPING_LABEL, "rbac-defaults");
        labels.forEach(l::put);
        return o;
    }
}
