package dev.j8s.apiserver.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Acknowledged means durable", observed in the system calls: a child JVM creates objects one after another and
 * prints each name once {@code create} has returned ({@link KillNineWriter}), under {@code strace}; every printed
 * name must come after an {@code fsync}/{@code fdatasync} of the write-ahead log that followed every write to it.
 * A kill -9 cannot tell {@code synchronous=FULL} from {@code NORMAL} (the page cache survives a process's death);
 * this can: with {@code NORMAL} a WAL commit is written but not synced before the writer returns.
 */
class StoreSyncsBeforeAckTest {

    private static final int CREATES = 40;
    /** One strace line: the pid, then the call, whole or in two parts ({@code <unfinished ...>}, {@code resumed>}). */
    private static final Pattern LINE = Pattern.compile("^(\\d+) +(.*)$");
    private static final Pattern CALL = Pattern.compile("^(\\w+)\\((\\d+)<([^>]*)>(.*)$");
    private static final Pattern RESUMED = Pattern.compile("^<\\.\\.\\. (\\w+) resumed>(.*)$");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyAcknowledgedCreateFollowsAnFsyncOfTheLogAfterItsWrites() throws Exception {
        Path db = dir.resolve("store.db");
        Path trace = dir.resolve("strace.txt");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder("strace", "-f", "-qq", "--seccomp-bpf", "-y", "-s", "16",
                "-e", "trace=write,pwrite64,writev,pwritev,fsync,fdatasync", "-e", "signal=none", "-o", trace.toString(),
                java, "-cp", System.getProperty("java.class.path"), KillNineWriter.class.getName(), db.toString(),
                Integer.toString(CREATES))
                .redirectOutput(dir.resolve("child.out").toFile()).redirectError(dir.resolve("child.err").toFile())
                .start();
        assertThat(child.waitFor(100, TimeUnit.SECONDS)).as("writer under strace finished").isTrue();
        // the writer halts with 3 once it has made its creates (it is meant to be killed before that)
        assertThat(child.exitValue()).as("writer exit; stderr: %s", Files.readString(dir.resolve("child.err")))
                .isEqualTo(3);

        List<String> problems = new ArrayList<>();
        int acks = 0;
        int syncs = 0;
        long lastWalWrite = -1;
        long lastWalSync = -1;
        long step = 0;
        Map<String, Matcher> unfinished = new HashMap<>();
        for (String raw : Files.readAllLines(trace)) {
            Matcher line = LINE.matcher(raw);
            if (!line.matches()) {
                continue;
            }
            String pid = line.group(1);
            String text = line.group(2);
            Matcher call;
            Matcher resumed = RESUMED.matcher(text);
            if (resumed.matches()) {
                call = unfinished.remove(pid); // the call completes now: this is its place in the order
                if (call == null) {
                    continue;
                }
            } else {
                call = CALL.matcher(text);
                if (!call.matches()) {
                    continue;
                }
                if (text.endsWith("<unfinished ...>")) {
                    unfinished.put(pid, call);
                    continue;
                }
            }
            step++;
            String name = call.group(1);
            String path = call.group(3);
            boolean wal = path.endsWith("store.db-wal");
            if (wal && name.startsWith("f")) {
                lastWalSync = step;
                syncs++;
            } else if (wal) {
                lastWalWrite = step;
            } else if (call.group(2).equals("1") && name.equals("write") && call.group(4).contains("\"p-")) {
                acks++;
                if (lastWalSync < lastWalWrite) {
                    problems.add("acknowledgement " + acks + " (" + raw + ") after a WAL write with no fsync since");
                }
            }
        }

        assertThat(acks).as("acknowledgements seen in the trace").isEqualTo(CREATES);
        assertThat(problems).isEmpty();
        assertThat(syncs).as("fsyncs of the WAL").isGreaterThanOrEqualTo(CREATES);
    }
}
