package dev.j8s.kubelet.credentials;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed docker config: the {@code auths} of a {@code config.json} (or the top-level map of a legacy
 * {@code .dockercfg}), plus {@code credHelpers} and {@code credsStore}. Immutable and thread-safe.
 *
 * <p>Follows upstream's {@code pkg/credentialprovider/config.go}: {@code auth} overrides username/password and is
 * {@code base64(username:password)} split at the first colon. Parse errors name the source and the entry key,
 * never a value.
 *
 * @param auths the entries in file order, keyed as written (e.g. {@code https://index.docker.io/v1/})
 * @param credHelpers registry key → credential helper suffix ({@code docker-credential-<suffix>})
 * @param credsStore the default credential helper suffix, when set
 */
public record DockerConfig(Map<String, DockerConfigEntry> auths, Map<String, String> credHelpers,
                           Optional<String> credsStore) {
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** An empty config. */
    public static final DockerConfig EMPTY = new DockerConfig(Map.of(), Map.of(), Optional.empty());

    /** Copies the maps, keeping their order. */
    public DockerConfig {
        auths = Collections.unmodifiableMap(new LinkedHashMap<>(auths));
        credHelpers = Collections.unmodifiableMap(new LinkedHashMap<>(credHelpers));
    }

    /**
     * Parses a {@code config.json} ({@code {"auths":{…},"credHelpers":{…},"credsStore":"…"}}); content without
     * {@code auths} yields no entries, as upstream.
     *
     * @param source names the file or secret in error messages, e.g. {@code /var/lib/kubelet/config.json}
     * @throws CredentialsException when the content is not such an object or an entry is malformed
     */
    public static DockerConfig parseConfigJson(byte[] content, String source) {
        JsonNode root = readObject(content, source);
        Map<String, DockerConfigEntry> auths = new LinkedHashMap<>();
        JsonNode authsNode = root.get("auths");
        if (authsNode != null && !authsNode.isNull()) {
            if (!authsNode.isObject()) {
                throw new CredentialsException(source + ": \"auths\" must be an object");
            }
            authsNode.properties().forEach(e -> auths.put(e.getKey(), entry(e.getValue(), source, e.getKey())));
        }
        Map<String, String> helpers = new LinkedHashMap<>();
        JsonNode helpersNode = root.get("credHelpers");
        if (helpersNode != null && !helpersNode.isNull()) {
            if (!helpersNode.isObject()) {
                throw new CredentialsException(source + ": \"credHelpers\" must be an object");
            }
            helpersNode.properties().forEach(e -> {
                if (!e.getValue().isTextual()) {
                    throw new CredentialsException(source + ": credHelpers[\"" + e.getKey() + "\"] must be a string");
                }
                helpers.put(e.getKey(), e.getValue().asText());
            });
        }
        Optional<String> store = Optional.empty();
        JsonNode storeNode = root.get("credsStore");
        if (storeNode != null && !storeNode.isNull()) {
            if (!storeNode.isTextual()) {
                throw new CredentialsException(source + ": \"credsStore\" must be a string");
            }
            store = Optional.of(storeNode.asText()).filter(s -> !s.isEmpty());
        }
        return new DockerConfig(auths, helpers, store);
    }

    /**
     * Parses a legacy {@code .dockercfg}: a top-level map of registry key → entry.
     *
     * @throws CredentialsException when the content is not such a map or an entry is malformed
     */
    public static DockerConfig parseDockercfg(byte[] content, String source) {
        JsonNode root = readObject(content, source);
        Map<String, DockerConfigEntry> auths = new LinkedHashMap<>();
        root.properties().forEach(e -> auths.put(e.getKey(), entry(e.getValue(), source, e.getKey())));
        return new DockerConfig(auths, Map.of(), Optional.empty());
    }

    private static JsonNode readObject(byte[] content, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(content);
        } catch (JsonProcessingException e) {
            // Jackson's own message quotes the offending token, which may be a secret: report the position only.
            JsonLocation at = e.getLocation();
            throw new CredentialsException(source + ": invalid JSON"
                    + (at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr()));
        } catch (java.io.IOException e) {
            throw new CredentialsException(source + ": unreadable JSON");
        }
        if (root == null || root.isMissingNode()) {
            throw new CredentialsException(source + ": unexpected end of JSON input");
        }
        if (!root.isObject()) {
            throw new CredentialsException(source + ": json: cannot unmarshal " + goType(root)
                    + " into a docker config object");
        }
        return root;
    }

    private static String goType(JsonNode n) {
        return n.isArray() ? "array" : n.isTextual() ? "string" : n.isNumber() ? "number"
                : n.isBoolean() ? "bool" : "null";
    }

    private static DockerConfigEntry entry(JsonNode node, String source, String key) {
        String where = source + ": auths[\"" + key + "\"]";
        if (!node.isObject()) {
            throw new CredentialsException(where + ": json: cannot unmarshal " + goType(node) + " into an auth entry");
        }
        String username = text(node, "username", where);
        String password = text(node, "password", where);
        String email = text(node, "email", where);
        String auth = text(node, "auth", where);
        if (!auth.isEmpty()) {
            String decoded = decodeAuth(auth, where);
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new CredentialsException(
                        where + ": unable to parse auth field, must be formatted as base64(username:password)");
            }
            username = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        return new DockerConfigEntry(username, password, email, text(node, "identitytoken", where),
                text(node, "registrytoken", where));
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new CredentialsException(where + ": json: cannot unmarshal " + goType(v) + " into field \""
                    + field + "\" of type string");
        }
        return v.asText();
    }

    /** Go's decoding: padded StdEncoding when the value ends with {@code =}, else unpadded; CR/LF skipped. */
    private static String decodeAuth(String auth, String where) {
        String s = auth.replace("\r", "").replace("\n", "");
        boolean padded = s.endsWith("=");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
                    || padded && c == '=' && i >= s.length() - 2;
            if (!ok) {
                throw new CredentialsException(where + ": illegal base64 data at input byte " + i);
            }
        }
        if (padded ? s.length() % 4 != 0 : s.length() % 4 == 1) {
            throw new CredentialsException(where + ": illegal base64 data at input byte "
                    + (padded ? s.length() : s.length() - 1));
        }
        try {
            return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new CredentialsException(where + ": illegal base64 data in auth field");
        }
    }
}
