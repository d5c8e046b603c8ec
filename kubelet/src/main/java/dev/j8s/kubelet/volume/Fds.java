package dev.j8s.kubelet.volume;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The file-descriptor system calls of the safe subPath walk ({@code openat(2)} with {@code O_PATH|O_NOFOLLOW},
 * {@code mkdirat(2)}, {@code fstat(2)}, {@code close(2)}) through the FFM API; stateless and thread-safe. Linux on
 * x86-64 and aarch64.
 */
final class Fds {

    static final int O_NOFOLLOW = 0x20000;
    static final int O_PATH = 0x200000;
    static final int O_CLOEXEC = 0x80000;
    static final int O_DIRECTORY = 0x10000;
    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int ENOENT = 2;
    static final int EEXIST = 17;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPENAT = LINKER.downcallHandle(LINKER.defaultLookup().find("openat").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(3), Linker.Option.captureCallState("errno"));
    private static final MethodHandle MKDIRAT = LINKER.downcallHandle(LINKER.defaultLookup().find("mkdirat").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle FSTAT = LINKER.downcallHandle(LINKER.defaultLookup().find("fstat").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    /** {@code AT_FDCWD}: paths relative to the working directory (used for absolute paths only). */
    static final int AT_FDCWD = -100;
    private static final boolean AARCH64 = System.getProperty("os.arch").equals("aarch64");

    private Fds() {}

    /** A failed system call, with its errno. */
    static final class SyscallException extends RuntimeException {
        final int errno;

        SyscallException(String call, int errno) {
            super(call + ": " + strerror(errno));
            this.errno = errno;
        }
    }

    /** What fstat says of an open file. */
    record Stat(long dev, long ino, int mode) {
        int type() {
            return mode & S_IFMT;
        }
    }

    static int openat(int dirfd, String name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int fd = (int) OPENAT.invokeExact(capture, dirfd, arena.allocateFrom(name), flags, 0);
            if (fd < 0) {
                throw new SyscallException("openat " + name, (int) ERRNO.get(capture, 0L));
            }
            return fd;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static void mkdirat(int dirfd, String name, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int rc = (int) MKDIRAT.invokeExact(capture, dirfd, arena.allocateFrom(name), mode);
            if (rc != 0) {
                throw new SyscallException("mkdirat " + name, (int) ERRNO.get(capture, 0L));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static Stat fstat(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(256, 8);
            int rc = (int) FSTAT.invokeExact(capture, fd, buf);
            if (rc != 0) {
                throw new SyscallException("fstat", (int) ERRNO.get(capture, 0L));
            }
            // struct stat: st_dev, st_ino (8 bytes each), then st_nlink (8) + st_mode on x86-64, st_mode on aarch64
            int mode = buf.get(ValueLayout.JAVA_INT, AARCH64 ? 16 : 24);
            return new Stat(buf.get(ValueLayout.JAVA_LONG, 0), buf.get(ValueLayout.JAVA_LONG, 8), mode);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static void close(int fd) {
        try {
            int unused = (int) CLOSE.invokeExact(fd);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The magic link of an open descriptor of this process, which the kernel resolves to the file itself. */
    static Path procPath(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    private static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable e) {
            return "errno " + errno;
        }
    }
}
