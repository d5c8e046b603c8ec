package dev.j8s.apiserver.authentication;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Issues service-account tokens and checks them on use, as upstream's {@code pkg/serviceaccount} ({@code claims.go},
 * {@code jwt.go}, {@code legacy.go}): bound tokens (audiences, expiry, bound to a pod or secret and re-validated
 * against the store on every request) and the legacy tokens of {@code kubernetes.io/service-account-token}
 * Secrets. Thread-safe when its {@link Lookup} is. Tokens never appear in its logs or exceptions.
 */
public final class ServiceAccountTokens {

    private static final System.Logger LOG = System.getLogger(ServiceAccountTokens.class.getName());

    /** The issuer j8s signs with (upstream's {@code --service-account-issuer}). */
    public static final String DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";
    /** The issuer of legacy Secret-based tokens. */
    public static final String LEGACY_ISSUER = "kubernetes/serviceaccount";
    /** Clock skew allowed on exp, nbf and iat. */
    static final Duration LEEWAY = Duration.ofSeconds(60);
    /** How long after its deletion started an object still validates tokens bound to it. */
    static final Duration DELETION_GRACE = Duration.ofSeconds(60);

    public static final String EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name";
    public static final String EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid";
    public static final String EXTRA_NODE_NAME = "authentication.kubernetes.io/node-name";
    public static final String EXTRA_NODE_UID = "authentication.kubernetes.io/node-uid";
    public static final String EXTRA_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";

    private static final String LEGACY_PREFIX = "kubernetes.io/serviceaccount/";

    /** Read access to stored objects ({@code namespace} "" for cluster-scoped ones). */
    @FunctionalInterface
    public interface Lookup {
        Optional<ObjectNode> get(String resource, String namespace, String name);
    }

    /** An object a token is bound to: its name and UID. */
    public record Ref(String name, String uid) {}

    /**
     * What a new token says.
     *
     * @param expires when the JWT expires (the 3607 s extension already applied by the caller)
     * @param warnAfter when an extended token is stale, if it was extended
     */
    public record Claims(String namespace, Ref serviceAccount, List<String> audiences, Instant issuedAt, Instant expires,
                         Optional<Instant> warnAfter, Optional<Ref> pod, Optional<Ref> secret, Optional<Ref> node) {
        public Claims {
            audiences = List.copyOf(audiences);
        }
    }

    private final ServiceAccountKeys keys;
    private final String issuer;
    private final List<String> apiAudiences;
    private final Lookup lookup;
    private final Clock clock;

    public ServiceAccountTokens(ServiceAccountKeys keys, String issuer, List<String> apiAudiences, Lookup lookup,
                                Clock clock) {
        this.keys = keys;
        this.issuer = issuer;
        this.apiAudiences = List.copyOf(apiAudiences);
        this.lookup = lookup;
        this.clock = clock;
    }

    public String issuer() {
        return issuer;
    }

    /** The API server's own audiences (upstream's {@code --api-audiences}; by default the issuer). */
    public List<String> apiAudiences() {
        return apiAudiences;
    }

    public ServiceAccountKeys keys() {
        return keys;
    }

    public Clock clock() {
        return clock;
    }

    /** Signs a bound token with the claims upstream's {@code serviceaccount.Claims} produces (keys in JSON order). */
    public String issue(Claims c) {
        ObjectNode claims = Json.object();
        ArrayNode aud = claims.putArray("aud");
        c.audiences().forEach(aud::add);
        claims.put("exp", c.expires().getEpochSecond());
        claims.put("iat", c.issuedAt().getEpochSecond());
        claims.put("iss", issuer);
        claims.put("jti", UUID.randomUUID().toString());
        ObjectNode k = claims.putObject("kubernetes.io");
        k.put("namespace", c.namespace());
        c.node().ifPresent(n -> ref(k, "node", n));
        c.pod().ifPresent(p -> ref(k, "pod", p));
        c.secret().ifPresent(s -> ref(k, "secret", s));
        ref(k, "serviceaccount", c.serviceAccount());
        c.warnAfter().ifPresent(w -> k.put("warnafter", w.getEpochSecond()));
        claims.put("nbf", c.issuedAt().getEpochSecond());
        claims.put("sub", UserInfo.serviceAccountName(c.namespace(), c.serviceAccount().name()));
        return keys.sign(claims);
    }

    /** A legacy token for a {@code kubernetes.io/service-account-token} Secret (no expiry, no audience). */
    public String issueLegacy(String namespace, String secretName, Ref serviceAccount) {
        ObjectNode claims = Json.object();
        claims.put("iss", LEGACY_ISSUER);
        claims.put(LEGACY_PREFIX + "namespace", namespace);
        claims.put(LEGACY_PREFIX + "secret.name", secretName);
        claims.put(LEGACY_PREFIX + "service-account.name", serviceAccount.name());
        claims.put(LEGACY_PREFIX + "service-account.uid", serviceAccount.uid());
        claims.put("sub", UserInfo.serviceAccountName(namespace, serviceAccount.name()));
        return keys.sign(claims);
    }

    private static void ref(ObjectNode parent, String field, Ref r) {
        ObjectNode o = parent.putObject(field);
        o.put("name", r.name());
        o.put("uid", r.uid());
    }

    /** Why a token of ours is refused; only logged, the client sees a bare 401. */
    static final class InvalidToken extends RuntimeException {
        InvalidToken(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The user a token stands for; empty when the token is not one of ours (not a JWT, or another issuer).
     *
     * @throws InvalidToken when it is ours but must be refused
     */
    Optional<UserInfo> authenticate(String token) {
        Optional<Jwt.Parsed> parsed = Jwt.parse(token);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        JsonNode claims = parsed.get().claims();
        String iss = claims.path("iss").asText("");
        if (iss.equals(issuer)) {
            return Optional.of(bound(parsed.get()));
        }
        if (iss.equals(LEGACY_ISSUER)) {
            return Optional.of(legacy(parsed.get(), token));
        }
        return Optional.empty();
    }

    private UserInfo bound(Jwt.Parsed token) {
        if (!keys.verify(token)) {
            throw new InvalidToken("invalid signature, no keys found");
        }
        JsonNode claims = token.claims();
        List<String> audiences = audiences(claims.get("aud"));
        if (audiences.stream().noneMatch(apiAudiences::contains)) {
            throw new InvalidToken("token audiences " + goQuoted(audiences) + " is invalid for the target audiences "
                    + goQuoted(apiAudiences));
        }
        Instant now = clock.instant();
        if (claims.has("exp") && now.minus(LEEWAY).isAfter(Instant.ofEpochSecond(claims.path("exp").asLong()))) {
            throw new InvalidToken("service account token has expired");
        }
        if (claims.has("nbf") && now.plus(LEEWAY).isBefore(Instant.ofEpochSecond(claims.path("nbf").asLong()))) {
            throw new InvalidToken("service account token is not valid yet");
        }
        if (claims.has("iat") && now.plus(LEEWAY).isBefore(Instant.ofEpochSecond(claims.path("iat").asLong()))) {
            throw new InvalidToken("service account token is not valid yet");
        }
        JsonNode k = claims.path("kubernetes.io");
        String namespace = k.path("namespace").asText("");
        String saName = k.path("serviceaccount").path("name").asText("");
        String saUid = k.path("serviceaccount").path("uid").asText("");
        if (namespace.isEmpty() || saName.isEmpty()) {
            throw new InvalidToken("service account token does not name its service account");
        }
        if (!claims.path("sub").asText("").equals(UserInfo.serviceAccountName(namespace, saName))) {
            throw new InvalidToken("service account token subject does not match its claims");
        }
        ObjectNode sa = live("serviceaccounts", namespace, saName, now)
                .orElseThrow(() -> new InvalidToken("service account token has been invalidated"));
        String actualUid = Json.text(sa, "metadata.uid");
        if (!actualUid.equals(saUid)) {
            throw new InvalidToken("service account UID (" + saUid + ") does not match claim (" + actualUid + ")");
        }
        Map<String, List<String>> extra = new LinkedHashMap<>();
        if (k.has("pod")) {
            String podName = k.path("pod").path("name").asText("");
            String podUid = k.path("pod").path("uid").asText("");
            ObjectNode pod = live("pods", namespace, podName, now)
                    .orElseThrow(() -> new InvalidToken("service account token has been invalidated"));
            if (!Json.text(pod, "metadata.uid").equals(podUid)) {
                throw new InvalidToken("service account token has been invalidated");
            }
            extra.put(EXTRA_POD_NAME, List.of(podName));
            extra.put(EXTRA_POD_UID, List.of(podUid));
        }
        if (k.has("secret")) {
            String secretName = k.path("secret").path("name").asText("");
            ObjectNode secret = live("secrets", namespace, secretName, now)
                    .orElseThrow(() -> new InvalidToken("service account token has been invalidated"));
            if (!Json.text(secret, "metadata.uid").equals(k.path("secret").path("uid").asText(""))) {
                throw new InvalidToken("service account token has been invalidated");
            }
        }
        if (k.has("node")) {
            extra.put(EXTRA_NODE_NAME, List.of(k.path("node").path("name").asText("")));
            extra.put(EXTRA_NODE_UID, List.of(k.path("node").path("uid").asText("")));
        }
        String jti = claims.path("jti").asText("");
        if (!jti.isEmpty()) {
            extra.put(EXTRA_CREDENTIAL_ID, List.of("JTI=" + jti));
        }
        if (k.has("warnafter") && now.isAfter(Instant.ofEpochSecond(k.path("warnafter").asLong()))) {
            LOG.log(Level.DEBUG, "stale service account token used serviceaccount=" + namespace + "/" + saName);
        }
        return UserInfo.authenticated(UserInfo.serviceAccountName(namespace, saName), saUid,
                UserInfo.serviceAccountGroups(namespace), extra);
    }

    private UserInfo legacy(Jwt.Parsed token, String raw) {
        if (!keys.verify(token)) {
            throw new InvalidToken("invalid signature, no keys found");
        }
        JsonNode claims = token.claims();
        String namespace = claims.path(LEGACY_PREFIX + "namespace").asText("");
        String secretName = claims.path(LEGACY_PREFIX + "secret.name").asText("");
        String saName = claims.path(LEGACY_PREFIX + "service-account.name").asText("");
        String saUid = claims.path(LEGACY_PREFIX + "service-account.uid").asText("");
        if (namespace.isEmpty() || secretName.isEmpty() || saName.isEmpty()) {
            throw new InvalidToken("legacy service account token lacks its claims");
        }
        ObjectNode secret = lookup.get("secrets", namespace, secretName)
                .orElseThrow(() -> new InvalidToken("Token has been invalidated"));
        if (secret.path("metadata").hasNonNull("deletionTimestamp")) {
            throw new InvalidToken("Token has been invalidated");
        }
        String stored = secret.path("data").path("token").asText("");
        String expected = Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        if (!java.security.MessageDigest.isEqual(stored.getBytes(StandardCharsets.US_ASCII),
                expected.getBytes(StandardCharsets.US_ASCII))) {
            throw new InvalidToken("Token does not match server's copy");
        }
        ObjectNode sa = lookup.get("serviceaccounts", namespace, saName)
                .orElseThrow(() -> new InvalidToken("Token has been invalidated"));
        if (sa.path("metadata").hasNonNull("deletionTimestamp")) {
            throw new InvalidToken("Token has been invalidated");
        }
        String actualUid = Json.text(sa, "metadata.uid");
        if (!saUid.isEmpty() && !saUid.equals(actualUid)) {
            throw new InvalidToken("service account UID (" + saUid + ") does not match claim (" + actualUid + ")");
        }
        return UserInfo.serviceAccount(namespace, saName, actualUid);
    }

    /** The object, unless missing or deleted more than {@link #DELETION_GRACE} ago. */
    private Optional<ObjectNode> live(String resource, String namespace, String name, Instant now) {
        Optional<ObjectNode> o = lookup.get(resource, namespace, name);
        if (o.isEmpty()) {
            return o;
        }
        String deleted = Json.text(o.get(), "metadata.deletionTimestamp");
        if (!deleted.isEmpty()) {
            try {
                if (OffsetDateTime.parse(deleted).toInstant().plus(DELETION_GRACE).isBefore(now)) {
                    return Optional.empty();
                }
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
        return o;
    }

    private static List<String> audiences(JsonNode aud) {
        List<String> out = new ArrayList<>();
        if (aud == null || aud.isNull()) {
            return out;
        }
        if (aud.isTextual()) {
            out.add(aud.asText());
        } else {
            aud.forEach(a -> out.add(a.asText()));
        }
        return out;
    }

    static String goQuoted(List<String> values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append('"').append(values.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return sb.append(']').toString();
    }

    /** The OpenID Connect discovery document ({@code /.well-known/openid-configuration}). */
    public ObjectNode openIdConfiguration(String externalAddress) {
        ObjectNode doc = Json.object();
        doc.put("issuer", issuer);
        doc.put("jwks_uri", "https://" + externalAddress + "/openid/v1/jwks");
        doc.putArray("response_types_supported").add("id_token");
        doc.putArray("subject_types_supported").add("public");
        ArrayNode algs = doc.putArray("id_token_signing_alg_values_supported");
        keys.algorithms().forEach(algs::add);
        return doc;
    }
}
