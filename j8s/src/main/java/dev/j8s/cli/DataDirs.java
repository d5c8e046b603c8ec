package dev.j8s.cli;

import dev.j8s.fs.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Where j8s keeps its state unless told otherwise. Thread-safe. */
final class DataDirs {

    static final Path ROOT_DEFAULT = Path.of("/var/lib/j8s");
    private static final System.Logger LOG = System.getLogger(DataDirs.class.getName());

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

    /**
     * Creates the data dir with mode 0700, or takes group and others' permissions away from an existing one
     * (logged): it holds Secrets (the store and its WAL), keys, logs and container root filesystems with their
     * setuid files, none of which another local user may reach. Its parents are created as usual.
     */
    static void createPrivate(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // created meanwhile (or not a directory: the tightening below and the store then say so)
        } catch (IOException e) {
            throw new UncheckedIOException("create data directory " + dir, e);
        }
        PrivateFiles.tighten(dir).ifPresent(was -> LOG.log(Level.WARNING,
                "data directory was open to other users, made private dir={0} mode={1} now=rwx------", dir, was));
    }

    static Path kubeconfig(Path dataDir) {
        return dataDir.resolve("kubeconfig");
    }
}
