package dev.j8s.oci.layer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The few Linux calls java.nio lacks ({@code mknod}, {@code lsetxattr}, {@code lgetxattr}, {@code syncfs},
 * {@code truncate} to a larger size), or that it needs in
 * one system call rather than several ({@code lchown}, {@code chmod}, {@code utimensat}), through the FFM
 * API; errno is captured and reported.
 *
 * <p>Stateless and thread-safe.
 */
final class Native {
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final java.lang.foreign.StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle MKNOD = handle("mknod",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle LSETXATTR = handle("lsetxattr",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle LGETXATTR = handle("lgetxattr",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG));
    private static final MethodHandle CHMOD = handle("chmod",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle LCHOWN = handle("lchown",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle UTIMENSAT = handle("utimensat",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle TRUNCATE = handle("truncate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle OPEN = handle("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SYNCFS = handle("syncfs",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = handle("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = handle("strerror",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT), false);
    // openat is variadic: the mode is its first variadic argument.
    private static final MethodHandle OPENAT = LINKER.downcallHandle(LIBC.find("openat").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(3));
    private static final MethodHandle WRITE = handle("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle FCHOWN = handle("fchown",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FCHMOD = handle("fchmod",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FUTIMENS = handle("futimens",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle FSETXATTR = handle("fsetxattr",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    static final int EEXIST = 17;
    private static final int EINTR = 4;

    private Native() {}

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return handle(name, fd, true);
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd, boolean errno) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name));
        return errno ? LINKER.downcallHandle(sym, fd, ERRNO) : LINKER.downcallHandle(sym, fd);
    }

    /** {@code mknod(path, mode, makedev(major, minor))}. */
    static void mknod(Path path, int mode, int major, int minor) throws IOException {
        long dev = ((long) (major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((long) (minor & 0xffffff00L) << 12) | (minor & 0xffL);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int rc = (int) MKNOD.invokeExact(state, arena.allocateFrom(path.toString()), mode, dev);
            check(rc, state, "mknod " + path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@code chmod(path, mode)} without opening the file (a FIFO would block an open). */
    static void chmod(Path path, int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int rc = (int) CHMOD.invokeExact(state, arena.allocateFrom(path.toString()), mode);
            check(rc, state, "chmod " + path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@code lchown(path, uid, gid)} in one call: changes a symlink itself, never its target. */
    static void lchown(Path path, int uid, int gid) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int rc = (int) LCHOWN.invokeExact(state, arena.allocateFrom(path.toString()), uid, gid);
            check(rc, state, "lchown " + path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Sets atime and mtime of {@code path} itself (never a symlink's target), in nanoseconds since the epoch. */
    static void lutimes(Path path, long epochNanos) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment times = arena.allocate(ValueLayout.JAVA_LONG, 4);
            long sec = Math.floorDiv(epochNanos, 1_000_000_000L);
            long nsec = Math.floorMod(epochNanos, 1_000_000_000L);
            times.setAtIndex(ValueLayout.JAVA_LONG, 0, sec);
            times.setAtIndex(ValueLayout.JAVA_LONG, 1, nsec);
            times.setAtIndex(ValueLayout.JAVA_LONG, 2, sec);
            times.setAtIndex(ValueLayout.JAVA_LONG, 3, nsec);
            int rc = (int) UTIMENSAT.invokeExact(state, -100 /* AT_FDCWD */, arena.allocateFrom(path.toString()), times,
                    0x100 /* AT_SYMLINK_NOFOLLOW */);
            check(rc, state, "utimensat " + path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * {@code truncate(path, length)}: sets the size of a regular file, extending it with a hole. Follows a final
     * symlink, so call it only on a file this process just created in a directory it owns.
     */
    static void truncate(Path path, long length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int rc = (int) TRUNCATE.invokeExact(state, arena.allocateFrom(path.toString()), length);
            check(rc, state, "truncate " + path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@code lsetxattr(path, name, value)}: does not follow a final symlink. */
    static void lsetxattr(Path path, String name, byte[] value) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            int rc = (int) LSETXATTR.invokeExact(state, arena.allocateFrom(path.toString()), arena.allocateFrom(name),
                    v, (long) value.length, 0);
            check(rc, state, "setxattr " + name + " on " + path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@code lgetxattr(path, name)}, empty when the attribute is absent. */
    static Optional<byte[]> lgetxattr(Path path, String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            MemorySegment buf = arena.allocate(65536);
            long n = (long) LGETXATTR.invokeExact(state, arena.allocateFrom(path.toString()), arena.allocateFrom(name),
                    buf, 65536L);
            if (n < 0) {
                int errno = (int) ERRNO_HANDLE.get(state, 0L);
                if (errno == 61) { // ENODATA
                    return Optional.empty();
                }
                throw new IOException("getxattr " + name + " on " + path + ": " + strerror(errno));
            }
            return Optional.of(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@code syncfs(2)} on the file system holding {@code path}: writes back all its dirty data and metadata. */
    static void syncfs(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path.toString()),
                    0 /* O_RDONLY */ | 0x80000 /* O_CLOEXEC */);
            if (fd < 0) {
                check(fd, state, "open " + path);
            }
            try {
                int rc = (int) SYNCFS.invokeExact(state, fd);
                check(rc, state, "syncfs " + path);
            } finally {
                int ignored = (int) CLOSE.invokeExact(state, fd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * One thread's native memory for the per-file calls of an unpack ({@code openat} with {@code O_EXCL}, then
     * {@code write}, {@code fchown}, {@code fchmod}, {@code fsetxattr} and {@code futimens} on the descriptor): allocated
     * once, so a file costs no native allocation and no path lookup after its {@code openat}. Not thread-safe: one per
     * writing thread, closed by it.
     */
    static final class Writer implements AutoCloseable {
        private static final int PATH_BYTES = 8192;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment state = arena.allocate(STATE);
        private final MemorySegment path = arena.allocate(PATH_BYTES);
        private final MemorySegment times = arena.allocate(ValueLayout.JAVA_LONG, 4);
        private final MemorySegment buffer;
        private int lastErrno;

        /** With a {@code bufferBytes} native buffer for {@link #write}. */
        Writer(int bufferBytes) {
            buffer = arena.allocate(bufferBytes);
        }

        /** The errno of the last failed {@link #create}. */
        int lastErrno() {
            return lastErrno;
        }

        /**
         * {@code openat(AT_FDCWD, path, O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600)}: a new regular file, never
         * through a final symlink; -1 with {@link #lastErrno()} when the name exists ({@link #EEXIST}).
         */
        int create(Path p) throws IOException {
            try {
                int fd = (int) OPENAT.invokeExact(state, -100 /* AT_FDCWD */, cString(p),
                        01 /* O_WRONLY */ | 0100 /* O_CREAT */ | 0200 /* O_EXCL */ | 0400000 /* O_NOFOLLOW */
                                | 02000000 /* O_CLOEXEC */, 0600);
                if (fd < 0) {
                    lastErrno = (int) ERRNO_HANDLE.get(state, 0L);
                    if (lastErrno == EEXIST) {
                        return -1;
                    }
                    throw new IOException("create " + p + ": " + strerror(lastErrno));
                }
                return fd;
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /** Writes {@code b[off, off+len)} to {@code fd} in full, through the native buffer. */
        void write(int fd, byte[] b, int off, int len, Path p) throws IOException {
            try {
                while (len > 0) {
                    int chunk = (int) Math.min(len, buffer.byteSize());
                    MemorySegment.copy(b, off, buffer, ValueLayout.JAVA_BYTE, 0, chunk);
                    long done = 0;
                    while (done < chunk) {
                        long n = (long) WRITE.invokeExact(state, fd, buffer.asSlice(done), (long) chunk - done);
                        if (n < 0) {
                            int errno = (int) ERRNO_HANDLE.get(state, 0L);
                            if (errno == EINTR) {
                                continue;
                            }
                            throw new IOException("write " + p + ": " + strerror(errno));
                        }
                        done += n;
                    }
                    off += chunk;
                    len -= chunk;
                }
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /** {@code fchown}, then {@code fchmod} (chown clears setuid/setgid bits). */
        void owner(int fd, int uid, int gid, int mode, Path p) throws IOException {
            try {
                check((int) FCHOWN.invokeExact(state, fd, uid, gid), state, "fchown " + p);
                check((int) FCHMOD.invokeExact(state, fd, mode), state, "fchmod " + p);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /** {@code futimens(fd)}: atime and mtime, nanoseconds since the epoch. */
        void times(int fd, long epochNanos, Path p) throws IOException {
            long sec = Math.floorDiv(epochNanos, 1_000_000_000L);
            long nsec = Math.floorMod(epochNanos, 1_000_000_000L);
            times.setAtIndex(ValueLayout.JAVA_LONG, 0, sec);
            times.setAtIndex(ValueLayout.JAVA_LONG, 1, nsec);
            times.setAtIndex(ValueLayout.JAVA_LONG, 2, sec);
            times.setAtIndex(ValueLayout.JAVA_LONG, 3, nsec);
            try {
                check((int) FUTIMENS.invokeExact(state, fd, times), state, "futimens " + p);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /** {@code fsetxattr(fd, name, value)}. */
        void setxattr(int fd, String xattr, byte[] value, Path p) throws IOException {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment v = call.allocate(Math.max(1, value.length));
                MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
                check((int) FSETXATTR.invokeExact(state, fd, call.allocateFrom(xattr), v, (long) value.length, 0), state,
                        "setxattr " + xattr + " on " + p);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /** {@code close(fd)}; a failure (a deferred write error) is reported. */
        void close(int fd, Path p) throws IOException {
            try {
                check((int) CLOSE.invokeExact(state, fd), state, "close " + p);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        private MemorySegment cString(Path p) {
            byte[] b = p.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (b.length >= PATH_BYTES) {
                throw new IllegalArgumentException("path longer than " + (PATH_BYTES - 1) + " bytes: " + p);
            }
            MemorySegment.copy(b, 0, path, ValueLayout.JAVA_BYTE, 0, b.length);
            path.set(ValueLayout.JAVA_BYTE, b.length, (byte) 0);
            return path;
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    private static void check(int rc, MemorySegment state, String what) throws IOException {
        if (rc != 0) {
            throw new IOException(what + ": " + strerror((int) ERRNO_HANDLE.get(state, 0L)));
        }
    }

    private static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
