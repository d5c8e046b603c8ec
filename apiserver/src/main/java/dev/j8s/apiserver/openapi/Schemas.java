package dev.j8s.apiserver.openapi;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.openapi.ModelShapes.Bean;
import dev.j8s.apiserver.openapi.ModelShapes.FreeForm;
import dev.j8s.apiserver.openapi.ModelShapes.Leaf;
import dev.j8s.apiserver.openapi.ModelShapes.ListOf;
import dev.j8s.apiserver.openapi.ModelShapes.MapOf;
import dev.j8s.apiserver.registry.ResourceType;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds the {@code components.schemas} of one OpenAPI v3 document from the fabric8 model classes, named as
 * upstream's definitions ({@code io.k8s.api.core.v1.PodSpec}) and annotated with the strategic-merge-patch
 * metadata kubectl apply needs. Not thread-safe: one instance per document.
 */
final class Schemas {

    static final String REF_PREFIX = "#/components/schemas/";
    static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    static final String QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    static final String INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    static final String TIME = META + "Time";
    static final String MICRO_TIME = META + "MicroTime";
    static final String PATCH = META + "Patch";

    private static final String FABRIC8 = "io.fabric8.kubernetes.api.model";

    /** fabric8 keeps meta/v1 types in its core package; these are the ones that are apimachinery upstream. */
    private static final Set<String> META_TYPES = Set.of("ObjectMeta", "ListMeta", "OwnerReference",
            "ManagedFieldsEntry", "FieldsV1", "LabelSelector", "LabelSelectorRequirement", "Status", "StatusDetails",
            "StatusCause", "DeleteOptions", "Preconditions", "Condition", "APIResource", "APIResourceList",
            "APIGroup", "APIGroupList", "APIVersions", "GroupVersionForDiscovery", "ServerAddressByClientCIDR",
            "WatchEvent", "Patch", "Time", "MicroTime", "Duration");

    /** String properties that hold a {@code metav1.Time} upstream (fabric8 types them as plain strings). */
    private static final Set<String> TIME_PROPERTIES = Set.of("creationTimestamp", "deletionTimestamp",
            "lastTransitionTime", "lastProbeTime", "lastHeartbeatTime", "startTime", "startedAt", "finishedAt",
            "firstTimestamp", "lastTimestamp", "time", "lastUpdateTime", "expirationTimestamp",
            "deprecatedFirstTimestamp", "deprecatedLastTimestamp", "lastObservedTime");

    /** Strategic-merge-patch metadata of list fields, as upstream's Go struct tags mark them. */
    record ListMeta(String mergeKey, String strategy, String listType, List<String> mapKeys) {
        static ListMeta merge(String key) {
            return new ListMeta(key, "merge", "", List.of());
        }
    }

    private static final Map<String, ListMeta> PATCH_TABLE = Map.ofEntries(
            Map.entry("PodSpec.containers", ListMeta.merge("name")),
            Map.entry("PodSpec.initContainers", ListMeta.merge("name")),
            Map.entry("PodSpec.ephemeralContainers", ListMeta.merge("name")),
            Map.entry("PodSpec.volumes", new ListMeta("name", "merge,retainKeys", "", List.of())),
            Map.entry("PodSpec.imagePullSecrets", ListMeta.merge("name")),
            Map.entry("PodSpec.hostAliases", ListMeta.merge("ip")),
            Map.entry("PodSpec.topologySpreadConstraints",
                    new ListMeta("topologyKey", "merge", "map", List.of("topologyKey", "whenUnsatisfiable"))),
            Map.entry("PodSpec.resourceClaims", new ListMeta("name", "merge,retainKeys", "map", List.of("name"))),
            Map.entry("PodSpec.schedulingGates", new ListMeta("name", "merge", "map", List.of("name"))),
            Map.entry("Container.env", ListMeta.merge("name")),
            Map.entry("Container.ports", new ListMeta("containerPort", "merge", "map", List.of("containerPort", "protocol"))),
            Map.entry("Container.volumeMounts", ListMeta.merge("mountPath")),
            Map.entry("Container.volumeDevices", ListMeta.merge("devicePath")),
            Map.entry("EphemeralContainer.env", ListMeta.merge("name")),
            Map.entry("EphemeralContainer.ports", new ListMeta("containerPort", "merge", "map", List.of("containerPort", "protocol"))),
            Map.entry("EphemeralContainer.volumeMounts", ListMeta.merge("mountPath")),
            Map.entry("EphemeralContainer.volumeDevices", ListMeta.merge("devicePath")),
            Map.entry("PodStatus.conditions", ListMeta.merge("type")),
            Map.entry("PodStatus.podIPs", ListMeta.merge("ip")),
            Map.entry("PodStatus.hostIPs", ListMeta.merge("ip")),
            Map.entry("PodStatus.resourceClaimStatuses", new ListMeta("name", "merge,retainKeys", "map", List.of("name"))),
            Map.entry("NodeStatus.conditions", ListMeta.merge("type")),
            Map.entry("NodeStatus.addresses", ListMeta.merge("type")),
            Map.entry("NamespaceStatus.conditions", ListMeta.merge("type")),
            Map.entry("ServiceSpec.ports", new ListMeta("port", "merge", "map", List.of("port", "protocol"))),
            Map.entry("ServiceStatus.conditions", new ListMeta("type", "merge", "map", List.of("type"))),
            Map.entry("ServiceAccount.secrets", ListMeta.merge("name")),
            Map.entry("ObjectMeta.ownerReferences", ListMeta.merge("uid")),
            Map.entry("DeploymentStatus.conditions", ListMeta.merge("type")),
            Map.entry("ReplicaSetStatus.conditions", ListMeta.merge("type")),
            Map.entry("DaemonSetStatus.conditions", ListMeta.merge("type")),
            Map.entry("PodDisruptionBudgetStatus.conditions", new ListMeta("type", "merge", "map", List.of("type"))),
            Map.entry("ObjectMeta.finalizers", new ListMeta("", "merge", "set", List.of())));

    /** Object-valued fields with a patch strategy of their own ({@code patchStrategy:"retainKeys"} in Go). */
    private static final Map<String, String> OBJECT_PATCH_STRATEGY = Map.of("DeploymentSpec.strategy", "retainKeys");

    /** Required properties shown by {@code kubectl explain} as {@code -required-}. */
    private static final Map<String, List<String>> REQUIRED = Map.ofEntries(
            Map.entry("PodSpec", List.of("containers")),
            Map.entry("Container", List.of("name")),
            Map.entry("EphemeralContainer", List.of("name")),
            Map.entry("ContainerPort", List.of("containerPort")),
            Map.entry("EnvVar", List.of("name")),
            Map.entry("VolumeMount", List.of("name", "mountPath")),
            Map.entry("VolumeDevice", List.of("name", "devicePath")),
            Map.entry("Volume", List.of("name")),
            Map.entry("KeyToPath", List.of("key", "path")),
            Map.entry("ConfigMapKeySelector", List.of("key")),
            Map.entry("SecretKeySelector", List.of("key")),
            Map.entry("ObjectFieldSelector", List.of("fieldPath")),
            Map.entry("ResourceFieldSelector", List.of("resource")),
            Map.entry("HTTPGetAction", List.of("port")),
            Map.entry("TCPSocketAction", List.of("port")),
            Map.entry("GRPCAction", List.of("port")),
            Map.entry("ServicePort", List.of("port")),
            Map.entry("OwnerReference", List.of("apiVersion", "kind", "name", "uid")),
            Map.entry("LabelSelectorRequirement", List.of("key", "operator")),
            Map.entry("PodCondition", List.of("type", "status")),
            Map.entry("NodeCondition", List.of("type", "status")),
            Map.entry("NamespaceCondition", List.of("type", "status")),
            Map.entry("NodeAddress", List.of("type", "address")),
            Map.entry("HostAlias", List.of("ip")),
            Map.entry("Sysctl", List.of("name", "value")),
            Map.entry("PodReadinessGate", List.of("conditionType")),
            Map.entry("TopologySpreadConstraint", List.of("maxSkew", "topologyKey", "whenUnsatisfiable")),
            Map.entry("DeploymentSpec", List.of("selector", "template")),
            Map.entry("ReplicaSetSpec", List.of("selector")),
            Map.entry("DaemonSetSpec", List.of("selector", "template")),
            Map.entry("ControllerRevision", List.of("revision")),
            Map.entry("DeploymentCondition", List.of("type", "status")),
            Map.entry("ReplicaSetCondition", List.of("type", "status")),
            Map.entry("DaemonSetCondition", List.of("type", "status")));

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final TreeMap<String, ObjectNode> schemas = new TreeMap<>();
    private final Map<Class<?>, ResourceType> kinds;

    /** @param kinds the classes that are top-level kinds of this document, which get their GVK */
    Schemas(Map<Class<?>, ResourceType> kinds) {
        this.kinds = kinds;
    }

    /** The generated schemas, sorted by name as upstream's document. */
    ObjectNode toNode() {
        ObjectNode node = NODES.objectNode();
        schemas.forEach(node::set);
        return node;
    }

    /** {@code {"$ref": "#/components/schemas/<name>"}}. */
    static ObjectNode ref(String name) {
        return NODES.objectNode().put("$ref", REF_PREFIX + name);
    }

    /** The upstream definition name of a fabric8 model class. */
    static String definitionName(Class<?> type) {
        if (type == Quantity.class) {
            return QUANTITY;
        }
        if (type == IntOrString.class) {
            return INT_OR_STRING;
        }
        String pkg = type.getPackageName();
        String simple = type.getSimpleName();
        if (pkg.equals(FABRIC8)) {
            return (META_TYPES.contains(simple) ? META : "io.k8s.api.core.v1.") + simple;
        }
        if (pkg.equals(FABRIC8 + ".runtime")) {
            return "io.k8s.apimachinery.pkg.runtime." + simple;
        }
        if (pkg.equals(FABRIC8 + ".apps")) {
            return "io.k8s.api.apps.v1." + simple; // fabric8 keeps apps/v1 without a version package
        }
        if (pkg.startsWith(FABRIC8 + ".")) {
            return "io.k8s.api." + pkg.substring(FABRIC8.length() + 1) + "." + simple;
        }
        return pkg + "." + simple;
    }

    /** Defines the schema of a model class (and everything it references); returns its name. */
    String define(Class<?> type) {
        String name = definitionName(type);
        if (schemas.containsKey(name)) {
            return name;
        }
        ObjectNode schema = NODES.objectNode();
        schemas.put(name, schema); // before recursing: model graphs have cycles (JSONSchemaProps, Status)
        ResourceType kind = kinds.get(type);
        if (kind != null) {
            schema.put("description", kind.kind() + " is a " + kind.apiVersion() + " object served by j8s.");
        }
        switch (ModelShapes.of(type)) {
            case Bean(Class<?> raw, Map<String, JavaType> properties) -> {
                ObjectNode props = schema.putObject("properties");
                new TreeMap<>(properties).forEach((property, propertyType) ->
                        props.set(property, schemaOf(propertyType, raw.getSimpleName(), property)));
                List<String> required = REQUIRED.getOrDefault(raw.getSimpleName(), List.of());
                if (!required.isEmpty()) {
                    required.forEach(schema.putArray("required")::add);
                }
                schema.put("type", "object");
            }
            default -> schema.put("type", "object");
        }
        if (kind != null) {
            schema.putArray("x-kubernetes-group-version-kind").add(gvk(kind.group(), kind.version(), kind.kind()));
        }
        return name;
    }

    /** Defines a top-level kind (or its list) with an explicit group-version-kind. */
    String defineKind(Class<?> type, String group, String version, String kindName) {
        String name = define(type);
        ObjectNode schema = schemas.get(name);
        if (!schema.has("x-kubernetes-group-version-kind")) {
            schema.putArray("x-kubernetes-group-version-kind").add(gvk(group, version, kindName));
        }
        return name;
    }

    /** Adds a named schema that is not generated from a class. */
    void put(String name, ObjectNode schema) {
        schemas.putIfAbsent(name, schema);
    }

    static ObjectNode gvk(String group, String version, String kind) {
        ObjectNode gvk = NODES.objectNode();
        gvk.put("group", group);
        gvk.put("kind", kind);
        gvk.put("version", version);
        return gvk;
    }

    private ObjectNode schemaOf(JavaType type, String owner, String property) {
        ObjectNode schema = switch (ModelShapes.of(type)) {
            case ListOf(JavaType element) -> {
                ObjectNode array = NODES.objectNode();
                array.set("items", schemaOf(element, owner, ""));
                array.put("type", "array");
                ListMeta meta = PATCH_TABLE.get(owner + "." + property);
                if (meta != null) {
                    if (!meta.mapKeys().isEmpty()) {
                        meta.mapKeys().forEach(array.putArray("x-kubernetes-list-map-keys")::add);
                    }
                    if (!meta.listType().isEmpty()) {
                        array.put("x-kubernetes-list-type", meta.listType());
                    }
                    if (!meta.mergeKey().isEmpty()) {
                        array.put("x-kubernetes-patch-merge-key", meta.mergeKey());
                    }
                    array.put("x-kubernetes-patch-strategy", meta.strategy());
                }
                yield array;
            }
            case MapOf(JavaType value) -> {
                ObjectNode map = NODES.objectNode();
                map.set("additionalProperties", schemaOf(value, owner, ""));
                map.put("type", "object");
                yield map;
            }
            case Leaf(Class<?> raw) -> leaf(raw, property);
            case FreeForm free -> {
                Class<?> raw = type.getRawClass();
                if (raw.getPackageName().startsWith(FABRIC8) && !raw.isInterface()) {
                    yield ref(defineFreeForm(raw));
                }
                yield NODES.objectNode().put("type", "object");
            }
            case Bean(Class<?> raw, Map<String, JavaType> properties) -> {
                String strategy = OBJECT_PATCH_STRATEGY.get(owner + "." + property);
                if (strategy == null) {
                    yield ref(define(raw));
                }
                ObjectNode wrapped = NODES.objectNode();
                wrapped.putArray("allOf").add(ref(define(raw)));
                wrapped.put("x-kubernetes-patch-strategy", strategy);
                yield wrapped;
            }
        };
        return schema;
    }

    private String defineFreeForm(Class<?> raw) {
        String name = definitionName(raw);
        put(name, NODES.objectNode().put("type", "object"));
        return name;
    }

    private ObjectNode leaf(Class<?> raw, String property) {
        if (raw == String.class) {
            return TIME_PROPERTIES.contains(property) ? ref(time()) : NODES.objectNode().put("type", "string");
        }
        if (raw == Quantity.class) {
            put(QUANTITY, NODES.objectNode().put("type", "string"));
            return ref(QUANTITY);
        }
        if (raw == IntOrString.class) {
            put(INT_OR_STRING, NODES.objectNode().put("format", "int-or-string").put("type", "string"));
            return ref(INT_OR_STRING);
        }
        if (raw == MicroTime.class || raw.getName().startsWith("java.time.")) {
            put(MICRO_TIME, NODES.objectNode().put("format", "date-time").put("type", "string"));
            return ref(MICRO_TIME);
        }
        if (raw == Integer.class || raw == int.class || raw == Short.class || raw == short.class) {
            return NODES.objectNode().put("format", "int32").put("type", "integer");
        }
        if (raw == Long.class || raw == long.class) {
            return NODES.objectNode().put("format", "int64").put("type", "integer");
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return NODES.objectNode().put("type", "boolean");
        }
        if (raw == Double.class || raw == double.class || raw == Float.class || raw == float.class) {
            return NODES.objectNode().put("format", "double").put("type", "number");
        }
        if (raw == byte[].class) {
            return NODES.objectNode().put("format", "byte").put("type", "string");
        }
        if (raw.isEnum() || raw == Character.class || raw == char.class) {
            return NODES.objectNode().put("type", "string");
        }
        return NODES.objectNode().put("type", "object");
    }

    private String time() {
        put(TIME, NODES.objectNode().put("format", "date-time").put("type", "string"));
        return TIME;
    }

    /** Names of the defined schemas (for tests and the document builder). */
    Set<String> names() {
        return new TreeSet<>(schemas.keySet());
    }
}
