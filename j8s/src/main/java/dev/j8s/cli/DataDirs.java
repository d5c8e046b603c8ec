package dev.j8s.cli;

import java.nio.file.Path;

/** Where j8s keeps its state unless told otherwise. Thread-safe. */
final class DataDirs {

    static final Path ROOT_DEFAULT = Path.of("/var/lib/j8s");

    private DataDirs() {}

    /** {@code /var/lib/j8s} as root, else {@code $XDG_DATA_HOME/j8s}, else {@code ~/.local/share/j8s}. */
    static Path defaultFor(HostEnvironment host) {
        if (host.root()) {
            return ROOT_DEFAULT;
        }
        String xdg = host.env().getOrDefault("XDG_DATA_HOME", "");
        // The XDG base directory spec says relative values are invalid and must be ignored.
        if (!xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "j8s");
        }
        return host.home().resolve(".local/share/j8s");
    }

    /** {@code dir} if given, else the default, made absolute and normalized. */
    static Path resolve(Path dir, HostEnvironment host) {
        Path chosen = dir != null ? dir : defaultFor(host);
        return chosen.toAbsolutePath().normalize();
    }

    static Path kubeconfig(Path dataDir) {
        return dataDir.resolve("kubeconfig");
    }
}
