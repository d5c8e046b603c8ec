package dev.j8s.kubelet.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.oci.registry.Credentials;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One exec credential-provider plugin ({@code pkg/credentialprovider/plugin/plugin.go}): runs
 * {@code <bin-dir>/<name> args…} with a {@code CredentialProviderRequest} on stdin and reads a
 * {@code CredentialProviderResponse} from stdout, caching answers by {@code cacheKeyType} (Image, Registry,
 * Global) for {@code cacheDuration} (else {@code defaultCacheDuration}; zero means no caching). Thread-safe;
 * concurrent calls for this plugin run one at a time, so identical requests collapse onto the cache.
 */
public final class ExecCredentialProvider implements DynamicCredentialProvider {
    /** Upstream's hard deadline for one plugin run. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(1);

    private static final System.Logger LOG = System.getLogger(ExecCredentialProvider.class.getName());

    private final CredentialProviderConfig.Provider provider;
    private final Path executable;
    private final Duration timeout;
    private final Clock clock;
    private final Map<String, CacheEntry> cache = new HashMap<>();

    private record CacheEntry(Map<String, Credentials> auth, Instant expiresAt) {}

    ExecCredentialProvider(CredentialProviderConfig.Provider provider, Path executable, Duration timeout, Clock clock) {
        this.provider = provider;
        this.executable = executable;
        this.timeout = timeout;
        this.clock = clock;
    }

    /**
     * The plugins of {@code config}, each at {@code <binDir>/<name>}, checked as upstream's
     * {@code RegisterCredentialProviderPlugins} does.
     *
     * @throws CredentialsException {@code plugin binary directory <dir> did not exist} or
     *     {@code plugin binary executable <path> did not exist}
     */
    public static List<ExecCredentialProvider> register(CredentialProviderConfig config, Path binDir,
                                                        Duration timeout, Clock clock) {
        if (!Files.isDirectory(binDir)) {
            throw new CredentialsException("plugin binary directory " + binDir + " did not exist");
        }
        List<ExecCredentialProvider> out = new ArrayList<>();
        for (CredentialProviderConfig.Provider p : config.providers()) {
            Path exe = binDir.resolve(p.name());
            if (!Files.exists(exe)) {
                throw new CredentialsException("plugin binary executable " + exe + " did not exist");
            }
            out.add(new ExecCredentialProvider(p, exe, timeout, clock));
        }
        return List.copyOf(out);
    }

    @Override
    public CredentialSource source() {
        return new CredentialSource.Plugin(provider.name());
    }

    @Override
    public boolean matches(String repository) {
        return provider.matchImages().stream().anyMatch(m -> DockerKeyring.urlsMatch(m, repository));
    }

    @Override
    public synchronized Map<String, Credentials> provide(String repository) {
        Instant now = clock.instant();
        cache.values().removeIf(e -> !now.isBefore(e.expiresAt()));
        int slash = repository.indexOf('/');
        for (String key : List.of(repository, slash < 0 ? repository : repository.substring(0, slash), "global")) {
            CacheEntry hit = cache.get(key);
            if (hit != null) {
                return hit.auth();
            }
        }
        JsonNode response = exec(repository);
        String keyType = response.path("cacheKeyType").asText("");
        String cacheKey = switch (keyType) {
            case "Image" -> repository;
            case "Registry" -> slash < 0 ? repository : repository.substring(0, slash);
            case "Global" -> "global";
            default -> throw fail(repository, "invalid cacheKeyType \"" + keyType
                    + "\" in response, must be one of Image, Registry, Global");
        };
        Duration ttl = provider.defaultCacheDuration();
        if (response.hasNonNull("cacheDuration")) {
            try {
                ttl = GoDurations.parse(response.get("cacheDuration").asText());
            } catch (IllegalArgumentException e) {
                throw fail(repository, "invalid cacheDuration in response: " + e.getMessage());
            }
        }
        Map<String, Credentials> auth = new LinkedHashMap<>();
        JsonNode authNode = response.path("auth");
        if (!authNode.isMissingNode() && !authNode.isNull() && !authNode.isObject()) {
            throw fail(repository, "response field \"auth\" is not an object");
        }
        authNode.properties().forEach(e -> auth.put(e.getKey(), new Credentials.UsernamePassword(
                e.getValue().path("username").asText(""), e.getValue().path("password").asText(""))));
        Map<String, Credentials> result = Collections.unmodifiableMap(auth);
        if (ttl.isPositive()) {
            cache.put(cacheKey, new CacheEntry(result, now.plus(ttl)));
        }
        return result;
    }

    private JsonNode exec(String repository) {
        ObjectNode request = DockerConfig.MAPPER.createObjectNode()
                .put("kind", "CredentialProviderRequest")
                .put("apiVersion", provider.apiVersion())
                .put("image", repository);
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(provider.args());
        Map<String, String> env = new LinkedHashMap<>();
        provider.env().forEach(v -> env.put(v.name(), v.value()));
        ProcessRunner.Result r;
        try {
            r = ProcessRunner.run(command, env, request.toString().getBytes(StandardCharsets.UTF_8), timeout);
        } catch (ProcessRunner.Failure f) {
            throw fail(repository, f.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(repository, "interrupted");
        }
        if (r.exitCode() != 0) {
            throw fail(repository, "exit status " + r.exitCode()
                    + (r.stderrSummary().isEmpty() ? "" : ": " + r.stderrSummary()));
        }
        JsonNode response;
        try {
            response = DockerConfig.MAPPER.readTree(r.stdout());
        } catch (java.io.IOException e) {
            // Never echo stdout: it carries the credentials.
            throw fail(repository, "error decoding credential provider plugin response from stdout: invalid JSON");
        }
        if (response == null || !response.isObject()) {
            throw fail(repository, "error decoding credential provider plugin response from stdout: not an object");
        }
        String kind = response.path("kind").asText("");
        if (!kind.equals("CredentialProviderResponse")) {
            throw fail(repository, "kind was \"" + kind + "\", expected CredentialProviderResponse");
        }
        String apiVersion = response.path("apiVersion").asText("");
        if (!apiVersion.equals(provider.apiVersion())) {
            throw fail(repository, "apiVersion from credential plugin response did not match expected apiVersion:"
                    + provider.apiVersion() + ", actual apiVersion:" + apiVersion);
        }
        return response;
    }

    private CredentialsException fail(String repository, String why) {
        String msg = "credential provider plugin \"" + provider.name() + "\" failed for image \"" + repository
                + "\": " + why;
        LOG.log(Level.WARNING, msg);
        return new CredentialsException(msg);
    }

    /** The configuration entry this plugin runs. */
    public CredentialProviderConfig.Provider provider() {
        return provider;
    }

    /** For tests: whether an unexpired answer is cached under {@code key}. */
    synchronized Optional<Instant> cachedUntil(String key) {
        return Optional.ofNullable(cache.get(key)).map(CacheEntry::expiresAt);
    }
}
