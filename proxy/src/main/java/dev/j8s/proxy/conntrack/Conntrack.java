package dev.j8s.proxy.conntrack;

import dev.j8s.runtime.ProcessRunner;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Deletes UDP conntrack entries through the {@code conntrack} tool: a UDP "connection" lives as long as packets
 * flow, so a client that keeps its source port would stay DNAT-ed to an endpoint that is gone (upstream's
 * {@code CleanStaleEntries}). Stateless and thread-safe.
 */
public final class Conntrack {

    private static final System.Logger LOG = System.getLogger(Conntrack.class.getName());
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Path binary;

    public Conntrack(Path binary) {
        this.binary = binary;
    }

    /** {@code /usr/sbin/conntrack}. */
    public static Conntrack system() {
        return new Conntrack(Path.of("/usr/sbin/conntrack"));
    }

    public boolean available() {
        return Files.isExecutable(binary);
    }

    /**
     * Deletes the UDP entries to {@code address:port}: every one when {@code replySource} is empty (entries made
     * while the service had no rule carry no DNAT), else those answered by {@code replySource}.
     *
     * @param address the original destination, a service address, or empty with a node port
     */
    public void deleteUdp(String address, int port, String replySource) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-D", "-p", "udp"));
        if (!address.isEmpty()) {
            command.addAll(List.of("--orig-dst", address));
        }
        command.addAll(List.of("--orig-port-dst", Integer.toString(port)));
        if (!replySource.isEmpty()) {
            command.addAll(List.of("--reply-src", replySource));
        }
        ProcessRunner.Result result = ProcessRunner.run(command, Map.of(), new byte[0], TIMEOUT);
        // exit 1 with "0 flow entries have been deleted" is the common case: nothing was stale
        if (result.exitStatus() != 0 && !result.stderrText().contains("0 flow entries")) {
            LOG.log(Level.WARNING, "conntrack cleanup failed command=" + String.join(" ", command) + " exit="
                    + result.exitStatus() + " stderr=" + result.stderrText().strip());
        }
    }
}
