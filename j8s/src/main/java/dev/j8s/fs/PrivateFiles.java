package dev.j8s.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Writes files that only their owner may read (mode 0600) and directories only their owner may
 * enter (mode 0700), replacing a file atomically so that a reader never sees half of it. Thread-safe.
 */
public final class PrivateFiles {

    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_AND_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private PrivateFiles() {}

    /**
     * Writes {@code content} to {@code file} with mode 0600: the bytes go to a new 0600 file beside it
     * first, which then replaces {@code file}, so the content is never readable by others, not even briefly.
     */
    public static void write(Path file, byte[] content) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_RW));
            Files.write(tmp, content);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            // A replaced file keeps the new file's mode; set it again in case umask or the file system interfered.
            Files.setPosixFilePermissions(file, OWNER_RW);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("write " + file, e);
        }
    }

    /** Creates {@code dir} (and its parents) if missing and makes it mode 0700. */
    public static Path directory(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, OWNER_RWX);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("create directory " + dir, e);
        }
    }

    /**
     * Takes every group and others permission away from {@code path} (a file or a directory, not followed
     * when a symlink) and returns the permissions it had when there was something to take; empty when it
     * was private already or does not exist.
     */
    public static Optional<String> tighten(Path path) {
        try {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(path)) {
                return Optional.empty();
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            if (mode.stream().noneMatch(GROUP_AND_OTHERS::contains)) {
                return Optional.empty();
            }
            Set<PosixFilePermission> owner = EnumSet.copyOf(mode);
            owner.removeAll(GROUP_AND_OTHERS);
            Files.setPosixFilePermissions(path, owner);
            return Optional.of(PosixFilePermissions.toString(mode));
        } catch (IOException e) {
            throw new UncheckedIOException("restrict the mode of " + path, e);
        }
    }
}
