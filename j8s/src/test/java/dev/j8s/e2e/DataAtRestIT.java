package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Another local user cannot read what the data dir holds: a Secret's value (as stored, base64, and as a pod got
 * and printed it) is found by root under the data dir (in the store, the pod's secret volume, bundle and log) and
 * by user {@code nobody} nowhere, although the data dir's parent is world-readable; a data dir an older run left open
 * is made private at the next start, with a log line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataAtRestIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("at-rest-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    static final String VALUE = "canary-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
    static final String BASE64 = Base64.getEncoder().encodeToString(VALUE.getBytes(StandardCharsets.UTF_8));
    static final String NOBODY = "65534";

    @Test
    @Order(1)
    void nobodyFindsASecretsValueNowhereUnderTheDataDirWhereRootFindsItInTheStoreAndTheLogs() throws Exception {
        J8sServer server = SERVERS.server();
        Files.setPosixFilePermissions(server.root(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "secret", "generic", "vault", "--from-literal=token=" + VALUE).ok();
        // the value reaches the container as an env variable (its bundle), a secret volume (a tmpfs under the
        // data dir) and its output (the log)
        kubectl.run("apply", "-f", SERVERS.file("printer.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: printer
                spec:
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "echo token=$TOKEN; cat /vault/token; echo; while true; do sleep 1; done"]
                    env:
                    - name: TOKEN
                      valueFrom: {secretKeyRef: {name: vault, key: token}}
                    volumeMounts:
                    - {name: vault, mountPath: /vault}
                  volumes:
                  - {name: vault, secret: {secretName: vault}}
                """.formatted(REGISTRY.image("1.0"))).toString()).ok();
        Await.until(LocalRegistry.timeout(), "pod printer logged the value",
                () -> kubectl.run("logs", "printer").stdout(), out -> out.contains(VALUE));

        List<Path> searched = new ArrayList<>(List.of(server.dataDir()));
        Path runDir = runDir(server);
        if (Files.isDirectory(runDir)) {
            searched.add(runDir);
        }
        String asRoot = grep(List.of(), searched);
        assertThat(asRoot).as("root finds the value (the search can find it)")
                .contains(server.dataDir().resolve("state.db").toString())
                .contains(server.dataDir().resolve("logs").toString())
                .contains(server.dataDir().resolve("pods").toString());

        String asNobody = grep(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"),
                searched);

        assertThat(asNobody).as("files in which user nobody finds the Secret's value").isEmpty();
        assertThat(mode(server.dataDir())).isEqualTo("rwx------");
        assertThat(mode(server.dataDir().resolve("state.db"))).isEqualTo("rw-------");
        assertThat(mode(server.dataDir().resolve("state.db-wal"))).isEqualTo("rw-------");
        assertThat(mode(server.dataDir().resolve("containers"))).isEqualTo("rwx------");
    }

    @Test
    @Order(2)
    void aDataDirLeftOpenToOthersIsMadePrivateAtTheNextStartWithALogLine() throws Exception {
        J8sServer server = SERVERS.server();
        assertThat(server.stop()).as("stopped by SIGTERM").isTrue();
        Files.setPosixFilePermissions(server.dataDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(server.dataDir().resolve("state.db"), PosixFilePermissions.fromString("rw-r--r--"));

        server.restart();

        assertThat(mode(server.dataDir())).isEqualTo("rwx------");
        assertThat(mode(server.dataDir().resolve("state.db"))).isEqualTo("rw-------");
        assertThat(server.currentLog())
                .contains("data directory was open to other users, made private dir=" + server.dataDir()
                        + " mode=rwxr-xr-x now=rwx------")
                .contains("store file was open to other users, made private file=" + server.dataDir().resolve("state.db")
                        + " mode=rw-r--r-- now=rw-------");
    }

    /** The files under {@code dirs} holding the value or its base64 form, as {@code grep -r -l} run through {@code as}. */
    private static String grep(List<String> as, List<Path> dirs) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(as);
        command.addAll(List.of("grep", "-r", "-l", "-a", "-F", "-e", VALUE, "-e", BASE64));
        dirs.forEach(d -> command.add(d.toString()));
        Path out = Files.createTempFile("grep-", ".out");
        try {
            Process grep = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            assertThat(grep.waitFor(60, TimeUnit.SECONDS)).as("grep finished").isTrue();
            return Files.readString(out);
        } finally {
            Files.delete(out);
        }
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    /** {@code /run/j8s/<hash8>} as the server derives it from its data dir (volatile runtime state). */
    private static Path runDir(J8sServer server) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                .digest(server.dataDir().toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
        return Path.of("/run/j8s", HexFormat.of().formatHex(d, 0, 4));
    }
}
