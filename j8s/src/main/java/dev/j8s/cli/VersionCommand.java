package dev.j8s.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code j8s version}: prints the j8s version and the Kubernetes API version it serves. Thread-safe. */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = "Print the j8s version and the Kubernetes API version it serves.")
final class VersionCommand implements Callable<Integer> {

    private final PrintStream out;

    VersionCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        out.println("j8s version: " + Versions.j8s());
        out.println("Kubernetes API version: " + Versions.KUBERNETES);
        out.flush();
        return 0;
    }
}
