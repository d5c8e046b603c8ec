package dev.j8s.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The j8s version (from the build) and the Kubernetes API version j8s serves. Thread-safe. */
final class Versions {

    /** The Kubernetes release whose API j8s serves ({@code /version}'s gitVersion). */
    static final String KUBERNETES = "v1.32.0";

    private Versions() {}

    static String j8s() {
        try (InputStream in = Versions.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException("read j8s version", e);
        }
    }
}
