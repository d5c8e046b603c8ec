package dev.j8s.kubelet.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.oci.registry.Credentials;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs docker credential helpers ({@code docker-credential-<name> get}: the server URL on stdin, JSON
 * {@code {"ServerURL","Username","Secret"}} on stdout; username {@code <token>} means an identity token) from a
 * configured directory, with a deadline. Thread-safe.
 *
 * <p>Beyond upstream: the kubelet ignores {@code credHelpers}/{@code credsStore}; j8s honours them for node
 * config files.
 */
public final class CredentialHelpers {
    /** Docker's default deadline is none; a pull must not hang, so j8s uses this one. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final List<Path> searchDirs;
    private final Duration timeout;

    /**
     * Helpers looked up as {@code <dir>/docker-credential-<name>} in {@code searchDirs}, in order (typically the
     * directories of the kubelet's {@code PATH}).
     */
    public CredentialHelpers(List<Path> searchDirs, Duration timeout) {
        this.searchDirs = List.copyOf(searchDirs);
        this.timeout = timeout;
    }

    /** Helpers found on this process's {@code PATH}. */
    public static CredentialHelpers fromPath() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return new CredentialHelpers(
                java.util.Arrays.stream(path.split(java.io.File.pathSeparator)).filter(s -> !s.isEmpty())
                        .map(Path::of).toList(), DEFAULT_TIMEOUT);
    }

    /**
     * Asks helper {@code name} for the credentials of {@code serverUrl}; empty when the helper has none
     * ({@code credentials not found in native keychain}).
     *
     * @throws CredentialsException when the helper is missing, fails, times out or answers malformed JSON;
     *     the message names the helper and the server, never a value
     */
    public Optional<Credentials> get(String name, String serverUrl) {
        String what = "credential helper docker-credential-" + name + " for " + serverUrl;
        if (name.isEmpty() || name.contains("/") || name.contains("\\")) {
            throw new CredentialsException(what + ": invalid helper name");
        }
        Path exe = searchDirs.stream().map(d -> d.resolve("docker-credential-" + name))
                .filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new CredentialsException(what + ": executable docker-credential-" + name
                        + " not found"));
        ProcessRunner.Result r;
        try {
            r = ProcessRunner.run(List.of(exe.toString(), "get"), Map.of(),
                    serverUrl.getBytes(StandardCharsets.UTF_8), timeout);
        } catch (ProcessRunner.Failure f) {
            throw new CredentialsException(what + ": " + f.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CredentialsException(what + ": interrupted");
        }
        String stdout = new String(r.stdout(), StandardCharsets.UTF_8).strip();
        if (r.exitCode() != 0) {
            String msg = stdout.isEmpty() ? r.stderrSummary() : stdout;
            if (msg.contains("credentials not found")) {
                return Optional.empty();
            }
            throw new CredentialsException(what + ": exit status " + r.exitCode()
                    + (msg.isEmpty() ? "" : ": " + bounded(msg)));
        }
        JsonNode answer;
        try {
            answer = DockerConfig.MAPPER.readTree(r.stdout());
        } catch (java.io.IOException e) {
            throw new CredentialsException(what + ": invalid JSON on stdout");
        }
        if (answer == null || !answer.isObject() || !answer.path("Secret").isTextual()) {
            throw new CredentialsException(what + ": answer is not {\"ServerURL\",\"Username\",\"Secret\"}");
        }
        String username = answer.path("Username").asText("");
        String secret = answer.get("Secret").asText();
        if (username.equals("<token>")) {
            return Optional.of(new Credentials.IdentityToken(username, secret));
        }
        return Optional.of(new Credentials.UsernamePassword(username, secret));
    }

    private static String bounded(String s) {
        String line = s.lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
