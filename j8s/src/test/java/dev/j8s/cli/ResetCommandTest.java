package dev.j8s.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ResetCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int reset(String... args) {
        CommandLine cl = Main.commandLine(new HostEnvironment(false, Map.of(), dir.resolve("home"), "box"),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        String[] all = new String[args.length + 1];
        all[0] = "reset";
        System.arraycopy(args, 0, all, 1, args.length);
        return cl.execute(all);
    }

    @Test
    void anInstanceThatNeverRanHasNothingToReset() {
        Path data = dir.resolve("never-ran").toAbsolutePath();
        Path runDir = ServerCommand.runDir(data, new HostEnvironment(false, Map.of(), dir, "box"));

        assertThat(reset("--data-dir", data.toString(), "--delete-data")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("nothing to reset: no data dir " + data + " and no run dir " + runDir + "\n");
        assertThat(data).doesNotExist();
    }

    @Test
    void itRefusesWhileTheInstancesServerHoldsTheDataDir() {
        Path data = dir.resolve("serving").toAbsolutePath();
        try (DataDirLock server = DataDirLock.acquire(data, DataDirLock.SERVER)) {
            assertThat(reset("--data-dir", data.toString(), "--delete-data")).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("j8s reset: data dir " + data + " in use by pid "
                    + ProcessHandle.current().pid() + " (j8s server): stop it before resetting\n");
            assertThat(data.resolve(DataDirLock.FILE)).exists();
        }
    }
}
