package dev.j8s.apiserver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing child JVM with SIGKILL mid-stream and checks that every create it acknowledged
 * is in the store afterwards. (kill -9 cannot tell synchronous=NORMAL from FULL; that is checked by
 * reading the pragma back, see SqliteStoreTest.)
 */
class StoreSurvivesKill9Test {

    private static final int ACKS_BEFORE_KILL = 300;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyAcknowledgedCreateSurvivesSigkill() throws Exception {
        Path db = dir.resolve("store.db");
        Path stderr = dir.resolve("child.err");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                KillNineWriter.class.getName(), db.toString(), "1000000")
                .redirectError(stderr.toFile())
                .start();
        List<String> acknowledged = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (acknowledged.size() < ACKS_BEFORE_KILL && (line = out.readLine()) != null) {
                acknowledged.add(line);
            }
            if (acknowledged.size() < ACKS_BEFORE_KILL) {
                fail("child ended after " + acknowledged.size() + " acknowledgements, exit "
                        + child.waitFor() + ", stderr:\n" + Files.readString(stderr));
            }
            assertThat(child.isAlive()).as("child still writing when killed").isTrue();
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            // Lines already written before the kill were acknowledged too; the JDK may close the
            // pipe when the process ends, which only means fewer names to check.
            try {
                while ((line = out.readLine()) != null) {
                    acknowledged.add(line);
                }
            } catch (IOException pipeClosedAtExit) {
                // keep what was read
            }
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);

        try (SqliteStore store = SqliteStore.open(db)) {
            List<String> missing = acknowledged.stream()
                    .filter(name -> store.get("pods", "default", name).isEmpty())
                    .toList();
            assertThat(missing).as("acknowledged but lost").isEmpty();
            assertThat(store.revision()).isGreaterThanOrEqualTo(acknowledged.size());
            assertThat(store.list("pods", "default").items()).hasSizeGreaterThanOrEqualTo(acknowledged.size());
        }
    }
}
