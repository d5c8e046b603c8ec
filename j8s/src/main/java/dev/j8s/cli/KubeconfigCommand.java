package dev.j8s.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j8s kubeconfig}: prints the path of the kubeconfig a server with this data directory writes,
 * for {@code export KUBECONFIG=$(j8s kubeconfig)}. Not thread-safe.
 */
@Command(name = "kubeconfig", mixinStandardHelpOptions = true,
        description = "Print the path of the kubeconfig that `j8s server` writes once it serves.")
final class KubeconfigCommand implements Callable<Integer> {

    private final HostEnvironment host;
    private final PrintStream out;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "State directory (default: /var/lib/j8s as root, else $XDG_DATA_HOME/j8s or ~/.local/share/j8s).")
    private Path dataDir;

    KubeconfigCommand(HostEnvironment host, PrintStream out) {
        this.host = host;
        this.out = out;
    }

    Path path() {
        return DataDirs.kubeconfig(DataDirs.resolve(dataDir, host));
    }

    @Override
    public Integer call() {
        out.println(path());
        out.flush();
        return 0;
    }
}
