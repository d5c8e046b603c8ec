package dev.j8s.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.admission.Admission;
import dev.j8s.apiserver.authentication.ServiceAccountTokens;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code serviceaccounts/token} subresource (TokenRequest), as upstream's
 * {@code pkg/registry/core/serviceaccount/storage/token.go}: audiences defaulted to the API's, expiry defaulted to
 * 3600 s and at least 600 s, bound to a pod (and its node) or a secret whose UID must match, a pod-bound 3607 s
 * token for the API's audiences extended to a year with a warn-after time; the response echoes the request with
 * the token and its expiry. Thread-safe.
 */
public final class TokenRequests {

    static final String GROUP = "authentication.k8s.io";
    /** The expiry a pod's token volume asks for, which the server extends (upstream's WarnOnlyBoundTokenExpirationSeconds). */
    static final long WARN_ONLY_EXPIRATION_SECONDS = 3607;
    /** What such a token's JWT really lasts: one year (upstream's ExpirationExtensionSeconds). */
    static final Duration EXTENDED_EXPIRATION = Duration.ofDays(365);
    private static final long MIN_EXPIRATION_SECONDS = 600;
    private static final long MAX_EXPIRATION_SECONDS = 1L << 32;

    private final ObjectService objects;
    private final Admission admission;
    private final ServiceAccountTokens tokens;

    public TokenRequests(ObjectService objects, Admission admission, ServiceAccountTokens tokens) {
        this.objects = objects;
        this.admission = admission;
        this.tokens = tokens;
    }

    /**
     * Answers a TokenRequest for {@code namespace/serviceAccount}; the response for 201. {@code body} is decoded,
     * its apiVersion and kind checked.
     */
    public ObjectNode create(String namespace, String serviceAccount, ObjectNode body) {
        ObjectNode request = body.deepCopy();
        ObjectNode meta = Json.child(request, "metadata");
        String bodyName = Json.text(meta, "name");
        if (!bodyName.isEmpty() && !bodyName.equals(serviceAccount)) {
            throw new ApiError.Invalid(GROUP, "TokenRequest", serviceAccount, List.of(ApiError.Cause.field(
                    "FieldValueInvalid", "metadata.name", "Invalid value: " + quote(bodyName)
                            + ": must match the service account name if specified")));
        }
        String bodyNamespace = Json.text(meta, "namespace");
        if (!bodyNamespace.isEmpty() && !bodyNamespace.equals(namespace)) {
            throw new ApiError.Invalid(GROUP, "TokenRequest", serviceAccount, List.of(ApiError.Cause.field(
                    "FieldValueInvalid", "metadata.namespace", "Invalid value: " + quote(bodyNamespace)
                            + ": must match the service account namespace if specified")));
        }
        ObjectNode sa = objects.store().get("serviceaccounts", namespace, serviceAccount)
                .orElseThrow(() -> new ApiError.NotFound("serviceaccounts", serviceAccount));
        ObjectNode spec = Json.child(request, "spec");
        List<String> audiences = new ArrayList<>();
        spec.path("audiences").forEach(a -> audiences.add(a.asText()));
        if (audiences.isEmpty()) {
            audiences.addAll(tokens.apiAudiences());
            ArrayNode a = spec.putArray("audiences");
            audiences.forEach(a::add);
        }
        if (!spec.path("expirationSeconds").isNumber()) {
            spec.put("expirationSeconds", 3600);
        }
        long seconds = spec.path("expirationSeconds").asLong();
        meta.put("name", serviceAccount);
        meta.put("namespace", namespace);
        Instant now = tokens.clock().instant();
        meta.put("creationTimestamp", ObjectService.timestamp(now));
        request.remove("status");
        if (seconds < MIN_EXPIRATION_SECONDS) {
            throw invalid("Invalid value: " + seconds + ": may not specify a duration less than 10 minutes");
        }
        if (seconds > MAX_EXPIRATION_SECONDS) {
            throw invalid("Invalid value: " + seconds + ": may not specify a duration larger than 2^32 seconds");
        }
        admission.admitTokenRequest(namespace, serviceAccount, request);

        Optional<ServiceAccountTokens.Ref> pod = Optional.empty();
        Optional<ServiceAccountTokens.Ref> secret = Optional.empty();
        Optional<ServiceAccountTokens.Ref> node = Optional.empty();
        JsonNode ref = spec.path("boundObjectRef");
        if (ref.isObject()) {
            String apiVersion = ref.path("apiVersion").asText("");
            String kind = ref.path("kind").asText("");
            String name = ref.path("name").asText("");
            String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            String uid;
            if (group.isEmpty() && kind.equals("Pod")) {
                ObjectNode p = objects.store().get("pods", namespace, name)
                        .orElseThrow(() -> new ApiError.NotFound("pods", name));
                if (!Json.text(p, "spec.serviceAccountName").equals(serviceAccount)) {
                    throw new ApiError.BadRequest("cannot bind token for serviceaccount \"" + serviceAccount
                            + "\" to pod running with different serviceaccount name.");
                }
                uid = Json.text(p, "metadata.uid");
                pod = Optional.of(new ServiceAccountTokens.Ref(name, uid));
                String nodeName = Json.text(p, "spec.nodeName");
                if (!nodeName.isEmpty()) {
                    node = objects.store().get("nodes", "", nodeName)
                            .map(n -> new ServiceAccountTokens.Ref(nodeName, Json.text(n, "metadata.uid")));
                }
            } else if (group.isEmpty() && kind.equals("Secret")) {
                ObjectNode s = objects.store().get("secrets", namespace, name)
                        .orElseThrow(() -> new ApiError.NotFound("secrets", name));
                uid = Json.text(s, "metadata.uid");
                secret = Optional.of(new ServiceAccountTokens.Ref(name, uid));
            } else {
                String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
                throw new ApiError.BadRequest("cannot bind token to object of type "
                        + (group.isEmpty() ? "/" : group + "/") + version + ", Kind=" + kind);
            }
            String wanted = ref.path("uid").asText("");
            if (!wanted.isEmpty() && !wanted.equals(uid)) {
                throw new ApiError.Conflict(kind, name, "the UID in the bound object reference (" + wanted
                        + ") does not match the UID in record. The object might have been deleted and then recreated");
            }
        }
        Instant expires = now.plusSeconds(seconds);
        Optional<Instant> warnAfter = Optional.empty();
        if (pod.isPresent() && seconds == WARN_ONLY_EXPIRATION_SECONDS && tokens.apiAudiences().containsAll(audiences)) {
            warnAfter = Optional.of(expires);
            expires = now.plus(EXTENDED_EXPIRATION);
        }
        String token = tokens.issue(new ServiceAccountTokens.Claims(namespace,
                new ServiceAccountTokens.Ref(serviceAccount, Json.text(sa, "metadata.uid")), audiences, now, expires,
                warnAfter, pod, secret, node));
        ObjectNode status = request.putObject("status");
        status.put("token", token);
        status.put("expirationTimestamp", ObjectService.timestamp(now.plusSeconds(seconds)));
        return request;
    }

    private static ApiError invalid(String message) {
        return new ApiError.Invalid(GROUP, "TokenRequest", "", List.of(ApiError.Cause.field("FieldValueInvalid",
                "spec.expirationSeconds", message)));
    }

    private static String quote(String s) {
        return dev.j8s.apiserver.authorization.Forbidden.quote(s);
    }
}
