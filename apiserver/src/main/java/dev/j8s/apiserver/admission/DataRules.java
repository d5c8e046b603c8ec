package dev.j8s.apiserver.admission;

import dev.j8s.apiserver.json.GoJson;

import dev.j8s.apiserver.validation.Syntax;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Secret and ConfigMap rules: {@code stringData} folded into {@code data}, type defaulting, key
 * syntax, the 1 MiB total, the dockercfg/dockerconfigjson checks and {@code immutable: true}, as
 * upstream's {@code ValidateSecret}, {@code ValidateConfigMap} and their update variants. Stateless and thread-safe.
 */
final class DataRules {

    static final int MAX_SIZE = 1024 * 1024;
    private static final String REDACTED = "<secret contents redacted>";
    private static final String IMMUTABLE_SET = "field is immutable when `immutable` is set";

    private DataRules() {}

    /** SetDefaults_Secret and the v1 conversion: type Opaque, stringData overrides data and disappears. */
    static void secretDefaults(ObjectNode secret) {
        Trees.putIfAbsent(secret, "type", "Opaque");
        ObjectNode stringData = Trees.obj(secret, "stringData");
        if (stringData != null) {
            ObjectNode data = Trees.objOrCreate(secret, "data");
            stringData.properties().forEach(e -> data.put(e.getKey(),
                    Base64.getEncoder().encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        }
        secret.remove("stringData");
    }

    /** The decoded values of a base64 map ({@code data} of a Secret, {@code binaryData} of a ConfigMap). */
    static Map<String, byte[]> decoded(String kind, ObjectNode parent, String field) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        ObjectNode map = Trees.obj(parent, field);
        if (map == null) {
            return out;
        }
        for (var e : map.properties()) {
            JsonNode v = e.getValue();
            if (v.isNull()) {
                out.put(e.getKey(), new byte[0]);
                continue;
            }
            try {
                out.put(e.getKey(), Base64.getDecoder().decode(v.asText()));
            } catch (IllegalArgumentException ex) {
                throw new ApiError.BadRequest(kind + " in version \"v1\" cannot be handled as a " + kind
                        + ": illegal base64 data at input byte " + badByte(v.asText()));
            }
        }
        return out;
    }

    private static int badByte(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
            if (!ok) {
                return i;
            }
        }
        return Math.max(0, s.length() - s.length() % 4);
    }

    static void validateSecret(ObjectNode secret, FieldErrors errs) {
        Map<String, byte[]> data = decoded("Secret", secret, "data");
        long total = 0;
        for (var e : data.entrySet()) {
            errs.invalidAll("data[" + e.getKey() + "]", e.getKey(), Syntax.configMapKey(e.getKey()));
            total += e.getValue().length;
        }
        if (total > MAX_SIZE) {
            errs.tooLong("data", MAX_SIZE);
        }
        String type = Trees.str(secret, "type");
        switch (type) {
            case "kubernetes.io/service-account-token" -> {
                if (Trees.str(Trees.obj(Trees.obj(secret, "metadata"), "annotations"), "kubernetes.io/service-account.name").isEmpty()) {
                    errs.required("metadata.annotations[kubernetes.io/service-account.name]", "");
                }
            }
            case "kubernetes.io/dockercfg" -> dockerConfig(data, ".dockercfg", errs);
            case "kubernetes.io/dockerconfigjson" -> dockerConfig(data, ".dockerconfigjson", errs);
            case "kubernetes.io/basic-auth" -> {
                if (!data.containsKey("username") && !data.containsKey("password")) {
                    errs.required("data[username]", "");
                    errs.required("data[password]", "");
                }
            }
            case "kubernetes.io/ssh-auth" -> {
                if (data.getOrDefault("ssh-privatekey", new byte[0]).length == 0) {
                    errs.required("data[ssh-privatekey]", "");
                }
            }
            case "kubernetes.io/tls" -> {
                if (!data.containsKey("tls.crt")) {
                    errs.required("data[tls.crt]", "");
                }
                if (!data.containsKey("tls.key")) {
                    errs.required("data[tls.key]", "");
                }
            }
            default -> { }
        }
    }

    private static void dockerConfig(Map<String, byte[]> data, String key, FieldErrors errs) {
        byte[] value = data.get(key);
        if (value == null) {
            errs.required("data[" + key + "]", "");
            return;
        }
        String error = GoJson.unmarshalObjectError(value);
        if (!error.isEmpty()) {
            errs.invalid("data[" + key + "]", REDACTED, error);
        }
    }

    static void validateSecretUpdate(ObjectNode secret, ObjectNode old, FieldErrors errs) {
        String type = Trees.str(secret, "type");
        if (!type.equals(Trees.str(old, "type"))) {
            errs.invalid("type", type, MetaRules.IMMUTABLE);
        }
        immutable(secret, old, java.util.List.of("data"), errs);
    }

    static void validateConfigMap(ObjectNode cm, FieldErrors errs) {
        long total = 0;
        ObjectNode binary = Trees.obj(cm, "binaryData");
        for (var e : Trees.stringMap(cm, "data").entrySet()) {
            errs.invalidAll("data[" + e.getKey() + "]", e.getKey(), Syntax.configMapKey(e.getKey()));
            if (binary != null && binary.has(e.getKey())) {
                errs.invalid("data[" + e.getKey() + "]", e.getKey(), "duplicate of key present in binaryData");
            }
            total += MetaRules.utf8Length(e.getValue());
        }
        for (var e : decoded("ConfigMap", cm, "binaryData").entrySet()) {
            errs.invalidAll("binaryData[" + e.getKey() + "]", e.getKey(), Syntax.configMapKey(e.getKey()));
            total += e.getValue().length;
        }
        if (total > MAX_SIZE) {
            errs.tooLong("", MAX_SIZE);
        }
    }

    static void validateConfigMapUpdate(ObjectNode cm, ObjectNode old, FieldErrors errs) {
        immutable(cm, old, java.util.List.of("data", "binaryData"), errs);
    }

    private static void immutable(ObjectNode n, ObjectNode old, java.util.List<String> fields, FieldErrors errs) {
        if (!old.path("immutable").asBoolean(false)) {
            return;
        }
        if (!n.path("immutable").asBoolean(false)) {
            errs.forbidden("immutable", IMMUTABLE_SET);
        }
        for (String f : fields) {
            if (!TreeEquality.equal(n.path(f), old.path(f))) {
                errs.forbidden(f, IMMUTABLE_SET);
            }
        }
    }
}
