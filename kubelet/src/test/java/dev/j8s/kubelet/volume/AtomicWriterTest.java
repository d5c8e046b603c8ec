package dev.j8s.kubelet.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AtomicWriterTest {

    @TempDir
    Path dir;

    private final AtomicWriter writer() {
        return new AtomicWriter(dir.resolve("vol"), Clock.fixed(Instant.parse("2024-05-01T10:00:00Z"), ZoneOffset.UTC));
    }

    private static AtomicWriter.FileProjection file(String text, int mode) {
        return new AtomicWriter.FileProjection(text.getBytes(StandardCharsets.UTF_8), mode);
    }

    private static long timestampDirs(Path vol) throws Exception {
        try (Stream<Path> list = Files.list(vol)) {
            return list.filter(p -> p.getFileName().toString().startsWith("..2024_05_01_10_00_00.")).count();
        }
    }

    @Test
    void filesAreLinksIntoDataWhichPointsAtOneTimestampedDirectory() throws Exception {
        Path vol = dir.resolve("vol");
        assertThat(writer().write(Map.of("user", file("admin", 0400), "conf/app.yaml", file("a: 1", 0644)))).isTrue();

        assertThat(Files.readSymbolicLink(vol.resolve("..data")).toString()).matches("\\.\\.2024_05_01_10_00_00\\.\\d+");
        assertThat(Files.readSymbolicLink(vol.resolve("user"))).isEqualTo(Path.of("..data/user"));
        assertThat(Files.readSymbolicLink(vol.resolve("conf"))).isEqualTo(Path.of("..data/conf"));
        assertThat(vol.resolve("user")).hasContent("admin");
        assertThat(vol.resolve("conf/app.yaml")).hasContent("a: 1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vol.resolve("user")))).isEqualTo("r--------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vol.resolve("..data"))))
                .isEqualTo("rwxr-xr-x");
    }

    @Test
    void theSamePayloadChangesNothingAndANewOneSwapsDataAndDropsTheOldDirectoryAndStaleLinks() throws Exception {
        Path vol = dir.resolve("vol");
        AtomicWriter writer = writer();
        writer.write(Map.of("a", file("1", 0644), "b", file("2", 0644)));
        Path first = Files.readSymbolicLink(vol.resolve("..data"));
        assertThat(writer.write(Map.of("a", file("1", 0644), "b", file("2", 0644)))).isFalse();
        assertThat(Files.readSymbolicLink(vol.resolve("..data"))).isEqualTo(first);

        assertThat(writer.write(Map.of("a", file("changed", 0644)))).isTrue();
        Path second = Files.readSymbolicLink(vol.resolve("..data"));
        assertThat(second).isNotEqualTo(first);
        assertThat(vol.resolve(first)).doesNotExist();
        assertThat(vol.resolve("b")).doesNotExist();
        assertThat(vol.resolve("a")).hasContent("changed");
        assertThat(timestampDirs(vol)).isEqualTo(1);
        assertThat(vol.resolve("..data_tmp")).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /etc/passwd | invalid path: must be relative path: /etc/passwd
            a/../../x   | invalid path: must not contain '..': a/../../x
            ..data/x    | invalid path: must not start with '..': ..data/x
            """)
    void pathsUpstreamRefusesAreRefused(String path, String message) {
        assertThatThrownBy(() -> writer().write(Map.of(path, file("x", 0644)))).isInstanceOf(VolumeException.class)
                .hasMessage(message);
    }

    @Test
    void anEmptyPathIsRefused() {
        assertThatThrownBy(() -> writer().write(Map.of("", file("x", 0644))))
                .hasMessage("invalid path: must not be empty: \"\"");
    }
}
