package dev.j8s.kubeconfig;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.j8s.fs.PrivateFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Objects;

/**
 * One cluster, user and context, all named {@link #name()}, as a kubeconfig ({@code apiVersion: v1,
 * kind: Config}) that authenticates with a bearer token or a client certificate and trusts one CA. Immutable and thread-safe;
 * {@link #mergeInto} must not run concurrently for one file.
 *
 * @param name      the name of the cluster, the user and the context
 * @param server    the API server's URL, e.g. {@code https://127.0.0.1:6443}
 * @param caPem     the CA certificate in PEM form, embedded as {@code certificate-authority-data}
 * @param token     the bearer token ("" when a client certificate authenticates)
 * @param namespace the context's default namespace
 * @param clientCertificatePem the client certificate ("" with a token)
 * @param clientKeyPem its private key
 */
public record Kubeconfig(String name, URI server, String caPem, String token, String namespace,
                         String clientCertificatePem, String clientKeyPem) {

    static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build();

    public Kubeconfig {
        Objects.requireNonNull(name);
        Objects.requireNonNull(server);
        Objects.requireNonNull(caPem);
        Objects.requireNonNull(token);
        Objects.requireNonNull(namespace);
        Objects.requireNonNull(clientCertificatePem);
        Objects.requireNonNull(clientKeyPem);
        if (name.isBlank()) {
            throw new IllegalArgumentException("kubeconfig entry name must not be blank");
        }
    }

    /** An entry that authenticates with a bearer token. */
    public Kubeconfig(String name, URI server, String caPem, String token, String namespace) {
        this(name, server, caPem, token, namespace, "", "");
    }

    /** An entry that authenticates with a client certificate and its key (PEM). */
    public static Kubeconfig withClientCertificate(String name, URI server, String caPem, String certificatePem,
                                                   String keyPem, String namespace) {
        return new Kubeconfig(name, server, caPem, "", namespace, certificatePem, keyPem);
    }

    /** This entry under another name. */
    public Kubeconfig named(String newName) {
        return new Kubeconfig(newName, server, caPem, token, namespace, clientCertificatePem, clientKeyPem);
    }

    /** The server URL of the current context of the kubeconfig at {@code file}. */
    public static URI serverOf(Path file) {
        ObjectNode config = read(file);
        String context = config.path("current-context").asText("");
        String cluster = "";
        for (JsonNode c : config.path("contexts")) {
            if (c.path("name").asText().equals(context)) {
                cluster = c.path("context").path("cluster").asText("");
            }
        }
        for (JsonNode c : config.path("clusters")) {
            if (c.path("name").asText().equals(cluster)) {
                return URI.create(c.path("cluster").path("server").asText());
            }
        }
        throw new KubeconfigException("read kubeconfig " + file + ": no cluster for the current context \"" + context + "\"");
    }

    /** The whole kubeconfig document with this entry as its only and current context. */
    public String yaml() {
        ObjectNode config = emptyConfig();
        upsert(config);
        config.put("current-context", name);
        return write(config);
    }

    /** Writes {@link #yaml()} to {@code file} with mode 0600, replacing it atomically. */
    public void writeTo(Path file) {
        PrivateFiles.write(file, yaml().getBytes(StandardCharsets.UTF_8));
    }

    /** What {@link #mergeInto} did. */
    public enum MergeOutcome {
        /** the file had no current context; it now is this entry's */
        CURRENT_CONTEXT_SET,
        /** the file's current context was left as it was */
        CURRENT_CONTEXT_KEPT
    }

    /**
     * Adds this entry's cluster, user and context to the kubeconfig at {@code file}, replacing entries
     * of the same name and keeping every other entry; creates the file (and its directory) if missing.
     * The current context becomes this one only if the file had none. The file ends up mode 0600.
     *
     * @throws KubeconfigException if the existing file is not a kubeconfig mapping
     */
    public MergeOutcome mergeInto(Path file) {
        ObjectNode config = read(file);
        upsert(config);
        JsonNode current = config.get("current-context");
        MergeOutcome outcome = MergeOutcome.CURRENT_CONTEXT_KEPT;
        if (current == null || !current.isTextual() || current.asText().isEmpty()) {
            config.put("current-context", name);
            outcome = MergeOutcome.CURRENT_CONTEXT_SET;
        }
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            PrivateFiles.directory(dir);
        }
        PrivateFiles.write(file, write(config).getBytes(StandardCharsets.UTF_8));
        return outcome;
    }

    @Override
    public String toString() {
        return "Kubeconfig[name=" + name + ", server=" + server + ", namespace=" + namespace
                + (token.isEmpty() ? ", client certificate, key=<redacted>]" : ", token=<redacted>]");
    }

    private void upsert(ObjectNode config) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode cluster = f.objectNode();
        cluster.put("certificate-authority-data",
                Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII)));
        cluster.put("server", server.toString());
        ObjectNode user = f.objectNode();
        if (!token.isEmpty()) {
            user.put("token", token);
        } else {
            user.put("client-certificate-data",
                    Base64.getEncoder().encodeToString(clientCertificatePem.getBytes(StandardCharsets.US_ASCII)));
            user.put("client-key-data",
                    Base64.getEncoder().encodeToString(clientKeyPem.getBytes(StandardCharsets.US_ASCII)));
        }
        ObjectNode context = f.objectNode();
        context.put("cluster", name);
        context.put("user", name);
        context.put("namespace", namespace);
        replaceNamed(config, "clusters", "cluster", cluster);
        replaceNamed(config, "users", "user", user);
        replaceNamed(config, "contexts", "context", context);
    }

    private void replaceNamed(ObjectNode config, String listField, String bodyField, ObjectNode body) {
        JsonNode existing = config.get(listField);
        ArrayNode list = JsonNodeFactory.instance.arrayNode();
        if (existing != null && existing.isArray()) {
            for (JsonNode entry : existing) {
                if (!name.equals(entry.path("name").asText(null))) {
                    list.add(entry);
                }
            }
        } else if (existing != null && !existing.isNull()) {
            throw new KubeconfigException("merge into kubeconfig: \"" + listField + "\" is not a list");
        }
        ObjectNode entry = list.addObject();
        entry.put("name", name);
        entry.set(bodyField, body);
        config.set(listField, list);
    }

    private static ObjectNode emptyConfig() {
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        config.put("apiVersion", "v1");
        config.put("kind", "Config");
        config.putObject("preferences");
        return config;
    }

    private static ObjectNode read(Path file) {
        if (!Files.exists(file)) {
            return emptyConfig();
        }
        try {
            JsonNode tree = YAML.readTree(file.toFile());
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                return emptyConfig();
            }
            if (!tree.isObject()) {
                throw new KubeconfigException("merge into kubeconfig " + file + ": the file is not a YAML mapping");
            }
            ObjectNode config = (ObjectNode) tree;
            if (!config.has("apiVersion")) {
                config.put("apiVersion", "v1");
            }
            if (!config.has("kind")) {
                config.put("kind", "Config");
            }
            return config;
        } catch (IOException e) {
            throw new KubeconfigException("read kubeconfig " + file + ": " + e.getMessage(), e);
        }
    }

    private static String write(ObjectNode config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new KubeconfigException("render kubeconfig", e);
        }
    }
}
