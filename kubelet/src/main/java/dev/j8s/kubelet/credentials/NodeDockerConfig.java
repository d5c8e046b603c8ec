package dev.j8s.kubelet.credentials;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The node's docker config as upstream's {@code .dockercfg} provider reads it: the first {@code config.json} that
 * exists and parses in {@code <root-dir>}, the working directory, {@code $HOME/.docker}, {@code /.docker}; only if
 * none, the first {@code .dockercfg} in {@code <root-dir>}, the working directory, {@code $HOME}, {@code /}.
 * The result (also "nothing found") is cached for five minutes. Thread-safe.
 */
public final class NodeDockerConfig {
    /** Upstream's cache lifetime of the node docker config. */
    public static final Duration CACHE_LIFETIME = Duration.ofMinutes(5);

    private static final System.Logger LOG = System.getLogger(NodeDockerConfig.class.getName());

    private final List<Path> configJsonPaths;
    private final List<Path> dockercfgPaths;
    private final Clock clock;
    private Loaded cached;
    private Instant cachedAt;

    /** The config that was found, the file it came from and why earlier candidates were skipped. */
    public record Loaded(Optional<Path> file, DockerConfig config, List<String> skipped) {
        /** Copies the list. */
        public Loaded {
            skipped = List.copyOf(skipped);
        }
    }

    /**
     * Reads the given candidates in order.
     *
     * @param configJsonPaths {@code config.json} candidates, tried first
     * @param dockercfgPaths legacy {@code .dockercfg} candidates, tried only if no config.json was found
     */
    public NodeDockerConfig(List<Path> configJsonPaths, List<Path> dockercfgPaths, Clock clock) {
        this.configJsonPaths = List.copyOf(configJsonPaths);
        this.dockercfgPaths = List.copyOf(dockercfgPaths);
        this.clock = clock;
    }

    /**
     * Upstream's search order for {@code --root-dir} {@code rootDir}, working directory {@code workingDir}, home
     * directory {@code home} and filesystem root {@code fsRoot} ({@code /} on a real node).
     */
    public static NodeDockerConfig upstreamOrder(Path rootDir, Path workingDir, Path home, Path fsRoot, Clock clock) {
        return new NodeDockerConfig(
                List.of(rootDir.resolve("config.json"), workingDir.resolve("config.json"),
                        home.resolve(".docker").resolve("config.json"), fsRoot.resolve(".docker").resolve("config.json")),
                List.of(rootDir.resolve(".dockercfg"), workingDir.resolve(".dockercfg"), home.resolve(".dockercfg"),
                        fsRoot.resolve(".dockercfg")),
                clock);
    }

    /** The config currently in effect, read again when the cached one is older than five minutes. */
    public synchronized Loaded current() {
        Instant now = clock.instant();
        if (cached == null || !now.isBefore(cachedAt.plus(CACHE_LIFETIME))) {
            cached = load();
            cachedAt = now;
        }
        return cached;
    }

    private Loaded load() {
        List<String> skipped = new ArrayList<>();
        Optional<Loaded> json = firstParsable(configJsonPaths, true, skipped);
        if (json.isPresent()) {
            return json.get();
        }
        return firstParsable(dockercfgPaths, false, skipped)
                .orElseGet(() -> new Loaded(Optional.empty(), DockerConfig.EMPTY, skipped));
    }

    private static Optional<Loaded> firstParsable(List<Path> paths, boolean configJson, List<String> skipped) {
        for (Path p : paths) {
            if (!Files.isRegularFile(p)) {
                continue;
            }
            try {
                byte[] content = Files.readAllBytes(p);
                DockerConfig cfg = configJson
                        ? DockerConfig.parseConfigJson(content, p.toString())
                        : DockerConfig.parseDockercfg(content, p.toString());
                return Optional.of(new Loaded(Optional.of(p), cfg, skipped));
            } catch (IOException e) {
                skipped.add(p + ": cannot read: " + e.getClass().getSimpleName());
            } catch (CredentialsException e) {
                skipped.add(e.getMessage());
            }
            LOG.log(Level.WARNING, "skipping node docker config file=" + p + " reason=" + skipped.getLast());
        }
        return Optional.empty();
    }
}
