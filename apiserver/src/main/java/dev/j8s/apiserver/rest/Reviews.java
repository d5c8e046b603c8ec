package dev.j8s.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.Authenticator;
import dev.j8s.apiserver.authentication.RequestUser;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The review APIs, answered from the request and never stored: SelfSubjectReview and TokenReview
 * ({@code authentication.k8s.io}), SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview and
 * SelfSubjectRulesReview ({@code authorization.k8s.io}); upstream's {@code pkg/registry/authentication} and
 * {@code pkg/registry/authorization}. Thread-safe.
 */
public final class Reviews {

    private final Authorizer authorizer;
    private final Authenticator authenticator;
    private final List<String> apiAudiences;
    private final java.time.Clock clock;

    public Reviews(Authorizer authorizer, Authenticator authenticator, List<String> apiAudiences, java.time.Clock clock) {
        this.authorizer = authorizer;
        this.authenticator = authenticator;
        this.apiAudiences = List.copyOf(apiAudiences);
        this.clock = clock;
    }

    /** Whether {@code kind} is a review this class answers. */
    public static boolean isReview(String group, String kind) {
        return switch (group + "/" + kind) {
            case "authentication.k8s.io/SelfSubjectReview", "authentication.k8s.io/TokenReview",
                 "authorization.k8s.io/SelfSubjectAccessReview", "authorization.k8s.io/SubjectAccessReview",
                 "authorization.k8s.io/LocalSubjectAccessReview", "authorization.k8s.io/SelfSubjectRulesReview" -> true;
            default -> false;
        };
    }

    /**
     * Answers a review of {@code kind} posted to its collection ({@code namespace} for the local access review):
     * the request echoed with its {@code status}. {@code body} is decoded, its apiVersion and kind checked.
     */
    public ObjectNode create(String kind, String namespace, ObjectNode body) {
        ObjectNode review = body.deepCopy();
        ObjectNode meta = Json.child(review, "metadata");
        meta.put("creationTimestamp", ObjectService.timestamp(clock.instant()));
        review.remove("status");
        UserInfo caller = RequestUser.current();
        switch (kind) {
            case "SelfSubjectReview" -> review.putObject("status").set("userInfo", userInfo(caller));
            case "TokenReview" -> tokenReview(review);
            case "SelfSubjectAccessReview" -> {
                JsonNode spec = review.path("spec");
                accessSpec(kind, spec, false);
                access(review, caller, spec);
            }
            case "SubjectAccessReview", "LocalSubjectAccessReview" -> {
                JsonNode spec = review.path("spec");
                accessSpec(kind, spec, true);
                if (kind.equals("LocalSubjectAccessReview")) {
                    String ns = spec.path("resourceAttributes").path("namespace").asText("");
                    if (spec.has("nonResourceAttributes") || !ns.equals(namespace)) {
                        throw new ApiError.Invalid("authorization.k8s.io", kind, "", List.of(ApiError.Cause.field("FieldValueInvalid",
                                "spec.resourceAttributes.namespace", "Invalid value: \"" + ns
                                        + "\": must match metadata.namespace")));
                    }
                    meta.put("namespace", namespace);
                }
                access(review, subject(spec), spec);
            }
            case "SelfSubjectRulesReview" -> rules(review, caller);
            default -> throw new ApiError.MethodNotSupported();
        }
        return review;
    }

    private static ObjectNode userInfo(UserInfo user) {
        ObjectNode info = Json.object();
        info.put("username", user.name());
        if (!user.uid().isEmpty()) {
            info.put("uid", user.uid());
        }
        if (!user.groups().isEmpty()) {
            ArrayNode groups = info.putArray("groups");
            user.groups().forEach(groups::add);
        }
        if (!user.extra().isEmpty()) {
            ObjectNode extra = info.putObject("extra");
            user.extra().forEach((k, vs) -> {
                ArrayNode a = extra.putArray(k);
                vs.forEach(a::add);
            });
        }
        return info;
    }

    private void tokenReview(ObjectNode review) {
        String token = review.path("spec").path("token").asText("");
        List<String> wanted = new ArrayList<>();
        review.path("spec").path("audiences").forEach(a -> wanted.add(a.asText()));
        ObjectNode status = review.putObject("status");
        Optional<UserInfo> user = token.isEmpty() ? Optional.empty() : authenticator.tokenUser(token);
        if (user.isPresent() && (wanted.isEmpty() || wanted.stream().anyMatch(apiAudiences::contains))) {
            status.put("authenticated", true);
            status.set("user", userInfo(user.get()));
            ArrayNode audiences = status.putArray("audiences");
            (wanted.isEmpty() ? apiAudiences : wanted.stream().filter(apiAudiences::contains).toList())
                    .forEach(audiences::add);
        } else {
            status.putObject("user");
            status.put("error", "[invalid bearer token, token lookup failed]");
        }
        Json.child(review, "spec").remove("token"); // never echo a credential
    }

    private static void accessSpec(String kind, JsonNode spec, boolean needsSubject) {
        List<ApiError.Cause> causes = new ArrayList<>();
        boolean resource = spec.path("resourceAttributes").isObject();
        boolean nonResource = spec.path("nonResourceAttributes").isObject();
        if (resource && nonResource) {
            causes.add(ApiError.Cause.field("FieldValueInvalid", "spec.nonResourceAttributes",
                    "Invalid value: \"null\": cannot be specified in combination with resourceAttributes"));
        }
        if (!resource && !nonResource) {
            causes.add(ApiError.Cause.field("FieldValueInvalid", "spec.resourceAttributes",
                    "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified"));
        }
        if (needsSubject && spec.path("user").asText("").isEmpty() && spec.path("groups").isEmpty()) {
            causes.add(ApiError.Cause.field("FieldValueInvalid", "spec.user",
                    "Invalid value: \"\": at least one of user or group must be specified"));
        }
        if (!causes.isEmpty()) {
            String group = "authorization.k8s.io";
            throw new ApiError.Invalid(group, kind, "", causes);
        }
    }

    private static UserInfo subject(JsonNode spec) {
        List<String> groups = new ArrayList<>();
        spec.path("groups").forEach(g -> groups.add(g.asText()));
        Map<String, List<String>> extra = new LinkedHashMap<>();
        spec.path("extra").properties().forEach(e -> {
            List<String> values = new ArrayList<>();
            e.getValue().forEach(v -> values.add(v.asText()));
            extra.put(e.getKey(), values);
        });
        return new UserInfo(spec.path("user").asText(""), spec.path("uid").asText(""), groups, extra);
    }

    private void access(ObjectNode review, UserInfo user, JsonNode spec) {
        Attributes attributes;
        if (spec.path("resourceAttributes").isObject()) {
            JsonNode r = spec.path("resourceAttributes");
            attributes = Attributes.resource(user, r.path("verb").asText(""), r.path("group").asText(""),
                    r.path("version").asText(""), r.path("namespace").asText(""), r.path("resource").asText(""),
                    r.path("subresource").asText(""), r.path("name").asText(""));
        } else {
            JsonNode n = spec.path("nonResourceAttributes");
            attributes = Attributes.nonResource(user, n.path("verb").asText(""), n.path("path").asText(""));
        }
        Decision d = authorizer.authorize(attributes);
        ObjectNode status = review.putObject("status");
        status.put("allowed", d.allowed());
        if (d.kind() == Decision.Kind.DENY) {
            status.put("denied", true);
        }
        if (!d.reason().isEmpty()) {
            status.put("reason", d.reason());
        }
    }

    private void rules(ObjectNode review, UserInfo user) {
        String namespace = review.path("spec").path("namespace").asText("");
        Authorizer.Rules rules = authorizer.rulesFor(user, namespace);
        ObjectNode status = review.putObject("status");
        ArrayNode resources = status.putArray("resourceRules");
        for (Authorizer.ResourceRule r : rules.resourceRules()) {
            ObjectNode o = resources.addObject();
            strings(o, "verbs", r.verbs(), true);
            strings(o, "apiGroups", r.apiGroups(), false);
            strings(o, "resources", r.resources(), false);
            strings(o, "resourceNames", r.resourceNames(), false);
        }
        ArrayNode nonResources = status.putArray("nonResourceRules");
        for (Authorizer.NonResourceRule r : rules.nonResourceRules()) {
            ObjectNode o = nonResources.addObject();
            strings(o, "verbs", r.verbs(), true);
            strings(o, "nonResourceURLs", r.nonResourceURLs(), false);
        }
        status.put("incomplete", rules.incomplete());
        if (!rules.evaluationError().isEmpty()) {
            status.put("evaluationError", rules.evaluationError());
        }
    }

    private static void strings(ObjectNode o, String field, List<String> values, boolean always) {
        if (values.isEmpty() && !always) {
            return;
        }
        ArrayNode a = o.putArray(field);
        values.forEach(a::add);
    }
}
