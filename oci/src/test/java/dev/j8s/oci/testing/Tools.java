package dev.j8s.oci.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the image tools the oci integration tests build with (umoci, skopeo, tar); stateless. */
public final class Tools {
    private Tools() {}

    public static boolean available(String... binaries) {
        for (String b : binaries) {
            if (!Files.isExecutable(Path.of("/usr/bin", b))) {
                return false;
            }
        }
        return true;
    }

    /** Runs a command to completion (≤ 120 s), output merged; throws with the output on failure. */
    public static String run(Path cwd, String... command) {
        try {
            Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + ": timed out");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** {@code skopeo copy} from an OCI layout tag to a plain-HTTP registry, in the given manifest format. */
    public static void push(Path layout, String tag, String dest, String format, List<String> extra) {
        var cmd = new java.util.ArrayList<>(List.of("/usr/bin/skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false"));
        if (!format.isEmpty()) {
            cmd.addAll(List.of("--format", format));
        }
        cmd.addAll(extra);
        cmd.add("oci:" + layout + ":" + tag);
        cmd.add("docker://" + dest);
        run(layout.getParent(), cmd.toArray(String[]::new));
    }
}
