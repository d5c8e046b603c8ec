package dev.j8s.kubelet.volume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Upstream {@code SetVolumeOwnership} ({@code pkg/volume/volume_linux.go}): a volume's tree given to the pod's
 * {@code fsGroup} (group owner, group read and write — read only for read-only volumes —, setgid directories),
 * symbolic links changed in ownership only; with {@code fsGroupChangePolicy: OnRootMismatch} nothing is walked
 * when the root already looks right, and the root is changed last so an interrupted walk is redone. Stateless and
 * thread-safe.
 */
public final class VolumeOwnership {

    private static final int SETGID = 02000;
    private static final int RW = 0660;
    private static final int RO = 0440;
    private static final int EXEC = 0110;

    private VolumeOwnership() {}

    /**
     * @param changePolicy {@code Always} (or empty) or {@code OnRootMismatch}
     * @return whether the tree was walked
     */
    public static boolean apply(Path root, long fsGroup, String changePolicy, boolean readOnly) {
        int mask = readOnly ? RO : RW;
        try {
            if ("OnRootMismatch".equals(changePolicy) && rootMatches(root, fsGroup, mask)) {
                return false;
            }
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (!dir.equals(root)) {
                        change(dir, fsGroup, mask, true);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isSymbolicLink()) {
                        Files.setAttribute(file, "unix:gid", (int) fsGroup, LinkOption.NOFOLLOW_LINKS);
                    } else if (attrs.isRegularFile() || attrs.isOther()) {
                        change(file, fsGroup, mask, false);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
            change(root, fsGroup, mask, true);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("set the ownership of volume " + root + " to group " + fsGroup, e);
        }
    }

    private static void change(Path p, long fsGroup, int mask, boolean dir) throws IOException {
        Files.setAttribute(p, "unix:gid", (int) fsGroup, LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        int wanted = mode | mask | (dir ? SETGID | EXEC : 0);
        if (wanted != mode) {
            Files.setAttribute(p, "unix:mode", wanted, LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** Upstream {@code requiresPermissionChange} inverted: the root has the group, setgid and the mask already. */
    private static boolean rootMatches(Path root, long fsGroup, int mask) throws IOException {
        int gid = (Integer) Files.getAttribute(root, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(root, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return gid == fsGroup && (mode & SETGID) != 0 && (mode & mask) == mask;
    }
}
