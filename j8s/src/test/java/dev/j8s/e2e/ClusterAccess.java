package dev.j8s.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * What a kubeconfig written by {@code j8s server} says about reaching the server: its URL, the CA
 * that signed its certificate and the bearer token. Immutable and thread-safe.
 *
 * @param server the {@code https://127.0.0.1:PORT} URL
 * @param caPem  the CA certificate in PEM form ({@code certificate-authority-data}, decoded)
 * @param token  the bearer token
 */
record ClusterAccess(URI server, String caPem, String token) {

    private static final YAMLMapper YAML = new YAMLMapper();

    /** Reads the current context's cluster and user; throws naming the file when something is missing. */
    static ClusterAccess read(Path kubeconfig) {
        JsonNode config;
        try {
            config = YAML.readTree(Files.readString(kubeconfig));
        } catch (IOException e) {
            throw new UncheckedIOException("read kubeconfig " + kubeconfig, e);
        }
        if (config == null || !config.isObject()) {
            throw new IllegalStateException("read kubeconfig " + kubeconfig + ": not a YAML mapping");
        }
        String current = config.path("current-context").asText("");
        JsonNode context = named(config, "contexts", current, kubeconfig).path("context");
        JsonNode cluster = named(config, "clusters", context.path("cluster").asText(""), kubeconfig).path("cluster");
        JsonNode user = named(config, "users", context.path("user").asText(""), kubeconfig).path("user");
        String server = cluster.path("server").asText("");
        String ca = cluster.path("certificate-authority-data").asText("");
        String token = user.path("token").asText("");
        if (server.isEmpty() || ca.isEmpty() || token.isEmpty()) {
            throw new IllegalStateException("read kubeconfig " + kubeconfig
                    + ": server, certificate-authority-data and token are all required");
        }
        return new ClusterAccess(URI.create(server),
                new String(Base64.getMimeDecoder().decode(ca), StandardCharsets.US_ASCII), token);
    }

    /**
     * Writes a copy of {@code kubeconfig} whose users present {@code token} instead, for the 401 tests.
     * (A user with no credentials at all makes kubectl prompt for a user name on stdin instead of
     * sending the request.)
     */
    static Path writeWithToken(Path kubeconfig, String token, Path target) {
        try {
            JsonNode config = YAML.readTree(Files.readString(kubeconfig));
            for (JsonNode user : config.path("users")) {
                ((ObjectNode) user).putObject("user").put("token", token);
            }
            Files.writeString(target, YAML.writeValueAsString(config));
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("copy kubeconfig " + kubeconfig + " without token to " + target, e);
        }
    }

    int port() {
        return server.getPort();
    }

    private static JsonNode named(JsonNode config, String list, String name, Path file) {
        for (JsonNode entry : config.path(list)) {
            if (name.equals(entry.path("name").asText())) {
                return entry;
            }
        }
        throw new IllegalStateException("read kubeconfig " + file + ": no entry named \"" + name + "\" in " + list);
    }

    @Override
    public String toString() {
        return "ClusterAccess[server=" + server + ", token=<redacted>]";
    }
}
