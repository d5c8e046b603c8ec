package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.GoJson;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.json.Yaml;
import dev.j8s.apiserver.openapi.FieldValidation;
import dev.j8s.apiserver.patch.PatchType;
import dev.j8s.apiserver.printers.TablePrinter;
import dev.j8s.apiserver.protobuf.KubernetesProtobuf;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Scheme;
import dev.j8s.apiserver.rest.DeleteOptions;
import dev.j8s.apiserver.rest.Evictions;
import dev.j8s.apiserver.rest.Scales;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.rest.Reviews;
import dev.j8s.apiserver.selection.FieldSelector;
import dev.j8s.apiserver.selection.LabelSelector;
import dev.j8s.apiserver.storage.Store;
import dev.j8s.apiserver.rest.LogQuery;
import dev.j8s.apiserver.rest.KubeletClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Optional;
import java.util.List;
import java.util.OptionalLong;

/**
 * The verbs on one resource URL: get, list, watch, create, update, patch, delete and
 * deletecollection, plus the status, binding, log, exec, attach, portforward and proxy subresources; mirrors
 * apiserver/pkg/endpoints/handlers. Thread-safe.
 */
final class ResourceEndpoints {

    private final ObjectService objects;
    private final AccessControl access;
    private final Scales scales;
    private final Evictions evictions;
    private final Watcher watcher;
    private volatile KubeletClient kubelet;

    ResourceEndpoints(ObjectService objects, AccessControl access) {
        this.objects = objects;
        this.access = access;
        this.scales = new Scales(objects);
        this.evictions = new Evictions(objects);
        this.watcher = new Watcher(objects);
    }

    /** Serves {@code pods/log}, {@code exec}, {@code attach} and {@code portforward} through {@code kubelet} from now on. */
    void attachKubelet(KubeletClient kubelet) {
        this.kubelet = kubelet;
    }

    void serve(ApiHandler.Exchange ex, ResourceType type, ApiPath path) {
        String method = ex.request.getMethod();
        if (!path.namespace().isEmpty() && !type.namespaced()) {
            throw ApiError.NotFound.path();
        }
        if (type.namespaced() && path.namespace().isEmpty() && !path.name().isEmpty()) {
            throw ApiError.NotFound.path();
        }
        String ns = path.namespace();
        if (Reviews.isReview(type.group(), type.kind())) {
            if (!method.equals("POST") || !path.name().isEmpty() || (type.namespaced() && ns.isEmpty())) {
                throw new ApiError.MethodNotSupported();
            }
            byte[] raw = ex.body();
            ObjectNode review = access.reviews().create(type.kind(), ns,
                    Scheme.defaultTypeMeta(type.gvk(), decodeBody(ex, raw), raw));
            ex.json(201, review);
            return;
        }
        if (!path.subresource().isEmpty()) {
            if (!type.hasSubresource(path.subresource())) {
                throw ApiError.NotFound.path();
            }
            subresource(ex, type, ns, path.name(), path.subresource());
            return;
        }
        if (path.name().isEmpty()) {
            switch (method) {
                case "GET", "HEAD" -> {
                    if (isWatch(ex)) {
                        requireVerb(type, "watch");
                        watcher.watch(ex, type, ns);
                    } else {
                        requireVerb(type, "list");
                        list(ex, type, ns);
                    }
                }
                case "POST" -> {
                    requireVerb(type, "create");
                    if (type.namespaced() && ns.isEmpty()) {
                        throw new ApiError.MethodNotSupported();
                    }
                    create(ex, type, ns);
                }
                case "DELETE" -> {
                    requireVerb(type, "deletecollection");
                    deleteCollection(ex, type, ns);
                }
                default -> throw new ApiError.MethodNotSupported();
            }
            return;
        }
        String name = path.name();
        switch (method) {
            case "GET", "HEAD" -> {
                requireVerb(type, "get");
                get(ex, type, ns, name);
            }
            case "PUT" -> {
                requireVerb(type, "update");
                update(ex, type, ns, name, "");
            }
            case "PATCH" -> {
                requireVerb(type, "patch");
                patch(ex, type, ns, name, "");
            }
            case "DELETE" -> {
                requireVerb(type, "delete");
                delete(ex, type, ns, name);
            }
            default -> throw new ApiError.MethodNotSupported();
        }
    }

    /** Whether a GET of a collection is a watch: {@code watch} read as upstream reads a boolean parameter. */
    static boolean isWatch(ApiHandler.Exchange ex) {
        return ex.flag("watch");
    }

    private static void requireVerb(ResourceType type, String verb) {
        if (!type.hasVerb(verb)) {
            throw new ApiError.MethodNotSupported();
        }
    }

    // ------------------------------------------------------------------ reads

    private void get(ApiHandler.Exchange ex, ResourceType type, String ns, String name) {
        ObjectNode obj = objects.get(type, ns, name);
        respond(ex, type, 200, obj, List.of(obj), Long.parseLong(nonEmpty(Json.text(obj, "metadata.resourceVersion"), "0")));
    }

    private void list(ApiHandler.Exchange ex, ResourceType type, String ns) {
        LabelSelector labels = LabelSelector.parse(ex.param("labelSelector"));
        FieldSelector fields = FieldSelector.parse(ex.param("fieldSelector"), type);
        Store.Listing listing = objects.list(type, ns, labels, fields);
        respond(ex, type, 200, ObjectService.listObject(type, listing), listing.items(), listing.revision());
    }

    /** Writes an object or list in the negotiated form; Tables are built from {@code rows}. */
    private void respond(ApiHandler.Exchange ex, ResourceType type, int status, ObjectNode body, List<ObjectNode> rows, long revision) {
        switch (Negotiation.forObjects(ex.header("Accept"))) {
            case JSON -> ex.json(status, body);
            case YAML -> ex.yaml(status, body);
            case TABLE -> ex.json(status, TablePrinter.table(type, rows,
                    TablePrinter.IncludeObject.parse(ex.param("includeObject")), objects.clock().instant(),
                    Long.toString(revision), true));
        }
    }

    private void respondObject(ApiHandler.Exchange ex, ResourceType type, int status, ObjectNode obj) {
        respond(ex, type, status, obj, List.of(obj), Long.parseLong(nonEmpty(Json.text(obj, "metadata.resourceVersion"), "0")));
    }

    private static String nonEmpty(String s, String fallback) {
        return s.isEmpty() ? fallback : s;
    }

    // ------------------------------------------------------------------ writes

    private static boolean dryRun(ApiHandler.Exchange ex) {
        List<String> values = ex.params("dryRun");
        for (String v : values) {
            if (!v.equals("All")) {
                throw new ApiError.BadRequest("Invalid dry run value: " + v + ", supported values: [\"All\"]");
            }
        }
        return !values.isEmpty();
    }

    /** Decodes a JSON, YAML or protobuf body into an object tree (no field checks). */
    static ObjectNode decodeBody(ApiHandler.Exchange ex, byte[] body) {
        return decodeChecked(ex, null, body).object();
    }

    /**
     * Decodes a JSON, YAML or protobuf body; with a type, also finds its unknown and duplicate
     * fields for fieldValidation.
     */
    static FieldValidation.Decoded decodeChecked(ApiHandler.Exchange ex, ResourceType type, byte[] body) {
        String contentType = ex.header("Content-Type");
        MediaType mt = contentType.isEmpty() ? MediaType.parse(MediaType.JSON) : MediaType.parse(contentType);
        String essence = mt == null ? "" : mt.essence();
        JsonNode node;
        switch (essence) {
            case MediaType.JSON -> {
                String syntax = GoJson.unmarshalObjectError(body);
                if (!syntax.isEmpty() || body.length == 0) {
                    throw unrecognized(type, "couldn't get version/kind; json parse error: "
                            + (body.length == 0 ? "unexpected end of JSON input" : syntax), body);
                }
                if (type != null) {
                    return FieldValidation.decode(type.model(), body);
                }
                node = readJson(body);
            }
            case MediaType.YAML, "application/x-yaml", "text/yaml" -> {
                try {
                    node = Yaml.read(body);
                } catch (Yaml.YamlException e) {
                    throw unrecognized(type, "error converting YAML to JSON: " + e.getMessage(), body);
                }
            }
            case MediaType.PROTOBUF -> node = KubernetesProtobuf.decode(body);
            default -> throw new ApiError.UnsupportedMediaType("the body of the request was in an unknown format - "
                    + "accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw unrecognized(type, "couldn't get version/kind; json parse error: json: cannot unmarshal "
                    + (node.isArray() ? "array" : node.isTextual() ? "string" : "value")
                    + " into Go value of type struct { APIVersion string; Kind string }", body);
        }
        if (type == null) {
            return new FieldValidation.Decoded(obj, List.of());
        }
        return new FieldValidation.Decoded(obj, unknown(type, obj));
    }

    /** Upstream's transformDecodeError for a body whose kind could not even be read. */
    private static ApiError unrecognized(ResourceType type, String cause, byte[] body) {
        return Scheme.unrecognized(type == null ? "" : type.kind(), cause, body);
    }

    /**
     * Checks what must hold before field validation may speak: the kind and version, filled from the URL when
     * the body has none, are the URL's, and every value decodes into its Go type (upstream: {@code X in version
     * "v1" cannot be handled as a X}).
     */
    private static void checkDecodable(ResourceType type, ObjectNode obj, byte[] raw) {
        Scheme.defaultTypeMeta(type.gvk(), obj, raw);
        FieldValidation.typeError(type.model(), obj).ifPresent(err -> {
            throw new ApiError.BadRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
                    + type.kind() + ": " + err);
        });
    }

    static JsonNode readJson(byte[] body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new ApiError.BadRequest("the request body is empty");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiError.BadRequest("couldn't get version/kind; json parse error: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new ApiError.BadRequest("unable to read the request body: " + e.getMessage());
        }
    }

    /** Applies fieldValidation: Strict refuses unknown fields, Warn (the default) warns, Ignore does nothing. */
    private static void validateFields(ApiHandler.Exchange ex, ResourceType type, List<FieldValidation.StrictError> errors) {
        String mode = ex.param("fieldValidation");
        if (mode.isEmpty()) {
            mode = "Warn";
        }
        switch (mode) {
            case "Ignore" -> {
                return;
            }
            case "Warn", "Strict" -> { }
            default -> throw new ApiError.BadRequest("fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\"");
        }
        if (errors.isEmpty()) {
            return;
        }
        if (mode.equals("Strict")) {
            throw FieldValidation.strictDecodingError(type, errors);
        }
        for (FieldValidation.StrictError e : errors) {
            ex.response.getHeaders().add("Warning", e.warningHeader());
        }
    }

    private static List<FieldValidation.StrictError> unknown(ResourceType type, JsonNode obj) {
        List<FieldValidation.StrictError> errors = new ArrayList<>();
        for (String path : FieldValidation.unknownFields(type.model(), obj)) {
            errors.add(new FieldValidation.StrictError(FieldValidation.StrictError.Kind.UNKNOWN, path));
        }
        return errors;
    }

    private void create(ApiHandler.Exchange ex, ResourceType type, String ns) {
        boolean dryRun = dryRun(ex);
        byte[] raw = ex.body();
        FieldValidation.Decoded decoded = decodeChecked(ex, type, raw);
        checkDecodable(type, decoded.object(), raw);
        validateFields(ex, type, decoded.errors());
        // the decoded body is this request's alone: created from as it is, not from a copy
        Store.Written created = objects.createOwned(type, ns, decoded.object(), dryRun);
        if (!created.json().isEmpty() && Negotiation.forObjects(ex.header("Accept")) == Negotiation.Output.JSON) {
            // the store's text of the object is its JSON response
            ex.bytes(201, "application/json", created.json().getBytes(StandardCharsets.UTF_8));
            return;
        }
        respondObject(ex, type, 201, created.object());
    }

    private void update(ApiHandler.Exchange ex, ResourceType type, String ns, String name, String subresource) {
        boolean dryRun = dryRun(ex);
        byte[] raw = ex.body();
        FieldValidation.Decoded decoded = decodeChecked(ex, type, raw);
        checkDecodable(type, decoded.object(), raw);
        validateFields(ex, type, decoded.errors());
        ObjectNode body = decoded.object();
        ObjectNode updated = objects.update(type, ns, name, body, subresource, dryRun);
        respondObject(ex, type, 200, updated);
    }

    private void patch(ApiHandler.Exchange ex, ResourceType type, String ns, String name, String subresource) {
        boolean dryRun = dryRun(ex);
        PatchType patchType = PatchType.fromContentType(ex.header("Content-Type"))
                .orElseThrow(() -> new ApiError.UnsupportedMediaType("the body of the request was in an unknown format - "
                        + "accepted media types include: application/json-patch+json, application/merge-patch+json, "
                        + "application/apply-patch+yaml, application/strategic-merge-patch+json"));
        if (patchType == PatchType.APPLY_PATCH && ex.param("fieldManager").isEmpty()) {
            throw new ApiError.BadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
                    + "is required for apply patch");
        }
        byte[] body = ex.body();
        ObjectNode patched = objects.patch(type, ns, name, patchType, body, subresource, dryRun,
                result -> {
                    FieldValidation.typeError(type.model(), result).ifPresent(err -> {
                        throw new ApiError.BadRequest(type.kind() + " in version \"" + type.version()
                                + "\" cannot be handled as a " + type.kind() + ": " + err);
                    });
                    validateFields(ex, type, unknown(type, result));
                });
        respondObject(ex, type, 200, patched);
    }

    private void delete(ApiHandler.Exchange ex, ResourceType type, String ns, String name) {
        DeleteOptions options = deleteOptions(ex);
        if (options.propagationPolicy().isEmpty() && ObjectService.orphansByDefault(type)) {
            // batch/v1 Jobs orphan their pods unless told otherwise (pkg/registry/batch/job/storage)
            ex.warn("child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to "
                    + "remove them or set propagationPolicy=Orphan to suppress this warning");
        }
        ObjectService.Deleted deleted = objects.delete(type, ns, name, options);
        if (type.kind().equals("Pod") || type.kind().equals("Namespace") || !deleted.gone()) {
            respondObject(ex, type, 200, deleted.object());
            return;
        }
        ex.json(200, successStatus(type, name, Json.text(deleted.object(), "metadata.uid")));
    }

    private void deleteCollection(ApiHandler.Exchange ex, ResourceType type, String ns) {
        DeleteOptions options = deleteOptions(ex);
        LabelSelector labels = LabelSelector.parse(ex.param("labelSelector"));
        FieldSelector fields = FieldSelector.parse(ex.param("fieldSelector"), type);
        Store.Listing listing = objects.list(type, ns, labels, fields);
        List<ObjectNode> items = new ArrayList<>();
        for (ObjectNode o : listing.items()) {
            try {
                items.add(objects.delete(type, Json.namespace(o), Json.name(o), options).object());
            } catch (ApiError.NotFound e) {
                // deleted concurrently: nothing to report
            }
        }
        ex.json(200, ObjectService.listObject(type, new Store.Listing(objects.store().revision(), items)));
    }

    static ObjectNode successStatus(ResourceType type, String name, String uid) {
        ObjectNode status = Json.object();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Success");
        ObjectNode details = status.putObject("details");
        details.put("name", name);
        if (!type.group().isEmpty()) {
            details.put("group", type.group());
        }
        details.put("kind", type.plural());
        if (!uid.isEmpty()) {
            details.put("uid", uid);
        }
        return status;
    }

    private static DeleteOptions deleteOptions(ApiHandler.Exchange ex) {
        byte[] body = ex.body();
        OptionalLong grace = OptionalLong.empty();
        String uid = "";
        String rv = "";
        String propagation = "";
        boolean dryRun = dryRun(ex);
        if (body.length > 0) {
            JsonNode opts = readJson(body);
            if (opts.has("gracePeriodSeconds") && opts.get("gracePeriodSeconds").isNumber()) {
                grace = OptionalLong.of(opts.get("gracePeriodSeconds").asLong());
            }
            uid = opts.path("preconditions").path("uid").asText("");
            rv = opts.path("preconditions").path("resourceVersion").asText("");
            propagation = opts.path("propagationPolicy").asText("");
            for (JsonNode d : opts.path("dryRun")) {
                if (!d.asText().equals("All")) {
                    throw new ApiError.BadRequest("Invalid dry run value: " + d.asText() + ", supported values: [\"All\"]");
                }
                dryRun = true;
            }
        }
        String q = ex.param("gracePeriodSeconds");
        if (!q.isEmpty()) {
            try {
                grace = OptionalLong.of(Long.parseLong(q));
            } catch (NumberFormatException e) {
                throw new ApiError.BadRequest("invalid gracePeriodSeconds: " + q);
            }
        }
        if (!ex.param("propagationPolicy").isEmpty()) {
            propagation = ex.param("propagationPolicy");
        }
        if (!propagation.isEmpty() && !List.of("Orphan", "Background", "Foreground").contains(propagation)) {
            throw new ApiError.BadRequest("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \""
                    + propagation + "\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
        }
        return new DeleteOptions(grace, uid, rv, propagation, dryRun);
    }

    // ------------------------------------------------------------------ subresources

    private void subresource(ApiHandler.Exchange ex, ResourceType type, String ns, String name, String sub) {
        String method = ex.request.getMethod();
        switch (sub) {
            case "status", "approval" -> {
                switch (method) {
                    case "GET", "HEAD" -> get(ex, type, ns, name);
                    case "PUT" -> update(ex, type, ns, name, sub);
                    case "PATCH" -> patch(ex, type, ns, name, sub);
                    default -> throw new ApiError.MethodNotSupported();
                }
            }
            case "binding" -> {
                if (!method.equals("POST")) {
                    throw new ApiError.MethodNotSupported();
                }
                bind(ex, type, ns, name);
            }
            case "log" -> {
                if (!method.equals("GET")) {
                    throw new ApiError.MethodNotSupported();
                }
                log(ex, type, ns, name);
            }
            case "exec" -> ExecEndpoint.serve(ex, objects.get(type, ns, name), name, Optional.ofNullable(kubelet));
            case "attach" -> ExecEndpoint.serveAttach(ex, objects.get(type, ns, name), name, Optional.ofNullable(kubelet));
            case "portforward" -> PortForwardEndpoint.serve(ex, objects.get(type, ns, name), name,
                    Optional.ofNullable(kubelet));
            case "proxy" -> {
                if (type.plural().equals("pods")) {
                    ProxyEndpoint.servePod(ex, objects, type, ns, name);
                } else {
                    ProxyEndpoint.serveService(ex, objects, type, ns, name);
                }
            }
            case "token" -> {
                if (!method.equals("POST")) {
                    throw new ApiError.MethodNotSupported();
                }
                byte[] raw = ex.body();
                ex.json(201, access.tokenRequests().create(ns, name, Scheme.defaultTypeMeta(
                        type.subresource("token").orElseThrow().gvk(), decodeBody(ex, raw), raw)));
            }
            case "scale" -> scale(ex, type, ns, name);
            case "eviction" -> {
                if (!method.equals("POST")) {
                    throw new ApiError.MethodNotSupported();
                }
                ex.json(201, evictions.evict(type, ns, name, decodeBody(ex, ex.body()), dryRun(ex)));
            }
            default -> throw new ApiError.MethodNotSupported();
        }
    }

    /** GET, PUT and PATCH of {@code scale}: an autoscaling/v1 Scale whose writes change {@code spec.replicas}. */
    private void scale(ApiHandler.Exchange ex, ResourceType type, String ns, String name) {
        switch (ex.request.getMethod()) {
            case "GET", "HEAD" -> ex.json(200, scales.get(type, ns, name));
            case "PUT" -> {
                boolean dryRun = dryRun(ex);
                byte[] raw = ex.body();
                FieldValidation.Decoded decoded = decodeChecked(ex, Scales.SCALE, raw);
                checkDecodable(Scales.SCALE, decoded.object(), raw);
                validateFields(ex, Scales.SCALE, decoded.errors());
                ex.json(200, scales.update(type, ns, name, decoded.object(), dryRun));
            }
            case "PATCH" -> {
                boolean dryRun = dryRun(ex);
                PatchType patchType = PatchType.fromContentType(ex.header("Content-Type"))
                        .filter(t -> t != PatchType.APPLY_PATCH)
                        .orElseThrow(() -> new ApiError.UnsupportedMediaType("the body of the request was in an unknown "
                                + "format - accepted media types include: application/json-patch+json, "
                                + "application/merge-patch+json, application/strategic-merge-patch+json"));
                ex.json(200, scales.patch(type, ns, name, patchType, ex.body(), dryRun));
            }
            default -> throw new ApiError.MethodNotSupported();
        }
    }

    private void bind(ApiHandler.Exchange ex, ResourceType type, String ns, String name) {
        byte[] raw = ex.body();
        ObjectNode binding = Scheme.defaultTypeMeta(type.subresource("binding").orElseThrow().gvk(),
                decodeBody(ex, raw), raw);
        if (!Json.text(binding, "metadata.name").equals(name)) {
            throw new ApiError.BadRequest("name in URL does not match name in Binding object");
        }
        String node = Json.text(binding, "target.name");
        if (node.isEmpty()) {
            throw new ApiError.Invalid("Binding", name, List.of(
                    ApiError.Cause.field("FieldValueRequired", "target.name", "Required value")));
        }
        objects.bind(ns, name, node);
        ex.json(201, successStatus(type, name, ""));
    }

    private void log(ApiHandler.Exchange ex, ResourceType type, String ns, String name) {
        ObjectNode pod = objects.get(type, ns, name);
        String node = Json.text(pod, "spec.nodeName");
        String container = logContainer(pod, name, ex.param("container"));
        LogQuery query = logQuery(ex);
        KubeletClient source = kubelet;
        if (node.isEmpty()) {
            ex.text(200, "");
            return;
        }
        if (source == null) {
            throw new ApiError.BadRequest("logs are not available for pod \"" + name + "\": no kubelet serves node \""
                    + node + "\" yet");
        }
        try (InputStream in = source.log(ns, name, Json.text(pod, "metadata.uid"), container, query)) {
            OutputStream out = null;
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (out == null) {
                    out = ex.startStream(200, "text/plain");
                }
                out.write(buffer, 0, n);
                if (query.follow()) {
                    out.flush();
                }
            }
            if (out == null) {
                ex.text(200, "");
            }
        } catch (IOException e) {
            // the client went away (or the log could not be read further): the response just ends
        }
    }

    /** Upstream's container defaulting for logs: the only container, else the one named, else an error. */
    static String logContainer(ObjectNode pod, String podName, String requested) {
        List<String> containers = new ArrayList<>();
        for (JsonNode c : pod.path("spec").path("containers")) {
            containers.add(c.path("name").asText());
        }
        List<String> init = new ArrayList<>();
        for (JsonNode c : pod.path("spec").path("initContainers")) {
            init.add(c.path("name").asText());
        }
        if (requested.isEmpty()) {
            if (containers.size() == 1) {
                return containers.getFirst();
            }
            String message = "a container name must be specified for pod " + podName + ", choose one of: ["
                    + String.join(" ", containers) + "]";
            if (!init.isEmpty()) {
                message += " or one of the init containers: [" + String.join(" ", init) + "]";
            }
            throw new ApiError.BadRequest(message);
        }
        if (!containers.contains(requested) && !init.contains(requested)) {
            throw new ApiError.BadRequest("container " + requested + " is not valid for pod " + podName);
        }
        return requested;
    }

    private static LogQuery logQuery(ApiHandler.Exchange ex) {
        OptionalLong sinceSeconds = longParam(ex, "sinceSeconds");
        Optional<Instant> sinceTime = Optional.empty();
        if (!ex.param("sinceTime").isEmpty()) {
            try {
                sinceTime = Optional.of(Instant.parse(ex.param("sinceTime")));
            } catch (DateTimeParseException e) {
                throw new ApiError.BadRequest("parsing time \"" + ex.param("sinceTime") + "\" as \"2006-01-02T15:04:05Z07:00\": "
                        + "cannot parse \"" + ex.param("sinceTime") + "\" as \"2006\"");
            }
        }
        if (sinceSeconds.isPresent() && sinceTime.isPresent()) {
            throw new ApiError.BadRequest("at most one of sinceTime or sinceSeconds may be specified");
        }
        if (sinceSeconds.isPresent() && sinceSeconds.getAsLong() < 1) {
            throw new ApiError.BadRequest("sinceSeconds: Invalid value: " + sinceSeconds.getAsLong()
                    + ": must be greater than 0");
        }
        OptionalLong tail = longParam(ex, "tailLines");
        if (tail.isPresent() && tail.getAsLong() < 0) {
            tail = OptionalLong.empty(); // upstream: a negative tail means the whole log
        }
        OptionalLong limit = longParam(ex, "limitBytes");
        if (limit.isPresent() && limit.getAsLong() < 1) {
            throw new ApiError.BadRequest("limitBytes: Invalid value: " + limit.getAsLong() + ": must be greater than 0");
        }
        return new LogQuery(ex.flag("follow"), ex.flag("previous"), tail, ex.flag("timestamps"), sinceSeconds,
                sinceTime, limit);
    }

    private static OptionalLong longParam(ApiHandler.Exchange ex, String name) {
        String v = ex.param(name);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new ApiError.BadRequest("strconv.ParseInt: parsing \"" + v + "\": invalid syntax");
        }
    }
}
