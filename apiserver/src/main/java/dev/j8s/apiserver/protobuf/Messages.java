package dev.j8s.apiserver.protobuf;

import java.util.Map;

/**
 * The field tables of the Kubernetes types we accept as protobuf, transcribed from upstream's
 * {@code k8s.io/api/core/v1/generated.proto}, {@code k8s.io/api/authentication/v1/generated.proto},
 * {@code k8s.io/api/apps/v1}, {@code autoscaling/v1} and {@code policy/v1} {@code generated.proto} and
 * {@code k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto}, and those of {@code authorization/v1} and
 * {@code rbac/v1}. Only fields j8s serves are listed; the
 * decoder skips the others. Immutable and thread-safe once initialised.
 */
final class Messages {

    private Messages() {}

    // ---- meta/v1 ----

    static final MessageType OWNER_REFERENCE = MessageType.named("OwnerReference")
            .string(1, "kind").string(3, "name").string(4, "uid").string(5, "apiVersion")
            .optionalBool(6, "controller").optionalBool(7, "blockOwnerDeletion");

    /** managedFields (17) is skipped: the server computes it itself. */
    static final MessageType OBJECT_META = MessageType.named("ObjectMeta")
            .string(1, "name").string(2, "generateName").string(3, "namespace").string(4, "selfLink")
            .string(5, "uid").string(6, "resourceVersion").int64(7, "generation")
            .time(8, "creationTimestamp").time(9, "deletionTimestamp").optionalInt64(10, "deletionGracePeriodSeconds")
            .stringMap(11, "labels").stringMap(12, "annotations").messages(13, "ownerReferences", OWNER_REFERENCE)
            .strings(14, "finalizers");

    static final MessageType PRECONDITIONS = MessageType.named("Preconditions")
            .optionalString(1, "uid").optionalString(2, "resourceVersion");

    static final MessageType DELETE_OPTIONS = MessageType.named("DeleteOptions")
            .optionalInt64(1, "gracePeriodSeconds").optionalMessage(2, "preconditions", PRECONDITIONS)
            .optionalBool(3, "orphanDependents").optionalString(4, "propagationPolicy").strings(5, "dryRun")
            .optionalBool(6, "ignoreStoreReadErrorWithClusterBreakingPotential");

    // ---- core/v1 references ----

    static final MessageType OBJECT_REFERENCE = MessageType.named("ObjectReference")
            .string(1, "kind").string(2, "namespace").string(3, "name").string(4, "uid")
            .string(5, "apiVersion").string(6, "resourceVersion").string(7, "fieldPath");

    static final MessageType LOCAL_OBJECT_REFERENCE = MessageType.named("LocalObjectReference")
            .string(1, "name");

    // ---- Secret, ConfigMap, ServiceAccount, Namespace ----

    static final MessageType SECRET = MessageType.named("Secret")
            .message(1, "metadata", OBJECT_META).bytesMap(2, "data").string(3, "type")
            .stringMap(4, "stringData").optionalBool(5, "immutable");

    static final MessageType CONFIG_MAP = MessageType.named("ConfigMap")
            .message(1, "metadata", OBJECT_META).stringMap(2, "data").bytesMap(3, "binaryData")
            .optionalBool(4, "immutable");

    static final MessageType SERVICE_ACCOUNT = MessageType.named("ServiceAccount")
            .message(1, "metadata", OBJECT_META).messages(2, "secrets", OBJECT_REFERENCE)
            .messages(3, "imagePullSecrets", LOCAL_OBJECT_REFERENCE).optionalBool(4, "automountServiceAccountToken");

    static final MessageType NAMESPACE_CONDITION = MessageType.named("NamespaceCondition")
            .string(1, "type").string(2, "status").time(4, "lastTransitionTime").string(5, "reason").string(6, "message");

    static final MessageType NAMESPACE = MessageType.named("Namespace")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("NamespaceSpec").strings(1, "finalizers"))
            .message(3, "status", MessageType.named("NamespaceStatus")
                    .string(1, "phase").messages(2, "conditions", NAMESPACE_CONDITION));

    // ---- Service ----

    static final MessageType SERVICE_PORT = MessageType.named("ServicePort")
            .string(1, "name").string(2, "protocol").int32(3, "port").intOrString(4, "targetPort")
            .int32(5, "nodePort").optionalString(6, "appProtocol");

    static final MessageType SERVICE_SPEC = MessageType.named("ServiceSpec")
            .messages(1, "ports", SERVICE_PORT).stringMap(2, "selector").string(3, "clusterIP").string(4, "type")
            .strings(5, "externalIPs").string(7, "sessionAffinity").string(8, "loadBalancerIP")
            .strings(9, "loadBalancerSourceRanges").string(10, "externalName").string(11, "externalTrafficPolicy")
            .int32(12, "healthCheckNodePort").bool(13, "publishNotReadyAddresses")
            .optionalMessage(14, "sessionAffinityConfig", MessageType.named("SessionAffinityConfig")
                    .optionalMessage(1, "clientIP", MessageType.named("ClientIPConfig").optionalInt32(1, "timeoutSeconds")))
            .optionalString(17, "ipFamilyPolicy").strings(18, "clusterIPs").strings(19, "ipFamilies")
            .optionalBool(20, "allocateLoadBalancerNodePorts").optionalString(21, "loadBalancerClass")
            .optionalString(22, "internalTrafficPolicy").optionalString(23, "trafficDistribution");

    static final MessageType LOAD_BALANCER_INGRESS = MessageType.named("LoadBalancerIngress")
            .string(1, "ip").string(2, "hostname");

    static final MessageType SERVICE = MessageType.named("Service")
            .message(1, "metadata", OBJECT_META).message(2, "spec", SERVICE_SPEC)
            .message(3, "status", MessageType.named("ServiceStatus")
                    .message(1, "loadBalancer", MessageType.named("LoadBalancerStatus")
                            .messages(1, "ingress", LOAD_BALANCER_INGRESS)));

    // ---- Pod ----

    static final MessageType KEY_TO_PATH = MessageType.named("KeyToPath")
            .string(1, "key").string(2, "path").optionalInt32(3, "mode");

    static final MessageType VOLUME_SOURCE = MessageType.named("VolumeSource")
            .optionalMessage(1, "hostPath", MessageType.named("HostPathVolumeSource")
                    .string(1, "path").optionalString(2, "type"))
            .optionalMessage(2, "emptyDir", MessageType.named("EmptyDirVolumeSource")
                    .string(1, "medium").quantity(2, "sizeLimit"))
            .optionalMessage(6, "secret", MessageType.named("SecretVolumeSource")
                    .string(1, "secretName").messages(2, "items", KEY_TO_PATH)
                    .optionalInt32(3, "defaultMode").optionalBool(4, "optional"))
            .optionalMessage(10, "persistentVolumeClaim", MessageType.named("PersistentVolumeClaimVolumeSource")
                    .string(1, "claimName").bool(2, "readOnly"))
            .optionalMessage(19, "configMap", MessageType.named("ConfigMapVolumeSource")
                    .inline(1, LOCAL_OBJECT_REFERENCE).messages(2, "items", KEY_TO_PATH)
                    .optionalInt32(3, "defaultMode").optionalBool(4, "optional"));

    static final MessageType VOLUME = MessageType.named("Volume")
            .string(1, "name").inline(2, VOLUME_SOURCE);

    static final MessageType CONTAINER_PORT = MessageType.named("ContainerPort")
            .string(1, "name").int32(2, "hostPort").int32(3, "containerPort").string(4, "protocol").string(5, "hostIP");

    static final MessageType KEY_SELECTOR = MessageType.named("KeySelector")
            .inline(1, LOCAL_OBJECT_REFERENCE).string(2, "key").optionalBool(3, "optional");

    static final MessageType ENV_VAR_SOURCE = MessageType.named("EnvVarSource")
            .optionalMessage(1, "fieldRef", MessageType.named("ObjectFieldSelector")
                    .string(1, "apiVersion").string(2, "fieldPath"))
            .optionalMessage(2, "resourceFieldRef", MessageType.named("ResourceFieldSelector")
                    .string(1, "containerName").string(2, "resource").quantity(3, "divisor"))
            .optionalMessage(3, "configMapKeyRef", KEY_SELECTOR)
            .optionalMessage(4, "secretKeyRef", KEY_SELECTOR);

    static final MessageType ENV_VAR = MessageType.named("EnvVar")
            .string(1, "name").string(2, "value").optionalMessage(3, "valueFrom", ENV_VAR_SOURCE);

    static final MessageType ENV_FROM_REFERENCE = MessageType.named("EnvFromReference")
            .inline(1, LOCAL_OBJECT_REFERENCE).optionalBool(2, "optional");

    static final MessageType ENV_FROM_SOURCE = MessageType.named("EnvFromSource")
            .string(1, "prefix").optionalMessage(2, "configMapRef", ENV_FROM_REFERENCE)
            .optionalMessage(3, "secretRef", ENV_FROM_REFERENCE);

    static final MessageType RESOURCE_REQUIREMENTS = MessageType.named("ResourceRequirements")
            .quantityMap(1, "limits").quantityMap(2, "requests");

    static final MessageType VOLUME_MOUNT = MessageType.named("VolumeMount")
            .string(1, "name").bool(2, "readOnly").string(3, "mountPath").string(4, "subPath")
            .optionalString(5, "mountPropagation").string(6, "subPathExpr").optionalString(7, "recursiveReadOnly");

    static final MessageType HTTP_GET_ACTION = MessageType.named("HTTPGetAction")
            .string(1, "path").intOrString(2, "port").string(3, "host").string(4, "scheme");

    static final MessageType EXEC_ACTION = MessageType.named("ExecAction").strings(1, "command");

    static final MessageType TCP_SOCKET_ACTION = MessageType.named("TCPSocketAction")
            .intOrString(1, "port").string(2, "host");

    static final MessageType PROBE = MessageType.named("Probe")
            .inline(1, MessageType.named("ProbeHandler")
                    .optionalMessage(1, "exec", EXEC_ACTION).optionalMessage(2, "httpGet", HTTP_GET_ACTION)
                    .optionalMessage(3, "tcpSocket", TCP_SOCKET_ACTION))
            .int32(2, "initialDelaySeconds").int32(3, "timeoutSeconds").int32(4, "periodSeconds")
            .int32(5, "successThreshold").int32(6, "failureThreshold");

    static final MessageType LIFECYCLE_HANDLER = MessageType.named("LifecycleHandler")
            .optionalMessage(1, "exec", EXEC_ACTION).optionalMessage(2, "httpGet", HTTP_GET_ACTION)
            .optionalMessage(3, "tcpSocket", TCP_SOCKET_ACTION)
            .optionalMessage(4, "sleep", MessageType.named("SleepAction").int64(1, "seconds"));

    static final MessageType SECURITY_CONTEXT = MessageType.named("SecurityContext")
            .optionalMessage(1, "capabilities", MessageType.named("Capabilities").strings(1, "add").strings(2, "drop"))
            .optionalBool(2, "privileged").optionalInt64(4, "runAsUser").optionalBool(5, "runAsNonRoot")
            .optionalBool(6, "readOnlyRootFilesystem").optionalBool(7, "allowPrivilegeEscalation")
            .optionalInt64(8, "runAsGroup");

    static final MessageType CONTAINER = MessageType.named("Container")
            .string(1, "name").string(2, "image").strings(3, "command").strings(4, "args").string(5, "workingDir")
            .messages(6, "ports", CONTAINER_PORT).messages(7, "env", ENV_VAR)
            .message(8, "resources", RESOURCE_REQUIREMENTS).messages(9, "volumeMounts", VOLUME_MOUNT)
            .optionalMessage(10, "livenessProbe", PROBE).optionalMessage(11, "readinessProbe", PROBE)
            .optionalMessage(12, "lifecycle", MessageType.named("Lifecycle")
                    .optionalMessage(1, "postStart", LIFECYCLE_HANDLER).optionalMessage(2, "preStop", LIFECYCLE_HANDLER))
            .string(13, "terminationMessagePath").string(14, "imagePullPolicy")
            .optionalMessage(15, "securityContext", SECURITY_CONTEXT)
            .bool(16, "stdin").bool(17, "stdinOnce").bool(18, "tty").messages(19, "envFrom", ENV_FROM_SOURCE)
            .string(20, "terminationMessagePolicy").optionalMessage(22, "startupProbe", PROBE)
            .optionalString(24, "restartPolicy");

    static final MessageType TOLERATION = MessageType.named("Toleration")
            .string(1, "key").string(2, "operator").string(3, "value").string(4, "effect")
            .optionalInt64(5, "tolerationSeconds");

    static final MessageType POD_SECURITY_CONTEXT = MessageType.named("PodSecurityContext")
            .optionalInt64(2, "runAsUser").optionalBool(3, "runAsNonRoot").int64s(4, "supplementalGroups")
            .optionalInt64(5, "fsGroup").optionalInt64(6, "runAsGroup");

    static final MessageType POD_SPEC = MessageType.named("PodSpec")
            .messages(1, "volumes", VOLUME).messages(2, "containers", CONTAINER).string(3, "restartPolicy")
            .optionalInt64(4, "terminationGracePeriodSeconds").optionalInt64(5, "activeDeadlineSeconds")
            .string(6, "dnsPolicy").stringMap(7, "nodeSelector").string(8, "serviceAccountName")
            .string(9, "serviceAccount").string(10, "nodeName").bool(11, "hostNetwork").bool(12, "hostPID")
            .bool(13, "hostIPC").optionalMessage(14, "securityContext", POD_SECURITY_CONTEXT)
            .messages(15, "imagePullSecrets", LOCAL_OBJECT_REFERENCE).string(16, "hostname").string(17, "subdomain")
            .string(19, "schedulerName").messages(20, "initContainers", CONTAINER)
            .optionalBool(21, "automountServiceAccountToken").messages(22, "tolerations", TOLERATION)
            .string(24, "priorityClassName").optionalInt32(25, "priority").optionalString(29, "runtimeClassName")
            .optionalBool(30, "enableServiceLinks").optionalBool(37, "hostUsers");

    /** status is not listed: a client cannot set it on create. */
    static final MessageType POD = MessageType.named("Pod")
            .message(1, "metadata", OBJECT_META).message(2, "spec", POD_SPEC);

    // ---- apps/v1 (k8s.io/api/apps/v1/generated.proto), autoscaling/v1 Scale, policy/v1 ----

    static final MessageType LABEL_SELECTOR = MessageType.named("LabelSelector")
            .stringMap(1, "matchLabels")
            .messages(2, "matchExpressions", MessageType.named("LabelSelectorRequirement")
                    .string(1, "key").string(2, "operator").strings(3, "values"));

    static final MessageType POD_TEMPLATE_SPEC = MessageType.named("PodTemplateSpec")
            .message(1, "metadata", OBJECT_META).message(2, "spec", POD_SPEC);

    /** Both are pointers upstream: an explicit 0 is kept (and not defaulted to 25%). */
    static final MessageType ROLLING_UPDATE = MessageType.named("RollingUpdate")
            .field(1, "maxUnavailable", MessageType.Scalar.INT_OR_STRING, MessageType.Presence.EXPLICIT)
            .field(2, "maxSurge", MessageType.Scalar.INT_OR_STRING, MessageType.Presence.EXPLICIT);

    /** Pointer fields (replicas, revisionHistoryLimit, progressDeadlineSeconds) keep an explicit 0. */
    static final MessageType DEPLOYMENT = MessageType.named("Deployment")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("DeploymentSpec")
                    .optionalInt32(1, "replicas").optionalMessage(2, "selector", LABEL_SELECTOR)
                    .message(3, "template", POD_TEMPLATE_SPEC)
                    .message(4, "strategy", MessageType.named("DeploymentStrategy")
                            .string(1, "type").optionalMessage(2, "rollingUpdate", ROLLING_UPDATE))
                    .int32(5, "minReadySeconds").optionalInt32(6, "revisionHistoryLimit").bool(7, "paused")
                    .optionalInt32(9, "progressDeadlineSeconds"));

    static final MessageType REPLICA_SET = MessageType.named("ReplicaSet")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("ReplicaSetSpec")
                    .optionalInt32(1, "replicas").optionalMessage(2, "selector", LABEL_SELECTOR)
                    .message(3, "template", POD_TEMPLATE_SPEC).int32(4, "minReadySeconds"));

    static final MessageType DAEMON_SET = MessageType.named("DaemonSet")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("DaemonSetSpec")
                    .optionalMessage(1, "selector", LABEL_SELECTOR).message(2, "template", POD_TEMPLATE_SPEC)
                    .message(3, "updateStrategy", MessageType.named("DaemonSetUpdateStrategy")
                            .string(1, "type").optionalMessage(2, "rollingUpdate", ROLLING_UPDATE))
                    .int32(4, "minReadySeconds").optionalInt32(6, "revisionHistoryLimit"));

    static final MessageType SCALE = MessageType.named("Scale")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("ScaleSpec").int32(1, "replicas"))
            .message(3, "status", MessageType.named("ScaleStatus").int32(1, "replicas").string(2, "selector"));

    static final MessageType POD_DISRUPTION_BUDGET = MessageType.named("PodDisruptionBudget")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("PodDisruptionBudgetSpec")
                    .field(1, "minAvailable", MessageType.Scalar.INT_OR_STRING, MessageType.Presence.EXPLICIT)
                    .optionalMessage(2, "selector", LABEL_SELECTOR)
                    .field(3, "maxUnavailable", MessageType.Scalar.INT_OR_STRING, MessageType.Presence.EXPLICIT)
                    .optionalString(4, "unhealthyPodEvictionPolicy"));

    // ---- batch/v1 (k8s.io/api/batch/v1/generated.proto) ----

    /** Pointer fields keep an explicit 0 ({@code backoffLimit: 0}, {@code completions: 0}). */
    static final MessageType JOB_SPEC = MessageType.named("JobSpec")
            .optionalInt32(1, "parallelism").optionalInt32(2, "completions")
            .optionalInt64(3, "activeDeadlineSeconds").optionalMessage(4, "selector", LABEL_SELECTOR)
            .optionalBool(5, "manualSelector").message(6, "template", POD_TEMPLATE_SPEC)
            .optionalInt32(7, "backoffLimit").optionalInt32(8, "ttlSecondsAfterFinished")
            .optionalString(9, "completionMode").optionalBool(10, "suspend")
            .optionalMessage(11, "podFailurePolicy", MessageType.named("PodFailurePolicy")
                    .messages(1, "rules", MessageType.named("PodFailurePolicyRule")
                            .string(1, "action")
                            .optionalMessage(2, "onExitCodes", MessageType.named("PodFailurePolicyOnExitCodesRequirement")
                                    .optionalString(1, "containerName").string(2, "operator").int64s(3, "values"))
                            .messages(3, "onPodConditions", MessageType.named("PodFailurePolicyOnPodConditionsPattern")
                                    .string(1, "type").string(2, "status"))))
            .optionalInt32(12, "backoffLimitPerIndex").optionalInt32(13, "maxFailedIndexes")
            .optionalString(14, "podReplacementPolicy").optionalString(15, "managedBy")
            .optionalMessage(16, "successPolicy", MessageType.named("SuccessPolicy")
                    .messages(1, "rules", MessageType.named("SuccessPolicyRule")
                            .optionalString(1, "succeededIndexes").optionalInt32(2, "succeededCount")));

    static final MessageType JOB = MessageType.named("Job")
            .message(1, "metadata", OBJECT_META).message(2, "spec", JOB_SPEC);

    static final MessageType CRON_JOB = MessageType.named("CronJob")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("CronJobSpec")
                    .string(1, "schedule").optionalInt64(2, "startingDeadlineSeconds")
                    .string(3, "concurrencyPolicy").optionalBool(4, "suspend")
                    .message(5, "jobTemplate", MessageType.named("JobTemplateSpec")
                            .message(1, "metadata", OBJECT_META).message(2, "spec", JOB_SPEC))
                    .optionalInt32(6, "successfulJobsHistoryLimit").optionalInt32(7, "failedJobsHistoryLimit")
                    .optionalString(8, "timeZone"));

    static final MessageType EVICTION = MessageType.named("Eviction")
            .message(1, "metadata", OBJECT_META).optionalMessage(2, "deleteOptions", DELETE_OPTIONS);

    // ---- authentication/v1 ----

    static final MessageType TOKEN_REQUEST = MessageType.named("TokenRequest")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("TokenRequestSpec")
                    .strings(1, "audiences")
                    .optionalMessage(3, "boundObjectRef", MessageType.named("BoundObjectReference")
                            .string(1, "kind").string(2, "apiVersion").string(3, "name").string(4, "uid"))
                    .optionalInt64(4, "expirationSeconds"))
            .message(3, "status", MessageType.named("TokenRequestStatus")
                    .string(1, "token").time(2, "expirationTimestamp"));

    static final MessageType SELF_SUBJECT_REVIEW = MessageType.named("SelfSubjectReview")
            .message(1, "metadata", OBJECT_META);

    static final MessageType TOKEN_REVIEW = MessageType.named("TokenReview")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("TokenReviewSpec").string(1, "token").strings(2, "audiences"));

    // ---- authorization/v1 ----

    static final MessageType RESOURCE_ATTRIBUTES = MessageType.named("ResourceAttributes")
            .string(1, "namespace").string(2, "verb").string(3, "group").string(4, "version").string(5, "resource")
            .string(6, "subresource").string(7, "name");

    static final MessageType NON_RESOURCE_ATTRIBUTES = MessageType.named("NonResourceAttributes")
            .string(1, "path").string(2, "verb");

    static final MessageType SELF_SUBJECT_ACCESS_REVIEW = MessageType.named("SelfSubjectAccessReview")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("SelfSubjectAccessReviewSpec")
                    .optionalMessage(1, "resourceAttributes", RESOURCE_ATTRIBUTES)
                    .optionalMessage(2, "nonResourceAttributes", NON_RESOURCE_ATTRIBUTES));

    /** {@code extra} (5, a map of ExtraValue) is not read. */
    static final MessageType SUBJECT_ACCESS_REVIEW_SPEC = MessageType.named("SubjectAccessReviewSpec")
            .optionalMessage(1, "resourceAttributes", RESOURCE_ATTRIBUTES)
            .optionalMessage(2, "nonResourceAttributes", NON_RESOURCE_ATTRIBUTES)
            .string(3, "user").strings(4, "groups").string(6, "uid");

    static final MessageType SUBJECT_ACCESS_REVIEW = MessageType.named("SubjectAccessReview")
            .message(1, "metadata", OBJECT_META).message(2, "spec", SUBJECT_ACCESS_REVIEW_SPEC);

    static final MessageType LOCAL_SUBJECT_ACCESS_REVIEW = MessageType.named("LocalSubjectAccessReview")
            .message(1, "metadata", OBJECT_META).message(2, "spec", SUBJECT_ACCESS_REVIEW_SPEC);

    static final MessageType SELF_SUBJECT_RULES_REVIEW = MessageType.named("SelfSubjectRulesReview")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("SelfSubjectRulesReviewSpec").string(1, "namespace"));

    // ---- rbac/v1 ----

    static final MessageType POLICY_RULE = MessageType.named("PolicyRule")
            .strings(1, "verbs").strings(2, "apiGroups").strings(3, "resources").strings(4, "resourceNames")
            .strings(5, "nonResourceURLs");

    static final MessageType ROLE = MessageType.named("Role")
            .message(1, "metadata", OBJECT_META).messages(2, "rules", POLICY_RULE);

    static final MessageType CLUSTER_ROLE = MessageType.named("ClusterRole")
            .message(1, "metadata", OBJECT_META).messages(2, "rules", POLICY_RULE)
            .optionalMessage(3, "aggregationRule", MessageType.named("AggregationRule")
                    .messages(1, "clusterRoleSelectors", LABEL_SELECTOR));

    static final MessageType SUBJECT = MessageType.named("Subject")
            .string(1, "kind").string(2, "apiGroup").string(3, "name").string(4, "namespace");

    static final MessageType ROLE_REF = MessageType.named("RoleRef")
            .string(1, "apiGroup").string(2, "kind").string(3, "name");

    static final MessageType ROLE_BINDING = MessageType.named("RoleBinding")
            .message(1, "metadata", OBJECT_META).messages(2, "subjects", SUBJECT).message(3, "roleRef", ROLE_REF);

    static final MessageType CLUSTER_ROLE_BINDING = MessageType.named("ClusterRoleBinding")
            .message(1, "metadata", OBJECT_META).messages(2, "subjects", SUBJECT).message(3, "roleRef", ROLE_REF);

    // ---- certificates/v1 ----

    /** {@code extra} (6, a map of ExtraValue) is not read: the server sets the requestor from the request's user. */
    static final MessageType CERTIFICATE_SIGNING_REQUEST = MessageType.named("CertificateSigningRequest")
            .message(1, "metadata", OBJECT_META)
            .message(2, "spec", MessageType.named("CertificateSigningRequestSpec")
                    .bytes(1, "request").string(2, "username").string(3, "uid").strings(4, "groups")
                    .strings(5, "usages").string(7, "signerName").optionalInt32(8, "expirationSeconds"))
            .message(3, "status", MessageType.named("CertificateSigningRequestStatus")
                    .messages(1, "conditions", MessageType.named("CertificateSigningRequestCondition")
                            .string(1, "type").string(2, "reason").string(3, "message").time(4, "lastUpdateTime")
                            .time(5, "lastTransitionTime").string(6, "status"))
                    .bytes(2, "certificate"));

    /** The table for each accepted {@code apiVersion/kind} of the envelope's typeMeta. */
    static final Map<String, MessageType> BY_TYPE = Map.ofEntries(
            Map.entry("v1/Secret", SECRET),
            Map.entry("v1/ConfigMap", CONFIG_MAP),
            Map.entry("v1/ServiceAccount", SERVICE_ACCOUNT),
            Map.entry("v1/Namespace", NAMESPACE),
            Map.entry("v1/Service", SERVICE),
            Map.entry("v1/Pod", POD),
            Map.entry("v1/DeleteOptions", DELETE_OPTIONS),
            Map.entry("meta.k8s.io/v1/DeleteOptions", DELETE_OPTIONS),
            Map.entry("authentication.k8s.io/v1/TokenRequest", TOKEN_REQUEST),
            Map.entry("authentication.k8s.io/v1/SelfSubjectReview", SELF_SUBJECT_REVIEW),
            Map.entry("authentication.k8s.io/v1/TokenReview", TOKEN_REVIEW),
            Map.entry("authorization.k8s.io/v1/SelfSubjectAccessReview", SELF_SUBJECT_ACCESS_REVIEW),
            Map.entry("authorization.k8s.io/v1/SubjectAccessReview", SUBJECT_ACCESS_REVIEW),
            Map.entry("authorization.k8s.io/v1/LocalSubjectAccessReview", LOCAL_SUBJECT_ACCESS_REVIEW),
            Map.entry("authorization.k8s.io/v1/SelfSubjectRulesReview", SELF_SUBJECT_RULES_REVIEW),
            Map.entry("rbac.authorization.k8s.io/v1/Role", ROLE),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", CLUSTER_ROLE),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", ROLE_BINDING),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", CLUSTER_ROLE_BINDING),
            Map.entry("apps/v1/Deployment", DEPLOYMENT),
            Map.entry("apps/v1/ReplicaSet", REPLICA_SET),
            Map.entry("apps/v1/DaemonSet", DAEMON_SET),
            Map.entry("autoscaling/v1/Scale", SCALE),
            Map.entry("policy/v1/PodDisruptionBudget", POD_DISRUPTION_BUDGET),
            Map.entry("policy/v1/Eviction", EVICTION),
            Map.entry("batch/v1/Job", JOB),
            Map.entry("batch/v1/CronJob", CRON_JOB),
            Map.entry("certificates.k8s.io/v1/CertificateSigningRequest", CERTIFICATE_SIGNING_REQUEST));
}
