package dev.j8s.apiserver.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The OpenAPI documents kubectl fetches: the {@code /openapi/v3} index, one OpenAPI 3.0 document per served
 * group-version with schemas generated from the fabric8 model classes, and a minimal protobuf
 * {@code /openapi/v2} document; the role of upstream's {@code k8s.io/kube-openapi/pkg/handler3}. All documents
 * are built once at construction; immutable and thread-safe.
 */
public final class OpenApi {

    /** A Content-Type for {@code /openapi/v2} that Go's {@code mime.ParseMediaType} accepts. */
    public static final String V2_CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /** The Kubernetes version the documents claim, as {@code /version} reports it. */
    static final String KUBERNETES_VERSION = "v1.32.0";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> PATCH_TYPES = List.of("application/apply-patch+yaml",
            "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json");
    private static final List<String> RESPONSE_TYPES = List.of("application/json", "application/yaml");

    /** A served document: the tree, its exact bytes, and the hash of those bytes. */
    private record Document(ObjectNode tree, byte[] bytes, String hash) {}

    private final Map<String, Document> documents;
    private final ObjectNode index;
    private final byte[] v2;

    public OpenApi(Resources resources) {
        Map<String, List<ResourceType>> byGroupVersion = new LinkedHashMap<>();
        for (ResourceType type : resources.all()) {
            byGroupVersion.computeIfAbsent(documentPath(type), k -> new ArrayList<>()).add(type);
        }
        Map<String, Document> docs = new LinkedHashMap<>();
        byGroupVersion.forEach((path, types) -> docs.put(path, document(build(types))));
        this.documents = Map.copyOf(docs);
        ObjectNode paths = NODES.objectNode();
        docs.forEach((path, doc) -> paths.putObject(path)
                .put("serverRelativeURL", "/openapi/v3/" + path + "?hash=" + doc.hash()));
        this.index = NODES.objectNode();
        index.set("paths", paths);
        this.v2 = v2Document();
    }

    /** GET /openapi/v3 index: {@code {"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=<HASH>"}}}}. */
    public ObjectNode v3Index() {
        return index.deepCopy();
    }

    /**
     * The document for {@code api/v1} or {@code apis/<group>/<version>} (the request path after
     * {@code /openapi/v3/}), empty when not served. A fresh copy; to serve it, prefer {@link #v3DocumentBytes}.
     */
    public Optional<ObjectNode> v3Document(String path) {
        return Optional.ofNullable(documents.get(path)).map(d -> d.tree().deepCopy());
    }

    /** The exact bytes of a v3 document (those its hash is computed over), empty when not served. */
    public Optional<byte[]> v3DocumentBytes(String path) {
        return Optional.ofNullable(documents.get(path)).map(d -> d.bytes().clone());
    }

    /** The hash in a document's {@code serverRelativeURL}, empty when not served; for ETag and cache headers. */
    public Optional<String> v3Hash(String path) {
        return Optional.ofNullable(documents.get(path)).map(Document::hash);
    }

    /** The protobuf gnostic {@code openapi_v2.Document} for /openapi/v2 (kubectl 1.27/1.28 need it). */
    public byte[] v2Protobuf() {
        return v2.clone();
    }

    static String documentPath(ResourceType type) {
        return type.group().isEmpty() ? "api/" + type.version() : "apis/" + type.group() + "/" + type.version();
    }

    private static Document document(ObjectNode tree) {
        try {
            byte[] bytes = Json.MAPPER.writeValueAsBytes(tree);
            byte[] digest = MessageDigest.getInstance("SHA-512").digest(bytes);
            return new Document(tree, bytes, HexFormat.of().withUpperCase().formatHex(digest));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is not available", e);
        }
    }

    private static ObjectNode build(List<ResourceType> types) {
        Map<Class<?>, ResourceType> kinds = new LinkedHashMap<>();
        types.forEach(t -> kinds.put(t.model(), t));
        Schemas schemas = new Schemas(kinds);
        schemas.put(Schemas.PATCH, NODES.objectNode()
                .put("description", "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.")
                .put("type", "object"));
        String deleteOptions = schemas.define(io.fabric8.kubernetes.api.model.DeleteOptions.class);
        String status = schemas.define(io.fabric8.kubernetes.api.model.Status.class);

        TreeMap<String, ObjectNode> paths = new TreeMap<>();
        for (ResourceType type : types) {
            String kind = schemas.define(type.model());
            String list = listClass(type.model())
                    .map(c -> schemas.defineKind(c, type.group(), type.version(), type.listKind()))
                    .orElse(status);
            new Operations(type, kind, list, deleteOptions, status).addTo(paths);
        }

        ObjectNode doc = NODES.objectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", KUBERNETES_VERSION);
        ObjectNode pathsNode = doc.putObject("paths");
        paths.forEach(pathsNode::set);
        ObjectNode components = doc.putObject("components");
        components.set("schemas", schemas.toNode());
        components.putObject("securitySchemes").putObject("BearerToken")
                .put("description", "Bearer Token authentication").put("in", "header")
                .put("name", "authorization").put("type", "apiKey");
        doc.putArray("security").addObject().putArray("BearerToken");
        return doc;
    }

    private static Optional<Class<?>> listClass(Class<?> model) {
        try {
            return Optional.of(Class.forName(model.getName() + "List", false, model.getClassLoader()));
        } catch (ClassNotFoundException e) {
            return Optional.empty();
        }
    }

    /** The operations of one resource, named and shaped as upstream's generated document. */
    private record Operations(ResourceType type, String kindSchema, String listSchema, String deleteOptions,
                              String status) {

        void addTo(Map<String, ObjectNode> paths) {
            String base = type.group().isEmpty() ? "/api/" + type.version()
                    : "/apis/" + type.group() + "/" + type.version();
            String scope = type.namespaced() ? "Namespaced" : "";
            String collection = base + (type.namespaced() ? "/namespaces/{namespace}/" : "/") + type.plural();
            String item = collection + "/{name}";

            ObjectNode collectionPath = pathItem(type.namespaced(), false);
            if (type.hasVerb("list")) {
                collectionPath.set("get", list(scope + type.kind(), "list or watch objects of kind " + type.kind()));
            }
            if (type.hasVerb("create")) {
                collectionPath.set("post", write("post", "create", scope + type.kind(), "create a " + type.kind(), true));
            }
            if (type.hasVerb("deletecollection")) {
                collectionPath.set("delete", deleteCollection(scope));
            }
            paths.put(collection, collectionPath);

            ObjectNode itemPath = pathItem(type.namespaced(), true);
            if (type.hasVerb("get")) {
                itemPath.set("get", get(scope + type.kind(), "read the specified " + type.kind()));
            }
            if (type.hasVerb("update")) {
                itemPath.set("put", write("put", "replace", scope + type.kind(), "replace the specified " + type.kind(),
                        false));
            }
            if (type.hasVerb("patch")) {
                itemPath.set("patch", patch(scope + type.kind(), "partially update the specified " + type.kind()));
            }
            if (type.hasVerb("delete")) {
                itemPath.set("delete", delete(scope));
            }
            paths.put(item, itemPath);

            if (type.namespaced() && type.hasVerb("list")) {
                ObjectNode all = pathItem(false, false);
                all.set("get", list(type.kind() + "ForAllNamespaces",
                        "list or watch objects of kind " + type.kind()));
                paths.put(base + "/" + type.plural(), all);
            }

            for (ResourceType.Subresource sub : type.subresources()) {
                if (!sub.name().equals("status")) {
                    continue; // log, exec, binding, finalize: not needed by kubectl's OpenAPI users
                }
                String suffix = scope + type.kind() + "Status";
                ObjectNode subPath = pathItem(type.namespaced(), true);
                if (sub.verbs().contains("get")) {
                    subPath.set("get", get(suffix, "read status of the specified " + type.kind()));
                }
                if (sub.verbs().contains("update")) {
                    subPath.set("put", write("put", "replace", suffix,
                            "replace status of the specified " + type.kind(), false));
                }
                if (sub.verbs().contains("patch")) {
                    subPath.set("patch", patch(suffix,
                            "partially update status of the specified " + type.kind()));
                }
                paths.put(item + "/status", subPath);
            }
        }

        private ObjectNode pathItem(boolean namespaced, boolean named) {
            ObjectNode item = NODES.objectNode();
            ArrayNode parameters = item.putArray("parameters");
            if (named) {
                parameters.add(pathParameter("name", "name of the " + type.kind()));
            }
            if (namespaced) {
                parameters.add(pathParameter("namespace", "object name and auth scope, such as for teams and projects"));
            }
            parameters.add(query("pretty", "If 'true', then the output is pretty printed.", "string"));
            return item;
        }

        private ObjectNode operation(String action, String idVerb, String idSuffix, String description) {
            ObjectNode op = NODES.objectNode();
            op.putArray("tags").add(tag());
            op.put("description", description);
            op.put("operationId", idVerb + groupId() + capitalize(type.version()) + idSuffix);
            op.putArray("parameters");
            op.put("x-kubernetes-action", action);
            op.set("x-kubernetes-group-version-kind", Schemas.gvk(type.group(), type.version(), type.kind()));
            return op;
        }

        private ObjectNode get(String idSuffix, String description) {
            ObjectNode op = operation("get", "read", idSuffix, description);
            op.set("responses", responses(Map.of("200", "OK"), kindSchema));
            return reorder(op);
        }

        private ObjectNode list(String idSuffix, String description) {
            ObjectNode op = operation("list", "list", idSuffix, description);
            ArrayNode parameters = (ArrayNode) op.get("parameters");
            parameters.add(query("allowWatchBookmarks", "allowWatchBookmarks requests watch events with type \"BOOKMARK\".", "boolean"));
            parameters.add(query("continue", "The continue option should be set when retrieving more results from the server.", "string"));
            parameters.add(query("fieldSelector", "A selector to restrict the list of returned objects by their fields.", "string"));
            parameters.add(query("labelSelector", "A selector to restrict the list of returned objects by their labels.", "string"));
            parameters.add(query("limit", "limit is a maximum number of responses to return for a list call.", "integer"));
            parameters.add(query("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be served from.", "string"));
            parameters.add(query("resourceVersionMatch", "resourceVersionMatch determines how resourceVersion is applied to list calls.", "string"));
            parameters.add(query("sendInitialEvents", "`sendInitialEvents=true` may be set together with `watch=true`.", "boolean"));
            parameters.add(query("timeoutSeconds", "Timeout for the list/watch call.", "integer"));
            parameters.add(query("watch", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.", "boolean"));
            ObjectNode responses = responses(Map.of("200", "OK"), listSchema);
            op.set("responses", responses);
            return reorder(op);
        }

        private ObjectNode write(String action, String idVerb, String idSuffix, String description, boolean create) {
            ObjectNode op = operation(action, idVerb, idSuffix, description);
            ArrayNode parameters = (ArrayNode) op.get("parameters");
            parameters.add(dryRun());
            parameters.add(fieldManager());
            parameters.add(fieldValidation());
            ObjectNode body = NODES.objectNode();
            body.putObject("content").putObject("*/*").set("schema", Schemas.ref(kindSchema));
            body.put("required", true);
            op.set("requestBody", body);
            op.set("responses", responses(create ? Map.of("200", "OK", "201", "Created", "202", "Accepted")
                    : Map.of("200", "OK", "201", "Created"), kindSchema));
            return reorder(op);
        }

        private ObjectNode patch(String idSuffix, String description) {
            ObjectNode op = operation("patch", "patch", idSuffix, description);
            ArrayNode parameters = (ArrayNode) op.get("parameters");
            parameters.add(dryRun());
            parameters.add(query("fieldManager", "fieldManager is a name associated with the actor or entity that is "
                    + "making these changes. It is required for apply requests (application/apply-patch) but optional "
                    + "for non-apply patch types.", "string"));
            parameters.add(fieldValidation());
            parameters.add(query("force", "Force is going to \"force\" Apply requests. It means user will re-acquire "
                    + "conflicting fields owned by other people. Must be unset for non-apply patch requests.", "boolean"));
            ObjectNode body = NODES.objectNode();
            ObjectNode content = body.putObject("content");
            for (String mediaType : PATCH_TYPES) {
                content.putObject(mediaType).set("schema", Schemas.ref(Schemas.PATCH));
            }
            body.put("required", true);
            op.set("requestBody", body);
            op.set("responses", responses(Map.of("200", "OK", "201", "Created"), kindSchema));
            return reorder(op);
        }

        private ObjectNode delete(String scope) {
            ObjectNode op = operation("delete", "delete", scope + type.kind(), "delete a " + type.kind());
            deleteParameters((ArrayNode) op.get("parameters"));
            op.set("requestBody", deleteBody());
            op.set("responses", responses(Map.of("200", "OK", "202", "Accepted"), kindSchema));
            return reorder(op);
        }

        private ObjectNode deleteCollection(String scope) {
            ObjectNode op = operation("deletecollection", "delete", "Collection" + scope + type.kind(),
                    "delete collection of " + type.kind());
            ArrayNode parameters = (ArrayNode) op.get("parameters");
            parameters.add(query("continue", "The continue option should be set when retrieving more results from the server.", "string"));
            deleteParameters(parameters);
            parameters.add(query("fieldSelector", "A selector to restrict the list of returned objects by their fields.", "string"));
            parameters.add(query("labelSelector", "A selector to restrict the list of returned objects by their labels.", "string"));
            parameters.add(query("limit", "limit is a maximum number of responses to return for a list call.", "integer"));
            parameters.add(query("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be served from.", "string"));
            op.set("requestBody", deleteBody());
            op.set("responses", responses(Map.of("200", "OK"), status));
            return reorder(op);
        }

        private void deleteParameters(ArrayNode parameters) {
            parameters.add(dryRun());
            parameters.add(query("gracePeriodSeconds", "The duration in seconds before the object should be deleted.", "integer"));
            parameters.add(query("orphanDependents", "Deprecated: please use the PropagationPolicy.", "boolean"));
            parameters.add(query("propagationPolicy", "Whether and how garbage collection will be performed: "
                    + "'Orphan', 'Background' or 'Foreground'.", "string"));
        }

        private ObjectNode deleteBody() {
            ObjectNode body = NODES.objectNode();
            body.putObject("content").putObject("*/*").set("schema", Schemas.ref(deleteOptions));
            return body;
        }

        private static ObjectNode responses(Map<String, String> codes, String schema) {
            ObjectNode responses = NODES.objectNode();
            new TreeMap<>(codes).forEach((code, text) -> {
                ObjectNode response = responses.putObject(code);
                response.put("description", text);
                ObjectNode content = response.putObject("content");
                for (String mediaType : RESPONSE_TYPES) {
                    content.putObject(mediaType).set("schema", Schemas.ref(schema));
                }
            });
            responses.putObject("401").put("description", "Unauthorized");
            return responses;
        }

        /** Moves the body and responses before the extensions, in upstream's key order. */
        private static ObjectNode reorder(ObjectNode op) {
            ObjectNode ordered = NODES.objectNode();
            for (String key : List.of("tags", "description", "operationId", "parameters", "requestBody", "responses",
                    "x-kubernetes-action", "x-kubernetes-group-version-kind")) {
                if (op.has(key)) {
                    ordered.set(key, op.get(key));
                }
            }
            return ordered;
        }

        private static ObjectNode dryRun() {
            return query("dryRun", "When present, indicates that modifications should not be persisted. "
                    + "Valid values are: - All: all dry run stages will be processed", "string");
        }

        private static ObjectNode fieldManager() {
            return query("fieldManager", "fieldManager is a name associated with the actor or entity that is making "
                    + "these changes.", "string");
        }

        private static ObjectNode fieldValidation() {
            return query("fieldValidation", "fieldValidation instructs the server on how to handle objects in the "
                    + "request containing unknown or duplicate fields. Valid values are: - Ignore - Warn (the default) "
                    + "- Strict", "string");
        }

        private String tag() {
            String group = type.group().isEmpty() ? "core" : type.group().split("\\.")[0];
            return group + "_" + type.version();
        }

        private String groupId() {
            return capitalize(type.group().isEmpty() ? "core" : type.group().split("\\.")[0]);
        }
    }

    private static ObjectNode query(String name, String description, String type) {
        ObjectNode parameter = NODES.objectNode();
        parameter.put("name", name);
        parameter.put("in", "query");
        parameter.put("description", description);
        parameter.putObject("schema").put("type", type).put("uniqueItems", true);
        return parameter;
    }

    private static ObjectNode pathParameter(String name, String description) {
        ObjectNode parameter = NODES.objectNode();
        parameter.put("name", name);
        parameter.put("in", "path");
        parameter.put("description", description);
        parameter.put("required", true);
        parameter.putObject("schema").put("type", "string").put("uniqueItems", true);
        return parameter;
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
    }

    /**
     * The minimal gnostic {@code openapi_v2.Document}: {@code swagger} (field 1) and {@code info} (field 2) with
     * {@code title} and {@code version}; without definitions, kubectl 1.27/1.28 find no schema and defer to the
     * server's field validation.
     */
    private static byte[] v2Document() {
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        field(info, 1, "Kubernetes".getBytes(StandardCharsets.UTF_8));
        field(info, 2, KUBERNETES_VERSION.getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream document = new ByteArrayOutputStream();
        field(document, 1, "2.0".getBytes(StandardCharsets.UTF_8));
        field(document, 2, info.toByteArray());
        return document.toByteArray();
    }

    /** One length-delimited protobuf field (wire type 2). */
    private static void field(ByteArrayOutputStream out, int number, byte[] value) {
        varint(out, (number << 3) | 2);
        varint(out, value.length);
        out.writeBytes(value);
    }

    private static void varint(ByteArrayOutputStream out, int value) {
        while ((value & ~0x7f) != 0) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }
}
