package dev.j8s.apiserver.authentication;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.api.bootstrap.BootstrapTokenSecrets;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bootstrap tokens as upstream's bootstrap-token authenticator ({@code plugin/pkg/auth/authenticator/token/bootstrap})
 * checks them: a bearer token {@code <id>.<secret>} ({@code [a-z0-9]{6}.[a-z0-9]{16}}) matches the Secret
 * {@code kube-system/bootstrap-token-<id>} of type {@code bootstrap.kubernetes.io/token} whose {@code token-id} and
 * {@code token-secret} are those, with {@code usage-bootstrap-authentication: "true"}, not expired
 * ({@code expiration}, RFC 3339) and not being deleted; its user is {@code system:bootstrap:<id>} in
 * {@code system:bootstrappers} and the {@code auth-extra-groups} (each {@code system:bootstrappers:…}). Anything else
 * authenticates nobody. Thread-safe when its lookup is; the secret half never appears in logs.
 */
public final class BootstrapTokens {

    public static final String SECRET_TYPE = BootstrapTokenSecrets.TYPE;
    public static final String SECRET_PREFIX = BootstrapTokenSecrets.NAME_PREFIX;
    public static final String NAMESPACE = BootstrapTokenSecrets.NAMESPACE;
    public static final String USER_PREFIX = "system:bootstrap:";
    public static final String GROUP = "system:bootstrappers";
    public static final Pattern TOKEN = Pattern.compile("^([a-z0-9]{6})\\.([a-z0-9]{16})$");
    private static final Pattern EXTRA_GROUP = Pattern.compile("^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$");
    private static final System.Logger LOG = System.getLogger(BootstrapTokens.class.getName());

    private final ServiceAccountTokens.Lookup lookup;
    private final Clock clock;

    public BootstrapTokens(ServiceAccountTokens.Lookup lookup, Clock clock) {
        this.lookup = lookup;
        this.clock = clock;
    }

    /** Whether {@code token} has a bootstrap token's form (then no other authenticator is asked). */
    public static boolean looksLike(String token) {
        return TOKEN.matcher(token).matches();
    }

    /** The user of {@code token}, empty when it is not a valid bootstrap token. */
    public Optional<UserInfo> authenticate(String token) {
        Matcher m = TOKEN.matcher(token);
        if (!m.matches()) {
            return Optional.empty();
        }
        String id = m.group(1);
        String secretName = SECRET_PREFIX + id;
        Optional<ObjectNode> found = lookup.get("secrets", NAMESPACE, secretName);
        if (found.isEmpty()) {
            return refused(id, "no secret " + NAMESPACE + "/" + secretName);
        }
        ObjectNode secret = found.get();
        if (secret.path("metadata").hasNonNull("deletionTimestamp")) {
            return refused(id, "the secret is being deleted");
        }
        if (!SECRET_TYPE.equals(secret.path("type").asText())) {
            return refused(id, "the secret's type is not " + SECRET_TYPE);
        }
        JsonNode data = secret.path("data");
        if (!MessageDigest.isEqual(value(data, "token-secret").getBytes(StandardCharsets.UTF_8),
                m.group(2).getBytes(StandardCharsets.UTF_8))) {
            return refused(id, "the token's secret does not match");
        }
        if (!value(data, "token-id").equals(id)) {
            return refused(id, "the secret's token-id does not match");
        }
        if (expired(data)) {
            return refused(id, "the token has expired");
        }
        if (!value(data, "usage-bootstrap-authentication").equals("true")) {
            return refused(id, "the token is not marked usage-bootstrap-authentication");
        }
        TreeSet<String> groups = new TreeSet<>(List.of(GROUP));
        for (String group : value(data, "auth-extra-groups").split(",")) {
            String g = group.strip();
            if (g.isEmpty()) {
                continue;
            }
            if (!EXTRA_GROUP.matcher(g).matches()) {
                return refused(id, "auth-extra-groups has " + g + ", which is not a valid bootstrap group");
            }
            groups.add(g);
        }
        List<String> all = new ArrayList<>(groups);
        all.add(UserInfo.AUTHENTICATED);
        return Optional.of(new UserInfo(USER_PREFIX + id, "", all, Map.of()));
    }

    private boolean expired(JsonNode data) {
        return BootstrapTokenSecrets.expired(value(data, BootstrapTokenSecrets.EXPIRATION), clock.instant());
    }

    private static String value(JsonNode data, String key) {
        JsonNode v = data.get(key);
        if (v == null || !v.isTextual()) {
            return "";
        }
        try {
            return new String(Base64.getDecoder().decode(v.asText()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static Optional<UserInfo> refused(String id, String why) {
        LOG.log(Level.DEBUG, "bootstrap token refused id=" + id + " reason=\"" + why + "\"");
        return Optional.empty();
    }

    /** When a token created now with {@code ttl} expires, as {@code expiration} holds it. */
    public static String expiration(Instant now, java.time.Duration ttl) {
        return now.plus(ttl).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }
}
