package dev.j8s.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.GoJson;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What upstream's decoder makes of the {@code apiVersion} and {@code kind} of a request body sent to a URL that
 * serves one kind: a missing kind or version is taken from the URL ({@code gvkWithDefaults} of
 * {@code k8s.io/apimachinery/pkg/runtime/serializer/json}), so clients may leave both out, as the Python and
 * JavaScript clients do; a body of another kind or version is refused with the message upstream's create and update
 * handlers give ({@code transformDecodeError}, {@code the API version in the data ...}). Stateless and thread-safe.
 *
 * <p>Which kinds exist decides between upstream's two refusals, {@code converting (v1.Service) to (core.Pod): unknown
 * conversion} and {@code no kind "pod" is registered for version "v1"}: the kinds of core/v1 (upstream's
 * {@code k8s.io/api/core/v1/register.go}) and of every group-version this server serves. A kind of a group j8s does
 * not serve (say node.k8s.io/v1 RuntimeClass) is reported as not registered, which on this server it is not.
 */
public final class Scheme {

    /** Where upstream's legacy scheme is made; its error messages name it. */
    static final String SCHEME_NAME = "pkg/api/legacyscheme/scheme.go:30";

    private static final List<String> CORE_V1_KINDS = List.of("Pod", "PodList", "PodStatusResult", "PodTemplate",
            "PodTemplateList", "ReplicationController", "ReplicationControllerList", "Service", "ServiceProxyOptions",
            "ServiceList", "Endpoints", "EndpointsList", "Node", "NodeConfigSource", "NodeList", "NodeProxyOptions",
            "Binding", "Event", "EventList", "List", "LimitRange", "LimitRangeList", "ResourceQuota",
            "ResourceQuotaList", "Namespace", "NamespaceList", "Secret", "SecretList", "ServiceAccount",
            "ServiceAccountList", "PersistentVolume", "PersistentVolumeList", "PersistentVolumeClaim",
            "PersistentVolumeClaimList", "PodAttachOptions", "PodLogOptions", "PodExecOptions",
            "PodPortForwardOptions", "PodProxyOptions", "ComponentStatus", "ComponentStatusList",
            "SerializedReference", "RangeAllocation", "ConfigMap", "ConfigMapList", "Status");

    /** What {@code metav1.AddToGroupVersion} registers in every group-version. */
    private static final List<String> META_KINDS = List.of("WatchEvent", "ListOptions", "GetOptions", "DeleteOptions",
            "CreateOptions", "UpdateOptions", "PatchOptions");

    private static final Set<GroupVersionKind> REGISTERED = registered(Resources.builtin());

    private Scheme() {}

    private static Set<GroupVersionKind> registered(Resources resources) {
        Set<GroupVersionKind> kinds = new HashSet<>();
        GroupVersionKind coreV1 = new GroupVersionKind("", "v1", "");
        CORE_V1_KINDS.forEach(k -> kinds.add(coreV1.withKind(k)));
        for (ResourceType type : resources.all()) {
            kinds.add(type.gvk());
            kinds.add(type.gvk().withKind(type.listKind()));
            META_KINDS.forEach(k -> kinds.add(type.gvk().withKind(k)));
            type.subresources().forEach(s -> kinds.add(s.gvk()));
        }
        return Set.copyOf(kinds);
    }

    /** Whether upstream's scheme knows {@code gvk} (see the class comment for which kinds count). */
    public static boolean registers(GroupVersionKind gvk) {
        return REGISTERED.contains(gvk);
    }

    /**
     * Checks the {@code apiVersion} and {@code kind} of a request body for a URL serving {@code expected}, fills
     * the missing ones in {@code body} (a tree the caller owns) and returns it. {@code raw} is the body as sent,
     * quoted in some messages.
     *
     * @throws ApiError.BadRequest worded as upstream's decoder when the body is of another kind or version
     */
    public static ObjectNode defaultTypeMeta(GroupVersionKind expected, ObjectNode body, byte[] raw) {
        return defaultTypeMeta(expected, body, () -> raw);
    }

    /**
     * {@link #defaultTypeMeta(GroupVersionKind, ObjectNode, byte[])} with the body as sent made only when a message
     * quotes it (a tree serialized again for each valid request costs a create a few per cent).
     */
    public static ObjectNode defaultTypeMeta(GroupVersionKind expected, ObjectNode body, Supplier<byte[]> raw) {
        GroupVersionKind actual;
        try {
            actual = interpret(body).withDefaults(expected);
        } catch (Unreadable e) {
            throw unrecognized(expected.kind(), e.getMessage(), raw.get());
        }
        if (actual.version().isEmpty()) {
            throw new ApiError.BadRequest(cannotHandle(actual, expected, "Object 'apiVersion' is missing in '"
                    + new String(raw.get(), StandardCharsets.UTF_8) + "'"));
        }
        if (!actual.equals(expected)) {
            Optional<String> conversion = conversionError(actual, expected);
            if (conversion.isPresent()) {
                throw new ApiError.BadRequest(cannotHandle(actual, expected, conversion.get()));
            }
            throw new ApiError.BadRequest("the API version in the data (" + actual.apiVersion()
                    + ") does not match the expected API version (" + expected.apiVersion() + ")");
        }
        body.put("apiVersion", expected.apiVersion());
        body.put("kind", expected.kind());
        return body;
    }

    /**
     * Why an object of {@code actual} cannot be decoded as {@code expected}, as upstream's scheme says it: not
     * registered, or no conversion between the two; empty when both are the same internal type in another
     * version (core/v1 and events.k8s.io/v1 Events), which decodes and then fails the handlers' version check.
     */
    public static Optional<String> conversionError(GroupVersionKind actual, GroupVersionKind expected) {
        if (!registers(actual)) {
            return Optional.of("no kind " + GoJson.quote(actual.kind()) + " is registered for version "
                    + GoJson.quote(actual.apiVersion()) + " in scheme " + GoJson.quote(SCHEME_NAME));
        }
        if (actual.kind().equals(expected.kind()) && internalPackage(actual).equals(internalPackage(expected))) {
            return Optional.empty();
        }
        return Optional.of("converting (" + actual.version() + "." + actual.kind() + ") to (" + internalPackage(expected)
                + "." + expected.kind() + "): unknown conversion");
    }

    /** {@code Pod in version "v1" cannot be handled as a ConfigMap: ...}, upstream's transformDecodeError. */
    private static String cannotHandle(GroupVersionKind actual, GroupVersionKind expected, String cause) {
        return actual.kind() + " in version " + GoJson.quote(actual.version()) + " cannot be handled as a "
                + expected.kind() + ": " + cause;
    }

    /**
     * Upstream's {@code transformDecodeError} for a body whose type could not even be read: {@code the object
     * provided is unrecognized (must be of type Pod): <cause> (<the first 30 bytes>)}.
     */
    public static ApiError.BadRequest unrecognized(String expectedKind, String cause, byte[] raw) {
        String must = expectedKind.isEmpty() ? "" : " (must be of type " + expectedKind + ")";
        return new ApiError.BadRequest("the object provided is unrecognized" + must + ": " + cause + " ("
                + summarize(raw) + ")");
    }

    /** Upstream's summarizeData: the first 30 bytes as text for JSON objects, else as hex. */
    public static String summarize(byte[] body) {
        if (body.length == 0) {
            return "<empty>";
        }
        int n = Math.min(body.length, 30);
        String head = body[0] == '{'
                ? new String(body, 0, n, StandardCharsets.UTF_8)
                : java.util.HexFormat.of().formatHex(body, 0, n);
        return body.length > 30 ? head + " ..." : head;
    }

    /** Why upstream could not read an object's {@code apiVersion} and {@code kind}; the message is Go's. */
    public static final class Unreadable extends RuntimeException {
        Unreadable(String message) {
            super(message);
        }
    }

    /**
     * An object's own group, version and kind, as upstream's {@code Interpret} reads them: null or absent
     * fields are empty.
     *
     * @throws Unreadable when they are not strings, or the apiVersion has more than one slash
     */
    public static GroupVersionKind interpret(ObjectNode object) {
        String apiVersion = stringField(object, "apiVersion");
        String kind = stringField(object, "kind");
        return GroupVersionKind.parse(apiVersion, kind)
                .orElseThrow(() -> new Unreadable("unexpected GroupVersion string: " + apiVersion));
    }

    private static String stringField(ObjectNode object, String name) {
        JsonNode value = object.get(name);
        if (value == null || value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            String type = value.isNumber() ? "number" : value.isBoolean() ? "bool" : value.isArray() ? "array" : "object";
            throw new Unreadable("couldn't get version/kind; json parse error: json: cannot unmarshal " + type
                    + " into Go struct field ." + name + " of type string");
        }
        return value.asText();
    }

    /** The Go package of upstream's internal type: {@code core} for core and events.k8s.io, else the group's name. */
    private static String internalPackage(GroupVersionKind gvk) {
        return switch (gvk.group()) {
            case "", "events.k8s.io" -> "core";
            default -> gvk.group().split("\\.", 2)[0];
        };
    }
}
