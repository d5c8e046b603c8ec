package dev.j8s.kubelet.volume;

import dev.j8s.runtime.oci.Mounts;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Safe {@code subPath} mounts (upstream {@code pkg/volume/util/subpath}, the fixes of CVE-2017-1002101 and
 * CVE-2021-25741): the subPath is resolved once and must stay inside the volume, then opened again element by
 * element with {@code openat(O_PATH|O_NOFOLLOW)} from the volume's root — a symbolic link met on that walk, such as
 * one a container swapped in after the check, fails it — and the opened file itself is bind-mounted through
 * {@code /proc/self/fd/<fd>}, never by name, then checked to be that very inode. Thread-safe.
 */
public final class SubPaths {

    private static final System.Logger LOG = System.getLogger(SubPaths.class.getName());
    private static final int WALK = Fds.O_PATH | Fds.O_NOFOLLOW | Fds.O_CLOEXEC;

    /** Runs between the check of a subPath and its opening: tests swap a directory for a link here. */
    private static volatile Consumer<Path> afterCheck = path -> {};

    private SubPaths() {}

    /** Test hook: {@code hook} gets the checked path after the check, before the open and the mount. */
    static void afterCheck(Consumer<Path> hook) {
        afterCheck = hook;
    }

    /**
     * Prepares the bind mount of {@code subPath} of the volume at {@code volume} on {@code target} (made as a file
     * or a directory like its source), read-only when asked.
     *
     * @throws VolumeException when the subPath leaves the volume, meets a symbolic link, or cannot be mounted; the
     *     message is for the log (the user sees upstream's {@code failed to prepare subPath …})
     */
    public static Path prepare(Path volume, String subPath, Path target, boolean readOnly) {
        Path root;
        Path resolved;
        try {
            root = volume.toRealPath();
            // resolves the links a volume legitimately has (a configMap's key -> ..data/key) once, for the check only
            resolved = root.resolve(subPath).toRealPath();
        } catch (IOException e) {
            throw new VolumeException("cannot resolve subPath " + subPath + " in " + volume + ": " + e, e);
        }
        if (!resolved.startsWith(root)) {
            throw new VolumeException("subPath " + subPath + " resolves to " + resolved + ", outside of volume " + root);
        }
        afterCheck.accept(resolved);
        int fd = open(root, root.relativize(resolved));
        try {
            Fds.Stat opened = Fds.fstat(fd);
            makeTarget(target, opened.type() == Fds.S_IFDIR);
            Mounts.bind(Fds.procPath(fd), target);
            if (readOnly) {
                Mounts.remountBindReadOnly(target);
            }
            long dev = ((Number) Files.getAttribute(target, "unix:dev", LinkOption.NOFOLLOW_LINKS)).longValue();
            long ino = ((Number) Files.getAttribute(target, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
            if (dev != opened.dev() || ino != opened.ino()) {
                Mounts.unmount(target);
                throw new VolumeException("subPath " + subPath + " mounted at " + target + " is not the file opened");
            }
            return target;
        } catch (IOException e) {
            throw new VolumeException("mount subPath " + subPath + " at " + target + ": " + e, e);
        } finally {
            Fds.close(fd);
        }
    }

    /**
     * Upstream {@code SafeMakeDir}: makes the missing directories of {@code subPath} under {@code volume} with
     * {@code mode}, walking with {@code openat}/{@code mkdirat} from the volume's root and refusing any symbolic
     * link on the way.
     */
    public static void makeDirs(Path volume, String subPath, int mode) {
        int dirfd;
        try {
            dirfd = Fds.openat(Fds.AT_FDCWD, volume.toRealPath().toString(), WALK | Fds.O_DIRECTORY);
        } catch (IOException e) {
            throw new VolumeException("cannot open volume " + volume + ": " + e, e);
        }
        try {
            for (Path part : Path.of(subPath)) {
                String name = part.toString();
                int next;
                try {
                    next = Fds.openat(dirfd, name, WALK);
                } catch (Fds.SyscallException e) {
                    if (e.errno != Fds.ENOENT) {
                        throw new VolumeException("open " + name + " under " + volume + ": " + e.getMessage(), e);
                    }
                    try {
                        Fds.mkdirat(dirfd, name, mode);
                    } catch (Fds.SyscallException exists) {
                        if (exists.errno != Fds.EEXIST) {
                            throw new VolumeException("mkdir " + name + " under " + volume + ": " + exists.getMessage());
                        }
                    }
                    next = Fds.openat(dirfd, name, WALK);
                }
                Fds.close(dirfd);
                dirfd = next;
                int type = Fds.fstat(dirfd).type();
                if (type != Fds.S_IFDIR) {
                    throw new VolumeException((type == Fds.S_IFLNK ? "symbolic link " : "not a directory ") + name
                            + " in subPath " + subPath + " of " + volume);
                }
            }
        } finally {
            Fds.close(dirfd);
        }
    }

    /** Upstream {@code doSafeOpen}: the fd of {@code relative} under {@code root}, no element a symbolic link. */
    private static int open(Path root, Path relative) {
        int fd = Fds.openat(Fds.AT_FDCWD, root.toString(), WALK | Fds.O_DIRECTORY);
        boolean opened = false;
        try {
            if (!relative.toString().isEmpty()) {
                for (Path part : relative) {
                    int next;
                    try {
                        next = Fds.openat(fd, part.toString(), WALK);
                    } catch (Fds.SyscallException e) {
                        throw new VolumeException("cannot open " + part + " of " + relative + " under " + root + ": "
                                + e.getMessage(), e);
                    }
                    Fds.close(fd);
                    fd = next;
                    if (Fds.fstat(fd).type() == Fds.S_IFLNK) {
                        throw new VolumeException("unexpected symlink found " + root.resolve(relative));
                    }
                }
            }
            opened = true;
            return fd;
        } finally {
            if (!opened) {
                Fds.close(fd);
            }
        }
    }

    private static void makeTarget(Path target, boolean directory) throws IOException {
        if (Mounts.isMountPoint(target)) {
            LOG.log(Level.DEBUG, "unmounting an earlier subPath mount target=" + target);
            Mounts.unmount(target);
        }
        Files.createDirectories(target.getParent());
        if (directory) {
            Files.createDirectories(target);
        } else if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.createFile(target);
        }
    }
}
