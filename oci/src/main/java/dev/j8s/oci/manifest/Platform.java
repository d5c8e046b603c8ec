package dev.j8s.oci.manifest;

import java.util.Locale;
import java.util.Optional;

/**
 * An image platform {@code os/architecture[/variant]} as in the OCI image index.
 *
 * <p>Immutable and thread-safe.
 */
public record Platform(String os, String architecture, Optional<String> variant) {
    /** The platform of this machine in Go's names ({@code linux/amd64}, {@code linux/arm64/v8}). */
    public static Platform current() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> new Platform("linux", "amd64", Optional.empty());
            case "aarch64", "arm64" -> new Platform("linux", "arm64", Optional.of("v8"));
            case "ppc64le" -> new Platform("linux", "ppc64le", Optional.empty());
            case "s390x" -> new Platform("linux", "s390x", Optional.empty());
            case "riscv64" -> new Platform("linux", "riscv64", Optional.empty());
            default -> new Platform("linux", arch, Optional.empty());
        };
    }

    /** Parses {@code os/arch[/variant]}. */
    public static Platform parse(String s) {
        String[] p = s.split("/", -1);
        if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
            throw new IllegalArgumentException("invalid platform " + MediaTypes.quote(s) + ": want os/arch[/variant]");
        }
        return new Platform(p[0], p[1], p.length == 3 ? Optional.of(p[2]) : Optional.empty());
    }

    /**
     * How well {@code candidate} serves this platform: negative when it cannot run here, larger is better
     * (exact variant beats no variant; {@code arm64} without a variant counts as {@code v8}).
     */
    int score(Platform candidate) {
        if (!os.equals(candidate.os) || !architecture.equals(candidate.architecture)) {
            return -1;
        }
        Optional<String> want = normalizeVariant(architecture, variant);
        Optional<String> have = normalizeVariant(architecture, candidate.variant);
        if (want.equals(have)) {
            return 2;
        }
        return have.isEmpty() ? 1 : -1;
    }

    private static Optional<String> normalizeVariant(String arch, Optional<String> v) {
        if (arch.equals("arm64") && v.isEmpty()) {
            return Optional.of("v8");
        }
        if (arch.equals("amd64") && v.equals(Optional.of("v1"))) {
            return Optional.empty();
        }
        return v.filter(s -> !s.isEmpty());
    }

    @Override
    public String toString() {
        return os + "/" + architecture + variant.map(v -> "/" + v).orElse("");
    }
}
