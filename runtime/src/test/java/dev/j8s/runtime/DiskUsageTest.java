package dev.j8s.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskUsageTest {

    @Test
    void aTreeCountsItsFilesBytesAndEveryEntryAsAnInode(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("vol/sub"));
        Files.write(root.resolve("a"), new byte[3000]);
        Files.write(dir.resolve("vol/b"), new byte[500]);
        Files.createSymbolicLink(dir.resolve("vol/link"), Path.of("/etc/passwd"));

        assertThat(DiskUsage.of(dir.resolve("vol"))).isEqualTo(new DiskUsage.Usage(3500, 5));
        assertThat(DiskUsage.of(dir.resolve("absent"))).isEqualTo(DiskUsage.Usage.NONE);
    }

    @Test
    void statvfsReportsTheFilesystemsSizeFreeSpaceAndInodes(@TempDir Path dir) {
        DiskUsage.Filesystem fs = DiskUsage.filesystem(dir);

        assertThat(fs.capacityBytes()).isPositive();
        assertThat(fs.availableBytes()).isBetween(0L, fs.capacityBytes());
        assertThat(fs.inodesFree()).isBetween(0L, fs.inodes());
    }
}
