package dev.j8s.cli;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.apiserver.authentication.BootstrapTokens;
import dev.j8s.kubeconfig.Kubeconfig;
import dev.j8s.kubelet.eviction.Threshold;
import dev.j8s.pki.ClusterPki;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code j8s token create}: a bootstrap token for joining a machine, as {@code kubeadm token create}: the Secret
 * {@code kube-system/bootstrap-token-<id>} of type {@code bootstrap.kubernetes.io/token} (authentication and signing
 * usages, an expiration after {@code --ttl}) created through the running server's API with the admin kubeconfig,
 * and the token {@code <id>.<secret>} printed. With {@code --print-join-command}, a bootstrap kubeconfig (the
 * server's URL and CA, the token) is written into the data directory and the {@code j8s agent} command line that
 * uses it (and writes the node's own kubeconfig once its certificate is issued) is printed instead. Not thread-safe.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Manage bootstrap tokens, with which a machine joins this server as a node.")
final class TokenCommand {

    /** Where the joining agent writes the kubeconfig of its issued certificate (docs/agent.md's example). */
    static final String AGENT_KUBECONFIG = "/var/lib/j8s-agent/kubelet.kubeconfig";
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HostEnvironment host;
    private final PrintStream out;

    @Spec
    private CommandSpec spec;

    TokenCommand(HostEnvironment host, PrintStream out) {
        this.host = host;
        this.out = out;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a bootstrap token on the running server and print it.",
                    "With --print-join-command, print the j8s agent command line that joins with it."})
    int create(
            @Option(names = "--data-dir", paramLabel = "DIR",
                    description = "State directory of the server (default: /var/lib/j8s as root, else "
                            + "$XDG_DATA_HOME/j8s or ~/.local/share/j8s).") Path dataDir,
            @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "24h",
                    description = "How long the token is valid, e.g. 24h or 30m; 0 never expires "
                            + "(default: ${DEFAULT-VALUE}).") String ttl,
            @Option(names = "--print-join-command",
                    description = "Write a bootstrap kubeconfig and print the j8s agent command that uses it.")
            boolean printJoinCommand,
            @Option(names = "--server", paramLabel = "URL",
                    description = "The server URL the joining machine uses (default: the one in the server's "
                            + "kubeconfig).") URI server) {
        Duration lifetime;
        try {
            lifetime = Threshold.goDuration(ttl);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--ttl: " + e.getMessage());
        }
        Path dir = DataDirs.resolve(dataDir, host);
        Path serverKubeconfig = DataDirs.kubeconfig(dir);
        if (!Files.exists(serverKubeconfig)) {
            throw new ParameterException(spec.commandLine(), "no " + serverKubeconfig
                    + ": j8s server must be running on this data dir (the token is created through its API)");
        }
        String id = random(6);
        String token = id + "." + random(16);
        Map<String, String> data = new LinkedHashMap<>();
        data.put("token-id", id);
        data.put("token-secret", token.substring(7));
        data.put("usage-bootstrap-authentication", "true");
        data.put("usage-bootstrap-signing", "true");
        if (!lifetime.isZero()) {
            data.put("expiration", BootstrapTokens.expiration(Clock.systemUTC().instant(), lifetime));
        }
        data.put("description", "Created by j8s token create.");
        try (KubeClient client = KubeClient.connect(serverKubeconfig)) {
            client.resource(Kind.SECRETS).create(new SecretBuilder().withNewMetadata()
                    .withName(BootstrapTokens.SECRET_PREFIX + id).withNamespace(BootstrapTokens.NAMESPACE).endMetadata()
                    .withType(BootstrapTokens.SECRET_TYPE).withData(encoded(data)).build());
        } catch (ClusterException e) {
            throw new ParameterException(spec.commandLine(), "create the bootstrap token: " + e.getMessage(), e);
        }
        if (!printJoinCommand) {
            out.println(token);
            out.flush();
            return 0;
        }
        URI url = server != null ? server : Kubeconfig.serverOf(serverKubeconfig);
        Path bootstrapKubeconfig = dir.resolve("bootstrap-kubeconfig-" + id);
        new Kubeconfig("j8s-bootstrap", url, caPem(dir), token, "default").writeTo(bootstrapKubeconfig);
        out.println("j8s agent --bootstrap-kubeconfig " + bootstrapKubeconfig + " --kubeconfig " + AGENT_KUBECONFIG);
        out.flush();
        return 0;
    }

    private static String caPem(Path dataDir) {
        Path ca = dataDir.resolve("pki").resolve(ClusterPki.CA_CERT);
        try {
            return Files.readString(ca);
        } catch (IOException e) {
            throw new UncheckedIOException("read " + ca, e);
        }
    }

    private static Map<String, String> encoded(Map<String, String> data) {
        Map<String, String> out = new LinkedHashMap<>();
        data.forEach((k, v) -> out.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return out;
    }

    private static String random(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
