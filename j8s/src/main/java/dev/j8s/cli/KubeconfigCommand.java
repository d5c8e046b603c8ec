package dev.j8s.cli;

import dev.j8s.kubeconfig.Kubeconfig;
import dev.j8s.pki.ClusterPki;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code j8s kubeconfig}: prints the path of the kubeconfig a server with this data directory writes,
 * for {@code export KUBECONFIG=$(j8s kubeconfig)}; with {@code --user}, prints a kubeconfig for that user
 * instead, authenticating with a client certificate the cluster CA issues (CN the user, O each group), as
 * {@code kubeadm kubeconfig user} does. Not thread-safe.
 */
@Command(name = "kubeconfig", mixinStandardHelpOptions = true,
        description = {"Print the path of the kubeconfig that `j8s server` writes once it serves.",
                "With --user, print a kubeconfig for that user (a client certificate of the cluster CA) instead."})
final class KubeconfigCommand implements Callable<Integer> {

    private final HostEnvironment host;
    private final PrintStream out;

    @Spec
    private CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "State directory (default: /var/lib/j8s as root, else $XDG_DATA_HOME/j8s or ~/.local/share/j8s).")
    private Path dataDir;

    @Option(names = "--user", paramLabel = "NAME",
            description = "Issue a client certificate for this user and print a kubeconfig that uses it.")
    private String user;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "A group of the user (repeatable; the certificate's organizations).")
    private List<String> groups = new ArrayList<>();

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "default",
            description = "The context's namespace (default: ${DEFAULT-VALUE}).")
    private String namespace;

    KubeconfigCommand(HostEnvironment host, PrintStream out) {
        this.host = host;
        this.out = out;
    }

    Path path() {
        return DataDirs.kubeconfig(DataDirs.resolve(dataDir, host));
    }

    @Override
    public Integer call() {
        if (user == null) {
            out.println(path());
            out.flush();
            return 0;
        }
        if (user.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--user must not be empty");
        }
        Path dir = DataDirs.resolve(dataDir, host);
        Path serverKubeconfig = DataDirs.kubeconfig(dir);
        if (!Files.exists(serverKubeconfig)) {
            throw new ParameterException(spec.commandLine(), "no " + serverKubeconfig
                    + ": start j8s server on this data dir first (its URL goes into the kubeconfig)");
        }
        URI server = Kubeconfig.serverOf(serverKubeconfig);
        Path pki = dir.resolve("pki");
        ClusterPki.ClientCredentials credentials = ClusterPki.issueClient(pki, user, groups, Clock.systemUTC());
        String caPem;
        try {
            caPem = Files.readString(pki.resolve(ClusterPki.CA_CERT));
        } catch (IOException e) {
            throw new UncheckedIOException("read " + pki.resolve(ClusterPki.CA_CERT), e);
        }
        out.print(Kubeconfig.withClientCertificate(user, server, caPem, credentials.certificatePem(),
                credentials.keyPem(), namespace).yaml());
        out.flush();
        return 0;
    }

}
