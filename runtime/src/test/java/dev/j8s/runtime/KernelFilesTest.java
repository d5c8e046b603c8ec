package dev.j8s.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelFilesTest {

    @TempDir
    Path dir;

    @Test
    void meminfoIsReadInBytes() {
        String meminfo = "MemTotal:       24683784 kB\nMemAvailable:   21145800 kB\n";
        assertThat(KernelFiles.meminfoBytes(meminfo, "MemTotal")).isEqualTo(24683784L * 1024);
        assertThat(KernelFiles.meminfoBytes(meminfo, "SwapTotal")).isZero();
    }

    @Test
    void aStatFieldIsTheValueAfterItsExactKey() throws Exception {
        Path stat = Files.writeString(dir.resolve("memory.stat"), "inactive_file 61440\ntotal_inactive_file 808177664\n");
        assertThat(KernelFiles.field(stat, "total_inactive_file")).isEqualTo(808177664L);
        assertThat(KernelFiles.field(stat, "inactive_file")).isEqualTo(61440L);
        assertThat(KernelFiles.field(stat, "active_file")).isZero();
    }

    @Test
    void aFileThatIsGoneReadsAsZero() throws Exception {
        assertThat(KernelFiles.number(dir.resolve("pids.current"))).isZero();
        assertThat(KernelFiles.field(dir.resolve("memory.stat"), "total_inactive_file")).isZero();
        assertThat(KernelFiles.number(Files.writeString(dir.resolve("pids.max"), "4096\n"))).isEqualTo(4096);
    }
}
