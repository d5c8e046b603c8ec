package dev.j8s.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Writes files that only their owner may read (mode 0600) and directories only their owner may
 * enter (mode 0700), replacing a file atomically and durably so that a reader never sees half of it,
 * not even after a power loss. Thread-safe.
 */
public final class PrivateFiles {

    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> GROUP_AND_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private PrivateFiles() {}

    /**
     * Writes {@code content} to {@code file} with mode 0600: the bytes go to a new 0600 file beside it
     * first, are synced, and then replace {@code file} (the directory synced too), so the content is never
     * readable by others, not even briefly, and a crash leaves the old or the new file, never a torn one.
     */
    public static void write(Path file, byte[] content) {
        write(file, content, OWNER_RW);
    }

    /** As {@link #write(Path, byte[])} with mode 0644, for what anyone may read (certificates). */
    public static void writeWorldReadable(Path file, byte[] content) {
        write(file, content, WORLD_READABLE);
    }

    private static void write(Path file, byte[] content, Set<PosixFilePermission> mode) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            try (FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(OWNER_RW))) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                // umask may have narrowed the mode, never widened it: set the one asked for before the name appears
                Files.setPosixFilePermissions(tmp, mode);
                out.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(dir);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("write " + file, e);
        }
    }

    /** fsync(2) of a directory, which makes the names created, renamed or removed in it durable. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
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
