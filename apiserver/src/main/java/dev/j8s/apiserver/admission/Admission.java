package dev.j8s.apiserver.admission;

import dev.j8s.apiserver.validation.Syntax;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.RequestUser;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.rbac.Escalation;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Defaults, admits and validates built-in objects before they are stored, as a Kubernetes 1.32 API
 * server does between decoding a request and writing it: decode-time defaults, the admission
 * plugins NamespaceLifecycle, ServiceAccount, AlwaysPullImages (when enabled),
 * DefaultTolerationSeconds and Priority, the registry strategies' PrepareForCreate/Update, and
 * validation with upstream's field paths and messages; then what depends on the caller
 * ({@link RequestUser}): NodeRestriction and RBAC's escalation prevention. Thread-safe when its
 * {@link Lookup} is; inputs are never mutated.
 */
public final class Admission {

    /** Read access to stored objects, used for namespaces, service accounts and allocated service addresses. */
    public interface Lookup {
        /** The stored object; {@code namespace} is "" for cluster-scoped resources. */
        Optional<ObjectNode> get(String resource, String namespace, String name);

        /** Stored objects of a resource in a namespace, or in all namespaces when {@code namespace} is "". */
        List<ObjectNode> list(String resource, String namespace);
    }

    public static final String ALWAYS_PULL_IMAGES = "AlwaysPullImages";

    private static final String RBAC_ROLE = "rbac.authorization.k8s.io/Role";
    private static final String RBAC_CLUSTER_ROLE = "rbac.authorization.k8s.io/ClusterRole";
    private static final String RBAC_ROLE_BINDING = "rbac.authorization.k8s.io/RoleBinding";
    private static final String RBAC_CLUSTER_ROLE_BINDING = "rbac.authorization.k8s.io/ClusterRoleBinding";

    private static final Map<String, Integer> SYSTEM_PRIORITIES =
            Map.of("system-node-critical", 2000001000, "system-cluster-critical", 2000000000);
    private static final Set<String> STATUS_KEPT_ON_UPDATE = Set.of("Pod", "Service", "Namespace", "Node",
            "ResourceQuota", AppsRules.DEPLOYMENT, AppsRules.REPLICA_SET, AppsRules.DAEMON_SET,
            AppsRules.POD_DISRUPTION_BUDGET, AppsRules.STATEFUL_SET, StorageRules.CLAIM, StorageRules.VOLUME,
            BatchRules.JOB, BatchRules.CRON_JOB);

    /** How often the default service account is looked for (upstream's {@code numAttempts}). */
    private static final int DEFAULT_ACCOUNT_ATTEMPTS = 10;

    private final Lookup lookup;
    private final ServiceRules services;
    private final Set<String> enabledPlugins;
    private final RandomGenerator random;
    private final NodeRestriction nodeRestriction;
    private volatile Optional<Escalation> escalation = Optional.empty();
    private volatile Optional<Authorizer> signers = Optional.empty();
    private final AdmissionOptions options;
    private final PodSecurityAdmission podSecurity;

    public Admission(Lookup lookup, ServiceIpAllocator ips, Set<String> enabledPlugins) {
        this(lookup, ips, enabledPlugins, AdmissionOptions.DEFAULT);
    }

    /** @param options the node's security features */
    public Admission(Lookup lookup, ServiceIpAllocator ips, Set<String> enabledPlugins, AdmissionOptions options) {
        this(lookup, ips, enabledPlugins, RandomGenerator.getDefault(), options);
    }

    Admission(Lookup lookup, ServiceIpAllocator ips, Set<String> enabledPlugins, RandomGenerator random) {
        this(lookup, ips, enabledPlugins, random, AdmissionOptions.DEFAULT);
    }

    Admission(Lookup lookup, ServiceIpAllocator ips, Set<String> enabledPlugins, RandomGenerator random,
            AdmissionOptions options) {
        this.lookup = lookup;
        this.services = new ServiceRules(ips, random);
        this.enabledPlugins = Set.copyOf(enabledPlugins);
        this.random = random;
        this.nodeRestriction = new NodeRestriction(lookup);
        this.options = options;
        this.podSecurity = new PodSecurityAdmission(options.podSecurityDefaults(), lookup);
    }

    /**
     * Turns on RBAC's escalation prevention for Roles, ClusterRoles and their bindings (upstream does it in the
     * RBAC storage); without it any caller may write them.
     */
    public void preventEscalation(Escalation check) {
        this.escalation = Optional.of(check);
    }

    /**
     * Turns on the CertificateApproval and CertificateSigning plugins: approving a CertificateSigningRequest or
     * setting its certificate needs {@code approve} or {@code sign} on its signer, as {@code authorizer} decides.
     */
    public void authorizeSigners(Authorizer authorizer) {
        this.signers = Optional.of(authorizer);
    }

    /**
     * Defaults, mutates and validates a new object (metadata.name/namespace/uid/creationTimestamp
     * already set by the caller) and returns the object to store.
     *
     * @throws ApiError.Invalid   with every field error found
     * @throws ApiError.Forbidden when an admission plugin refuses
     * @throws ApiError.NotFound  when the namespace does not exist
     */
    public ObjectNode admitCreate(ResourceType type, ObjectNode object) {
        return admitCreateOwned(type, object.deepCopy());
    }

    /**
     * As {@link #admitCreate}, on an object the caller owns and gives up: it is defaulted and mutated in place
     * (also when admission refuses it) and returned, without the copy {@code admitCreate} makes.
     */
    public ObjectNode admitCreateOwned(ResourceType type, ObjectNode obj) {
        String kind = kindKey(type);
        String name = Trees.str(Trees.obj(obj, "metadata"), "name");
        defaults(kind, obj);
        if (type.namespaced()) {
            namespaceLifecycle(type, obj, name);
        }
        switch (kind) {
            case "Pod" -> {
                serviceAccount(obj, name);
                if (enabledPlugins.contains(ALWAYS_PULL_IMAGES)) {
                    alwaysPull(obj);
                }
                PodDefaults.defaultTolerations(obj);
                priority(obj, name);
                ObjectNode status = obj.putObject("status");
                status.put("phase", "Pending");
                status.put("qosClass", PodDefaults.qosClass("Pod", Trees.obj(obj, "spec")));
            }
            case "Namespace" -> {
                ObjectNode spec = obj.putObject("spec");
                spec.putArray("finalizers").add("kubernetes");
                obj.putObject("status").put("phase", "Active");
            }
            case "Service" -> {
                services.allocateCreate(new ServiceRules.ResourceTypeName(type, name), obj, () -> otherServices(obj));
                obj.putObject("status").putObject("loadBalancer");
            }
            case AppsRules.DEPLOYMENT, AppsRules.REPLICA_SET, AppsRules.DAEMON_SET, AppsRules.CONTROLLER_REVISION,
                 AppsRules.POD_DISRUPTION_BUDGET, AppsRules.STATEFUL_SET -> AppsRules.prepareForCreate(kind, obj);
            case StorageRules.CLAIM, StorageRules.VOLUME -> StorageRules.prepareForCreate(kind, obj, this::defaultStorageClass);
            case BatchRules.JOB, BatchRules.CRON_JOB -> BatchRules.prepareForCreate(kind, obj);
            case CertificateRules.CSR -> CertificateRules.prepareForCreate(obj, RequestUser.current());
            default -> { }
        }
        FieldErrors errs = new FieldErrors();
        MetaRules.validateCreate(obj, type.namespaced(), nameRule(kind), errs);
        validateKind(kind, obj, errs);
        if (kind.equals("Pod")) {
            PodValidation.validateCreateOnly(obj, errs);
            SecurityContextRules.unsupported(obj, options.host(), errs);
        }
        errs.throwIfAny(type, name);
        UserInfo user = RequestUser.current();
        nodeRestriction.admitCreate(user, type.kind(), type.qualifiedResource(), obj);
        preventEscalation(user, kind, obj, Optional.empty());
        podSecurity(kind, obj, Optional.empty());
        if (obj.has("spec") && !Trees.has(Trees.objOrCreate(obj, "metadata"), "generation")) {
            Trees.obj(obj, "metadata").put("generation", 1);
        }
        return obj;
    }

    /**
     * Defaults, mutates and validates an update of the main resource ({@code subresource} "") or of
     * {@code status} (for namespaces also {@code finalize}); {@code oldObject} is the stored state.
     * Returns the object to store.
     */
    public ObjectNode admitUpdate(ResourceType type, ObjectNode oldObject, ObjectNode newObject, String subresource) {
        ObjectNode obj = newObject.deepCopy();
        ObjectNode old = oldObject.deepCopy();
        String kind = kindKey(type);
        MetaRules.carryOver(obj, old);
        String name = Trees.str(Trees.obj(obj, "metadata"), "name");
        if (kind.equals(CertificateRules.CSR)) {
            CertificateRules.prepareForUpdate(subresource, obj, old, java.time.Instant.now());
        }
        switch (subresource) {
            case "approval" -> {
                if (!kind.equals(CertificateRules.CSR)) {
                    throw new ApiError.BadRequest("subresource approval cannot be updated through admission");
                }
            }
            case "status" -> {
                copyOrRemove(old, obj, "spec");
                if (AppsRules.KINDS.contains(kind) || BatchRules.KINDS.contains(kind)) {
                    // the controllers' status writes keep the spec and the labels the user set
                    copyOrRemove(Trees.obj(old, "metadata"), Trees.objOrCreate(obj, "metadata"), "labels");
                }
                if (kind.equals("Pod")) {
                    // the kubelet's status writes may not touch owner references
                    copyOrRemove(Trees.obj(old, "metadata"), Trees.objOrCreate(obj, "metadata"), "ownerReferences");
                }
            }
            case "finalize" -> {
                copyOrRemove(old, obj, "status");
                ObjectNode spec = Trees.obj(obj, "spec");
                ObjectNode merged = old.has("spec") ? ((ObjectNode) old.get("spec")).deepCopy() : obj.objectNode();
                if (spec != null && spec.has("finalizers")) {
                    merged.set("finalizers", spec.get("finalizers"));
                } else {
                    merged.remove("finalizers");
                }
                obj.set("spec", merged);
            }
            case "" -> {
                defaults(kind, obj);
                if (STATUS_KEPT_ON_UPDATE.contains(kind)) {
                    copyOrRemove(old, obj, "status");
                }
                switch (kind) {
                    case "Pod" -> podUpdateMutations(obj, old);
                    case "Namespace" -> {
                        ObjectNode spec = Trees.objOrCreate(obj, "spec");
                        copyOrRemove(Trees.obj(old, "spec") == null ? old.objectNode() : Trees.obj(old, "spec"), spec, "finalizers");
                    }
                    case "Service" -> services.allocateUpdate(new ServiceRules.ResourceTypeName(type, name), obj, old,
                            () -> otherServices(obj));
                    case AppsRules.DEPLOYMENT, AppsRules.DAEMON_SET -> AppsRules.prepareForUpdate(kind, obj, old);
                    default -> { }
                }
            }
            default -> throw new ApiError.BadRequest("subresource " + subresource + " cannot be updated through admission");
        }
        FieldErrors errs = new FieldErrors();
        MetaRules.validateUpdate(obj, old, type.namespaced(), errs);
        if (subresource.isEmpty()) {
            switch (kind) {
                case "Pod" -> {
                    PodValidation.validateSpec(obj, errs);
                    PodValidation.validateUpdate(obj, old, errs);
                }
                case "Secret" -> {
                    DataRules.validateSecretUpdate(obj, old, errs);
                    DataRules.validateSecret(obj, errs);
                }
                case "ConfigMap" -> {
                    DataRules.validateConfigMapUpdate(obj, old, errs);
                    DataRules.validateConfigMap(obj, errs);
                }
                case RBAC_ROLE_BINDING, RBAC_CLUSTER_ROLE_BINDING -> {
                    validateKind(kind, obj, errs);
                    RbacRules.validateBindingUpdate(obj, old, errs);
                }
                case AppsRules.DEPLOYMENT, AppsRules.REPLICA_SET, AppsRules.DAEMON_SET, AppsRules.CONTROLLER_REVISION,
                     AppsRules.POD_DISRUPTION_BUDGET, AppsRules.STATEFUL_SET -> AppsRules.validateUpdate(kind, obj, old, errs);
                case StorageRules.CLAIM, StorageRules.VOLUME, StorageRules.STORAGE_CLASS ->
                        StorageRules.validateUpdate(kind, obj, old, errs);
                case BatchRules.JOB, BatchRules.CRON_JOB -> BatchRules.validateUpdate(kind, obj, old, errs);
                case EndpointRules.ENDPOINT_SLICE -> EndpointRules.validateSliceUpdate(obj, old, errs);
                case CertificateRules.CSR -> CertificateRules.validateUpdate("", obj, old, errs);
                case "Node" -> {
                    validateKind(kind, obj, errs);
                    NodeRules.validateUpdate(obj, old, errs);
                }
                default -> validateKind(kind, obj, errs);
            }
        } else if (subresource.equals("status") && AppsRules.KINDS.contains(kind)) {
            AppsRules.validateStatus(kind, obj, errs);
        } else if (subresource.equals("status") && StorageRules.WITH_STATUS.contains(kind)) {
            StorageRules.validateStatus(kind, obj, errs);
        } else if (subresource.equals("status") && BatchRules.KINDS.contains(kind)) {
            BatchRules.validateStatus(kind, obj, errs);
        } else if (kind.equals(CertificateRules.CSR)) {
            CertificateRules.validateUpdate(subresource, obj, old, errs);
        } else if (kind.equals("Namespace") && subresource.equals("finalize")) {
            List<String> finalizers = MetaRules.strings(Trees.obj(obj, "spec").get("finalizers"));
            for (int i = 0; i < finalizers.size(); i++) {
                MetaRules.finalizerName(finalizers.get(i), "spec.finalizers", errs);
                MetaRules.kubeFinalizerName(finalizers.get(i), "spec.finalizers[" + i + "]", errs);
            }
        }
        errs.throwIfAny(type, name);
        UserInfo user = RequestUser.current();
        nodeRestriction.admitUpdate(user, type.kind(), type.qualifiedResource(), old, obj, subresource);
        if (kind.equals(CertificateRules.CSR) && signers.isPresent()) {
            CertificateRules.authorize(signers.get(), user, subresource, obj, old);
        }
        if (subresource.isEmpty()) {
            preventEscalation(user, kind, obj, Optional.of(old));
            podSecurity(kind, obj, Optional.of(old));
            if (kind.equals(StorageRules.CLAIM)) {
                StorageRules.admitResize(obj, old, className -> lookup.get("storageclasses.storage.k8s.io", "",
                        className));
            }
        }
        if (subresource.isEmpty() && obj.has("spec") && !TreeEquality.equal(obj.get("spec"), old.get("spec"))) {
            ObjectNode meta = Trees.objOrCreate(obj, "metadata");
            Long oldGen = Trees.longOrNull(Trees.obj(old, "metadata"), "generation");
            meta.put("generation", (oldGen == null ? 0 : oldGen) + 1);
        }
        return obj;
    }

    /**
     * Admits the deletion of a stored object (NodeRestriction: a kubelet deletes only pods of its node).
     *
     * @throws ApiError.Forbidden when refused
     */
    public void admitDelete(ResourceType type, ObjectNode current) {
        nodeRestriction.admitDelete(RequestUser.current(), type.kind(), type.qualifiedResource(), current);
    }

    /**
     * Admits a TokenRequest for {@code namespace/serviceAccount} (NodeRestriction: a kubelet asks only for tokens
     * bound to pods on its node).
     */
    public void admitTokenRequest(String namespace, String serviceAccount, ObjectNode tokenRequest) {
        nodeRestriction.admitTokenRequest(RequestUser.current(), namespace, serviceAccount, tokenRequest);
    }

    private void preventEscalation(UserInfo user, String kind, ObjectNode obj, Optional<ObjectNode> old) {
        if (escalation.isEmpty()) {
            return;
        }
        String namespace = Trees.str(Trees.obj(obj, "metadata"), "namespace");
        switch (kind) {
            case RBAC_ROLE -> escalation.get().checkRole(user, "roles", namespace, obj, old);
            case RBAC_CLUSTER_ROLE -> escalation.get().checkRole(user, "clusterroles", "", obj, old);
            case RBAC_ROLE_BINDING -> escalation.get().checkBinding(user, "rolebindings", namespace, obj, old);
            case RBAC_CLUSTER_ROLE_BINDING -> escalation.get().checkBinding(user, "clusterrolebindings", "", obj, old);
            default -> { }
        }
    }

    // ---- defaults -------------------------------------------------------------------------------

    private static void defaults(String kind, ObjectNode obj) {
        switch (kind) {
            case "Pod" -> PodDefaults.apply(obj);
            case "Service" -> ServiceRules.defaults(obj);
            case EndpointRules.ENDPOINTS, EndpointRules.ENDPOINT_SLICE -> EndpointRules.defaults(kind, obj);
            case "Secret" -> DataRules.secretDefaults(obj);
            case "Node" -> NodeRules.defaults(obj);
            case RBAC_ROLE_BINDING, RBAC_CLUSTER_ROLE_BINDING -> RbacRules.bindingDefaults(obj);
            case "Namespace" -> {
                String name = Trees.str(Trees.obj(obj, "metadata"), "name");
                if (!name.isEmpty()) {
                    Trees.objOrCreate(Trees.objOrCreate(obj, "metadata"), "labels").put("kubernetes.io/metadata.name", name);
                }
            }
            case AppsRules.DEPLOYMENT, AppsRules.REPLICA_SET, AppsRules.DAEMON_SET, AppsRules.CONTROLLER_REVISION,
                 AppsRules.POD_DISRUPTION_BUDGET, AppsRules.STATEFUL_SET -> AppsRules.defaults(kind, obj);
            case StorageRules.CLAIM, StorageRules.VOLUME, StorageRules.STORAGE_CLASS -> StorageRules.defaults(kind, obj);
            case BatchRules.JOB, BatchRules.CRON_JOB -> BatchRules.defaults(kind, obj);
            default -> { }
        }
    }

    // ---- admission plugins ----------------------------------------------------------------------

    /** NamespaceLifecycle: the namespace must exist and must not be terminating. */
    private void namespaceLifecycle(ResourceType type, ObjectNode obj, String name) {
        String namespace = Trees.str(Trees.obj(obj, "metadata"), "namespace");
        if (namespace.isEmpty()) {
            return;
        }
        ObjectNode ns = lookup.get("namespaces", "", namespace)
                .orElseThrow(() -> new ApiError.NotFound("namespaces", namespace));
        if (Trees.str(Trees.obj(ns, "status"), "phase").equals("Terminating")) {
            throw ApiError.Forbidden.of(type.qualifiedResource(), name,
                    "unable to create new content in namespace " + namespace + " because it is being terminated");
        }
    }

    /**
     * The ServiceAccount plugin on pod create, as upstream's {@code plugin/pkg/admission/serviceaccount}: the
     * {@code default} account when none is named, which must exist; the {@code kube-api-access-<suffix>} projected
     * volume (token, CA, namespace) mounted read-only at {@value ServiceAccountVolume#MOUNT_PATH} into every
     * container without a mount there, unless the pod or else the account opts out; the account's pull secrets
     * when the pod names none. Mirror pods get nothing and may reference no account or secret.
     */
    private void serviceAccount(ObjectNode pod, String name) {
        ObjectNode meta = Trees.obj(pod, "metadata");
        ObjectNode spec = Trees.objOrCreate(pod, "spec");
        if (Trees.obj(meta, "annotations") != null && Trees.obj(meta, "annotations").has(NodeRestriction.MIRROR_ANNOTATION)) {
            ServiceAccountVolume.validateMirrorPod(pod, name);
            return;
        }
        String sa = Trees.str(spec, "serviceAccountName");
        if (sa.isEmpty()) {
            sa = "default";
        }
        spec.put("serviceAccountName", sa);
        spec.put("serviceAccount", sa);
        String namespace = Trees.str(meta, "namespace");
        String account = sa;
        ObjectNode serviceAccount = serviceAccount(namespace, sa).orElseThrow(() -> ApiError.Forbidden.of("pods", name,
                "error looking up service account " + namespace + "/" + account + ": serviceaccount \"" + account + "\" not found"));
        if (ServiceAccountVolume.shouldAutomount(serviceAccount, pod)) {
            ServiceAccountVolume.mount(pod, random);
        }
        if (Trees.arraySize(spec, "imagePullSecrets") == 0) {
            ArrayNode secrets = spec.putArray("imagePullSecrets");
            for (ObjectNode ref : Trees.objects(serviceAccount, "imagePullSecrets")) {
                secrets.addObject().put("name", Trees.str(ref, "name"));
            }
            if (secrets.isEmpty()) {
                spec.remove("imagePullSecrets");
            }
        }
    }

    /**
     * A pod's service account, as upstream's plugin looks it up: the {@code default} account of a namespace just
     * created may not be there yet, so that one is looked for ten times, 100 to 200 ms apart, before the pod is
     * refused; any other account once.
     */
    private Optional<ObjectNode> serviceAccount(String namespace, String name) {
        int attempts = name.equals("default") ? DEFAULT_ACCOUNT_ATTEMPTS : 1;
        long interval = 100 + random.nextLong(100);
        for (int i = 0; ; i++) {
            Optional<ObjectNode> account = lookup.get("serviceaccounts", namespace, name);
            if (account.isPresent() || i + 1 >= attempts) {
                return account;
            }
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return account;
            }
        }
    }

    /** AlwaysPullImages: every init, regular and ephemeral container pulls always. */
    private static void alwaysPull(ObjectNode pod) {
        for (String list : PodDefaults.CONTAINER_LISTS) {
            for (ObjectNode c : Trees.objects(Trees.obj(pod, "spec"), list)) {
                c.put("imagePullPolicy", "Always");
            }
        }
    }

    /** Priority: the class's value, or 0 with PreemptLowerPriority when none is named. */
    private void priority(ObjectNode pod, String name) {
        ObjectNode spec = Trees.objOrCreate(pod, "spec");
        String className = Trees.str(spec, "priorityClassName");
        int value = 0;
        if (!className.isEmpty()) {
            Integer system = SYSTEM_PRIORITIES.get(className);
            if (system != null) {
                value = system;
            } else {
                Optional<ObjectNode> pc = lookup.get("priorityclasses.scheduling.k8s.io", "", className);
                if (pc.isEmpty()) {
                    throw ApiError.Forbidden.of("pods", name, "no PriorityClass with name " + className + " was found");
                }
                value = pc.get().path("value").asInt(0);
                String preemption = Trees.str(pc.get(), "preemptionPolicy");
                if (!preemption.isEmpty()) {
                    Trees.putIfAbsent(spec, "preemptionPolicy", preemption);
                }
            }
        }
        Long requested = Trees.longOrNull(spec, "priority");
        if (requested != null && requested != value) {
            throw ApiError.Forbidden.of("pods", name, "the integer value of priority (" + requested
                    + ") must not be provided in pod spec; priority admission controller computed " + value
                    + " from the given PriorityClass name");
        }
        spec.put("priority", value);
        Trees.putIfAbsent(spec, "preemptionPolicy", "PreemptLowerPriority");
    }

    /**
     * Re-applies on update what admission added at create, so that replacing a pod with its
     * original manifest compares equal: service account, pull secrets, node binding, priority,
     * the default tolerations and the service-account token volume with its mounts. AlwaysPullImages runs unless every image was already in the old pod.
     */
    private void podUpdateMutations(ObjectNode pod, ObjectNode old) {
        ObjectNode spec = Trees.objOrCreate(pod, "spec");
        ObjectNode oldSpec = Trees.obj(old, "spec") == null ? old.objectNode() : Trees.obj(old, "spec");
        if (Trees.str(spec, "serviceAccountName").isEmpty()) {
            copyOrRemove(oldSpec, spec, "serviceAccountName");
        }
        if (Trees.has(spec, "serviceAccountName")) {
            spec.put("serviceAccount", Trees.str(spec, "serviceAccountName"));
        }
        for (String f : List.of("imagePullSecrets", "nodeName", "priority", "preemptionPolicy")) {
            JsonNode v = spec.get(f);
            if ((v == null || v.isNull() || (v.isArray() && v.isEmpty())) && oldSpec.has(f)) {
                spec.set(f, oldSpec.get(f).deepCopy());
            }
        }
        PodDefaults.defaultTolerations(pod);
        ServiceAccountVolume.carryOver(spec, oldSpec);
        if (enabledPlugins.contains(ALWAYS_PULL_IMAGES)) {
            Set<String> oldImages = new java.util.HashSet<>();
            for (String list : PodDefaults.CONTAINER_LISTS) {
                Trees.objects(oldSpec, list).forEach(c -> oldImages.add(Trees.str(c, "image")));
            }
            boolean newImage = PodDefaults.CONTAINER_LISTS.stream()
                    .flatMap(list -> Trees.objects(spec, list).stream())
                    .anyMatch(c -> !oldImages.contains(Trees.str(c, "image")));
            if (newImage) {
                alwaysPull(pod);
            }
        }
    }

    /** PodSecurity, the last validating plugin: pods, namespaces and the pod templates of workload objects. */
    private void podSecurity(String kind, ObjectNode obj, Optional<ObjectNode> old) {
        if (!PodSecurityAdmission.applies(kind)) {
            return;
        }
        switch (kind) {
            case "Pod" -> podSecurity.admitPod(obj, old);
            case "Namespace" -> podSecurity.admitNamespace(obj, old);
            default -> podSecurity.admitTemplate(kind, obj);
        }
    }

    // ---- validation -----------------------------------------------------------------------------

    private static Syntax.NameRule nameRule(String kind) {
        return switch (kind) {
            case "Namespace" -> Syntax.NameRule.DNS1123_LABEL;
            case "Service" -> Syntax.NameRule.DNS1035_LABEL;
            // CSR names are free (upstream's ValidateCertificateRequestName): kubelets name theirs node-csr-<base64url>
            case RBAC_ROLE, RBAC_CLUSTER_ROLE, RBAC_ROLE_BINDING, RBAC_CLUSTER_ROLE_BINDING, CertificateRules.CSR ->
                    Syntax.NameRule.PATH_SEGMENT;
            default -> Syntax.NameRule.DNS1123_SUBDOMAIN;
        };
    }

    private static void validateKind(String kind, ObjectNode obj, FieldErrors errs) {
        switch (kind) {
            case "Pod" -> PodValidation.validateSpec(obj, errs);
            case "Service" -> ServiceRules.validate(obj, errs);
            case "Secret" -> DataRules.validateSecret(obj, errs);
            case "ConfigMap" -> DataRules.validateConfigMap(obj, errs);
            case "Namespace" -> {
                List<String> finalizers = MetaRules.strings(Trees.obj(obj, "spec") == null ? null : Trees.obj(obj, "spec").get("finalizers"));
                for (int i = 0; i < finalizers.size(); i++) {
                    MetaRules.finalizerName(finalizers.get(i), "spec.finalizers", errs);
                    MetaRules.kubeFinalizerName(finalizers.get(i), "spec.finalizers[" + i + "]", errs);
                }
            }
            case "Event" -> EventRules.validateCore(obj, errs);
            case EndpointRules.ENDPOINTS -> EndpointRules.validateEndpoints(obj, errs);
            case EndpointRules.ENDPOINT_SLICE -> EndpointRules.validateSlice(obj, false, errs);
            case AppsRules.DEPLOYMENT, AppsRules.REPLICA_SET, AppsRules.DAEMON_SET, AppsRules.CONTROLLER_REVISION,
                 AppsRules.POD_DISRUPTION_BUDGET, AppsRules.STATEFUL_SET -> AppsRules.validate(kind, obj, errs);
            case StorageRules.CLAIM, StorageRules.VOLUME, StorageRules.STORAGE_CLASS -> StorageRules.validate(kind, obj, errs);
            case BatchRules.JOB, BatchRules.CRON_JOB -> BatchRules.validate(kind, obj, errs);
            case CertificateRules.CSR -> CertificateRules.validateCreate(obj, errs);
            case "events.k8s.io/Event" -> EventRules.validateEventsV1(obj, errs);
            case RBAC_ROLE -> RbacRules.validateRole(obj, true, errs);
            case RBAC_CLUSTER_ROLE -> RbacRules.validateRole(obj, false, errs);
            case RBAC_ROLE_BINDING -> RbacRules.validateBinding(obj, true, errs);
            case RBAC_CLUSTER_ROLE_BINDING -> RbacRules.validateBinding(obj, false, errs);
            default -> { }
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static String kindKey(ResourceType type) {
        return type.group().isEmpty() || type.group().equals("coordination.k8s.io") ? type.kind() : type.group() + "/" + type.kind();
    }

    /** DefaultStorageClass: the newest StorageClass marked default (upstream takes the newest when several are). */
    private Optional<String> defaultStorageClass() {
        return lookup.list("storageclasses.storage.k8s.io", "").stream()
                .filter(StorageRules::isDefaultClass)
                .max(java.util.Comparator.comparing((ObjectNode sc) -> Trees.str(Trees.obj(sc, "metadata"), "creationTimestamp"))
                        .thenComparing(sc -> Trees.str(Trees.obj(sc, "metadata"), "name")))
                .map(sc -> Trees.str(Trees.obj(sc, "metadata"), "name"));
    }

    private List<ObjectNode> otherServices(ObjectNode svc) {
        String namespace = Trees.str(Trees.obj(svc, "metadata"), "namespace");
        String name = Trees.str(Trees.obj(svc, "metadata"), "name");
        return lookup.list("services", "").stream()
                .filter(s -> !(Trees.str(Trees.obj(s, "metadata"), "namespace").equals(namespace)
                        && Trees.str(Trees.obj(s, "metadata"), "name").equals(name)))
                .toList();
    }

    private static void copyOrRemove(ObjectNode from, ObjectNode to, String field) {
        if (from != null && from.has(field)) {
            to.set(field, from.get(field).deepCopy());
        } else {
            to.remove(field);
        }
    }
}
