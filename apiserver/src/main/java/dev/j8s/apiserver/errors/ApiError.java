package dev.j8s.apiserver.errors;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The closed family of API errors; each renders the {@code Status} object upstream's
 * apiserver returns for it (k8s.io/apimachinery/pkg/api/errors). Immutable and thread-safe.
 *
 * <p>{@code resource} is the plural resource name qualified by its group for non-core groups
 * ({@code pods}, {@code leases.coordination.k8s.io}), exactly as upstream prints it.
 */
public abstract sealed class ApiError extends RuntimeException {

    /** One entry of {@code details.causes}: a field error or a plain cause. */
    public record Cause(String reason, String message, String field) {
        public static Cause field(String reason, String field, String message) {
            return new Cause(reason, message, field);
        }
    }

    private ApiError(String message) {
        super(message, null, false, false);
    }

    public abstract int code();

    public abstract String reason();

    /** The Status object for this error, ready to be written as the response body. */
    public ObjectNode toStatus() {
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", getMessage());
        if (!reason().isEmpty()) {
            status.put("reason", reason());
        }
        ObjectNode details = details();
        if (details != null && !details.isEmpty()) {
            status.set("details", details);
        }
        status.put("code", code());
        return status;
    }

    /** The {@code details} object, or null when upstream sends none. */
    protected ObjectNode details() {
        return null;
    }

    static ObjectNode nameKind(String name, String resource) {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        if (!name.isEmpty()) {
            d.put("name", name);
        }
        int dot = resource.indexOf('.');
        if (dot > 0) {
            d.put("group", resource.substring(dot + 1));
            d.put("kind", resource.substring(0, dot));
        } else if (!resource.isEmpty()) {
            d.put("kind", resource);
        }
        return d;
    }

    /** 404: {@code pods "x" not found}. */
    public static final class NotFound extends ApiError {
        private final String resource;
        private final String name;

        public NotFound(String resource, String name) {
            super(resource + " \"" + name + "\" not found");
            this.resource = resource;
            this.name = name;
        }

        private NotFound(String message, boolean raw) {
            super(message);
            this.resource = "";
            this.name = "";
        }

        /** The generic 404 for an unknown path. */
        public static NotFound path() {
            return new NotFound("the server could not find the requested resource", true);
        }

        @Override public int code() { return 404; }
        @Override public String reason() { return "NotFound"; }
        @Override protected ObjectNode details() { return nameKind(name, resource); }
    }

    /** 409: {@code pods "x" already exists}. */
    public static final class AlreadyExists extends ApiError {
        private final String resource;
        private final String name;

        public AlreadyExists(String resource, String name) {
            super(resource + " \"" + name + "\" already exists");
            this.resource = resource;
            this.name = name;
        }

        @Override public int code() { return 409; }
        @Override public String reason() { return "AlreadyExists"; }
        @Override protected ObjectNode details() { return nameKind(name, resource); }
    }

    /** 409: optimistic-concurrency failure, worded as upstream. */
    public static final class Conflict extends ApiError {
        private final String resource;
        private final String name;

        public Conflict(String resource, String name) {
            this(resource, name, "the object has been modified; please apply your changes to the latest version and try again");
        }

        public Conflict(String resource, String name, String why) {
            super("Operation cannot be fulfilled on " + resource + " \"" + name + "\": " + why);
            this.resource = resource;
            this.name = name;
        }

        @Override public int code() { return 409; }
        @Override public String reason() { return "Conflict"; }
        @Override protected ObjectNode details() { return nameKind(name, resource); }
    }

    /** 422: {@code Pod "x" is invalid: spec.containers: Required value}. */
    public static final class Invalid extends ApiError {
        private final String kind;
        private final String group;
        private final String name;
        private final List<Cause> causes;
        private String serverMessage = "";

        public Invalid(String kind, String name, List<Cause> causes) {
            this("", kind, name, causes);
        }

        public Invalid(String group, String kind, String name, List<Cause> causes) {
            this(message(group, kind, name, causes), group, kind, name, causes);
        }

        private Invalid(String message, String group, String kind, String name, List<Cause> causes) {
            super(message);
            this.kind = kind;
            this.group = group;
            this.name = name;
            this.causes = List.copyOf(causes);
        }

        /**
         * Upstream's generic 422 for a request it could not apply (a JSON patch whose operation
         * fails): kubectl prints {@code The request is invalid: the server rejected our request due
         * to an error in our request}. Like upstream, the Status carries no cause.
         */
        public static Invalid rejected(String serverMessage) {
            Invalid e = new Invalid("the server rejected our request due to an error in our request", "", "", "", List.of());
            e.serverMessage = serverMessage;
            return e;
        }

        /**
         * A 422 an admission plugin words itself ({@code metadata.labels[…]: Invalid value: …}), with the object's
         * name and resource as details and no causes, as upstream's admission errors carry them.
         */
        public static Invalid fromAdmission(String resource, String name, String message) {
            return new Invalid(message, "", resource, name, List.of());
        }

        /** For {@link #rejected}: why the request could not be applied (kept for logs and tests, not sent). */
        public String serverMessage() {
            return serverMessage;
        }

        private static String message(String group, String kind, String name, List<Cause> causes) {
            String qualified = group.isEmpty() ? kind : kind + "." + group;
            StringBuilder sb = new StringBuilder(qualified).append(" \"").append(name).append("\" is invalid: ");
            if (causes.size() == 1) {
                sb.append(render(causes.getFirst()));
            } else {
                sb.append('[');
                for (int i = 0; i < causes.size(); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    sb.append(render(causes.get(i)));
                }
                sb.append(']');
            }
            return sb.toString();
        }

        private static String render(Cause c) {
            return c.field().isEmpty() ? c.message() : c.field() + ": " + c.message();
        }

        public List<Cause> causes() {
            return causes;
        }

        @Override public int code() { return 422; }
        @Override public String reason() { return "Invalid"; }

        @Override
        protected ObjectNode details() {
            ObjectNode d = JsonNodeFactory.instance.objectNode();
            if (!name.isEmpty()) {
                d.put("name", name);
            }
            if (!group.isEmpty()) {
                d.put("group", group);
            }
            if (!kind.isEmpty()) {
                d.put("kind", kind);
            }
            var arr = d.putArray("causes");
            for (Cause c : causes) {
                ObjectNode o = arr.addObject();
                o.put("reason", c.reason());
                o.put("message", c.message());
                if (!c.field().isEmpty()) {
                    o.put("field", c.field());
                }
            }
            return d;
        }
    }

    /** 400 with reason BadRequest. */
    public static final class BadRequest extends ApiError {
        public BadRequest(String message) { super(message); }
        @Override public int code() { return 400; }
        @Override public String reason() { return "BadRequest"; }
    }

    /** 410: a resourceVersion older than the retained change log. */
    public static final class Gone extends ApiError {
        public Gone(String message) { super(message); }
        @Override public int code() { return 410; }
        @Override public String reason() { return "Expired"; }
    }

    /** 403 with reason Forbidden. */
    public static final class Forbidden extends ApiError {
        private final ObjectNode details;

        public Forbidden(String message) {
            super(message);
            this.details = null;
        }

        private Forbidden(String message, ObjectNode details) {
            super(message);
            this.details = details;
        }

        /**
         * Upstream's {@code NewForbidden}: {@code pods "x" is forbidden: why} ({@code pods is forbidden: why} without
         * a name, {@code forbidden: why} without a resource), with group, resource and name as details.
         *
         * @param resource the plural resource, qualified by its group for non-core groups
         */
        public static Forbidden of(String resource, String name, String why) {
            String message;
            if (resource.isEmpty()) {
                message = "forbidden: " + why;
            } else if (name.isEmpty()) {
                message = resource + " is forbidden: " + why;
            } else {
                message = resource + " \"" + name + "\" is forbidden: " + why;
            }
            return new Forbidden(message, nameKind(name, resource));
        }

        /** {@link #of(String, String, String)} for a resource given apart from its group. */
        public static Forbidden of(String group, String resource, String name, String why) {
            return of(group.isEmpty() || resource.isEmpty() ? resource : resource + "." + group, name, why);
        }

        @Override public int code() { return 403; }
        @Override public String reason() { return "Forbidden"; }
        @Override protected ObjectNode details() { return details; }
    }

    /** 401: no or a wrong bearer token. */
    public static final class Unauthorized extends ApiError {
        public Unauthorized() { super("Unauthorized"); }
        @Override public int code() { return 401; }
        @Override public String reason() { return "Unauthorized"; }
    }

    /** 405: the verb is not served for this resource. */
    public static final class MethodNotSupported extends ApiError {
        public MethodNotSupported() { super("the server does not allow this method on the requested resource"); }
        @Override public int code() { return 405; }
        @Override public String reason() { return "MethodNotAllowed"; }
    }

    /** 415: a request body in a format we do not read. */
    public static final class UnsupportedMediaType extends ApiError {
        public UnsupportedMediaType(String message) { super(message); }
        @Override public int code() { return 415; }
        @Override public String reason() { return "UnsupportedMediaType"; }
    }

    /** 406: nothing in Accept that we can produce. */
    public static final class NotAcceptable extends ApiError {
        public NotAcceptable(String message) { super(message); }
        @Override public int code() { return 406; }
        @Override public String reason() { return "NotAcceptable"; }
    }

    /** 413: the request body exceeds the limit. */
    public static final class RequestEntityTooLarge extends ApiError {
        public RequestEntityTooLarge(String message) { super(message); }
        @Override public int code() { return 413; }
        @Override public String reason() { return "RequestEntityTooLarge"; }
    }

    /** 429: too many requests in flight. */
    public static final class TooManyRequests extends ApiError {
        private final List<Cause> causes;

        public TooManyRequests() {
            this("Too many requests, please try again later.", List.of());
        }

        /** A refusal that may succeed later, with its causes ({@code DisruptionBudget} for an eviction). */
        public TooManyRequests(String message, List<Cause> causes) {
            super(message);
            this.causes = List.copyOf(causes);
        }

        @Override public int code() { return 429; }
        @Override public String reason() { return "TooManyRequests"; }

        @Override
        protected ObjectNode details() {
            if (causes.isEmpty()) {
                return null;
            }
            ObjectNode d = JsonNodeFactory.instance.objectNode();
            var arr = d.putArray("causes");
            for (Cause c : causes) {
                arr.addObject().put("reason", c.reason()).put("message", c.message());
            }
            return d;
        }
    }

    /** 504: the request did not finish within its deadline. */
    public static final class Timeout extends ApiError {
        public Timeout(String message) { super(message); }
        @Override public int code() { return 504; }
        @Override public String reason() { return "Timeout"; }
    }

    /**
     * 500 without a reason: an error upstream's REST layer passes on unconverted, whose Status carries only its
     * text (e.g. {@code Get "https://10.0.0.5:10250/containerLogs/...": dial tcp 10.0.0.5:10250: connect: connection
     * refused} when a node's kubelet cannot be reached).
     */
    public static final class Unknown extends ApiError {
        public Unknown(String message) { super(message); }
        @Override public int code() { return 500; }
        @Override public String reason() { return ""; }
    }

    /** 503: what the request needs is not there to serve it, e.g. a service without endpoints to proxy to. */
    public static final class ServiceUnavailable extends ApiError {
        public ServiceUnavailable(String message) { super(message); }
        @Override public int code() { return 503; }
        @Override public String reason() { return "ServiceUnavailable"; }
    }

    /** 500: a bug or an unreadable stored object; the message names it. */
    public static final class InternalError extends ApiError {
        public InternalError(String message) { super("Internal error occurred: " + message); }
        @Override public int code() { return 500; }
        @Override public String reason() { return "InternalError"; }

        @Override
        protected ObjectNode details() {
            ObjectNode d = JsonNodeFactory.instance.objectNode();
            d.putArray("causes").addObject().put("message", getMessage().substring("Internal error occurred: ".length()));
            return d;
        }
    }
}
