package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Test programs for busybox images: C sources under {@code /e2e/} compiled here with {@code gcc -static}. */
final class StaticPrograms {

    private StaticPrograms() {}

    /** Compiles {@code /e2e/<name>.c} into {@code dir/<name>} and returns the binary. */
    static Path compile(Path dir, String name) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "gcc is installed (scripts/lib.sh)");
        Path source = dir.resolve(name + ".c");
        try (InputStream in = StaticPrograms.class.getResourceAsStream("/e2e/" + name + ".c")) {
            Files.copy(in, source);
        }
        Path binary = dir.resolve(name);
        Process gcc = new ProcessBuilder("/usr/bin/gcc", "-static", "-O2", "-Wall", "-o", binary.toString(),
                source.toString()).redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor()).as("gcc -static: " + out).isZero();
        return binary;
    }
}
