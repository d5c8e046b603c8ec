package dev.j8s.runtime.netns;

import dev.j8s.runtime.ContainerRuntimeException;
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
import java.util.Optional;

/**
 * The few libc calls the runtime makes in process through the FFM API: to move a thread between namespaces
 * ({@code unshare(2)}, {@code setns(2)}, {@code mount(2)}, {@code open(2)}, {@code close(2)}), and to speak to
 * conmon's attach socket, a {@code SOCK_SEQPACKET} Unix socket the JDK cannot open ({@code socket(2)},
 * {@code connect(2)}, {@code read(2)}, {@code send(2)}, {@code shutdown(2)}), and to write conmon's ctl FIFO and
 * see it read ({@code write(2)}, {@code ioctl(FIONREAD)}); each raising
 * {@link ContainerRuntimeException} with the call, its subject and the errno text. Namespaces belong to a thread, so
 * callers make those calls on a platform thread of their own; the socket calls block, so callers make them on platform
 * threads too (a virtual thread would pin its carrier). Stateless and thread-safe.
 */
public final class Libc {
  public static final int CLONE_NEWNET = 0x40000000;
  public static final int CLONE_NEWIPC = 0x08000000;
  public static final int CLONE_NEWUTS = 0x04000000;
  public static final long MS_BIND = 4096;
  public static final int SHUT_WR = 1;
  public static final int SHUT_RDWR = 2;
  private static final int O_RDONLY = 0;
  private static final int O_RDWR = 2;
  private static final int O_NONBLOCK = 0x800;
  private static final short POLLIN = 0x1;
  /** {@code sizeof(struct pollfd)}: an int fd, a short of events and a short of returned events. */
  private static final int POLLFD_SIZE = 8;
  private static final long FIONREAD = 0x541B;
  private static final int O_PATH = 0x200000;
  private static final int O_CLOEXEC = 0x80000;
  private static final int AF_UNIX = 1;
  private static final int SOCK_SEQPACKET = 5;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int MSG_NOSIGNAL = 0x4000;
  /** {@code sizeof(struct sockaddr_un)}: a 2-byte family and 108 bytes of path. */
  private static final int SOCKADDR_UN_SIZE = 110;
  private static final int EINTR = 4;

  private static final StructLayout STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Optional<Libc> INSTANCE = link();

  private final MethodHandle unshare;
  private final MethodHandle setns;
  private final MethodHandle mount;
  private final MethodHandle open;
  private final MethodHandle close;
  private final MethodHandle strerror;
  private final MethodHandle socket;
  private final MethodHandle connect;
  private final MethodHandle read;
  private final MethodHandle send;
  private final MethodHandle shutdown;
  private final MethodHandle write;
  private final MethodHandle ioctl;
  private final MethodHandle poll;
  private final Spawn spawn;

  private Libc(MethodHandle unshare, MethodHandle setns, MethodHandle mount, MethodHandle open, MethodHandle close,
      MethodHandle strerror, MethodHandle socket, MethodHandle connect, MethodHandle read, MethodHandle send,
      MethodHandle shutdown, MethodHandle write, MethodHandle ioctl, MethodHandle poll, Spawn spawn) {
    this.unshare = unshare;
    this.setns = setns;
    this.mount = mount;
    this.open = open;
    this.close = close;
    this.strerror = strerror;
    this.socket = socket;
    this.connect = connect;
    this.read = read;
    this.send = send;
    this.shutdown = shutdown;
    this.write = write;
    this.ioctl = ioctl;
    this.poll = poll;
    this.spawn = spawn;
  }

  /** The linked calls; empty when libc cannot be linked here (no native access granted, another platform). */
  public static Optional<Libc> instance() {
    return INSTANCE;
  }

  private static Optional<Libc> link() {
    try {
      Linker linker = Linker.nativeLinker();
      var libc = linker.defaultLookup();
      Linker.Option errno = Linker.Option.captureCallState("errno");
      FunctionDescriptor intOfInt = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
      MethodHandle unshare = linker.downcallHandle(libc.find("unshare").orElseThrow(), intOfInt, errno);
      MethodHandle setns = linker.downcallHandle(libc.find("setns").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
      MethodHandle mount = linker.downcallHandle(libc.find("mount").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), errno);
      MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), errno);
      MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(), intOfInt, errno);
      MethodHandle strerror = linker.downcallHandle(libc.find("strerror").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
      MethodHandle socket = linker.downcallHandle(libc.find("socket").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
              ValueLayout.JAVA_INT), errno);
      MethodHandle connect = linker.downcallHandle(libc.find("connect").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
          errno);
      MethodHandle read = linker.downcallHandle(libc.find("read").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG), errno);
      MethodHandle send = linker.downcallHandle(libc.find("send").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), errno);
      MethodHandle shutdown = linker.downcallHandle(libc.find("shutdown").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
      MethodHandle write = linker.downcallHandle(libc.find("write").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG), errno);
      MethodHandle ioctl = linker.downcallHandle(libc.find("ioctl").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
              ValueLayout.ADDRESS), errno, Linker.Option.firstVariadicArg(2));
      MethodHandle poll = linker.downcallHandle(libc.find("poll").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
          errno);
      return Optional.of(new Libc(unshare, setns, mount, open, close, strerror, socket, connect, read, send,
          shutdown, write, ioctl, poll, Spawn.link(linker, libc, errno)));
    } catch (RuntimeException | Error e) {
      System.getLogger(Libc.class.getName()).log(System.Logger.Level.DEBUG,
          "in-process namespace calls unavailable: " + e);
      return Optional.empty();
    }
  }

  /** {@code unshare(flags)} on the calling thread. */
  public void unshare(int flags) {
    call("unshare", () -> (int) unshare.invokeExact(stateOf(), flags));
  }

  /** {@code setns(fd, nstype)}: moves the calling thread into the namespace {@code fd} refers to. */
  public void setns(int fd, int nstype, String what) {
    call("setns " + what, () -> (int) setns.invokeExact(stateOf(), fd, nstype));
  }

  /** A bind mount of {@code source} onto {@code target}. */
  public void bindMount(String source, Path target) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment from = arena.allocateFrom(source);
      MemorySegment to = arena.allocateFrom(target.toString());
      call("bind " + source + " onto " + target, () -> (int) mount.invokeExact(stateOf(), from, to,
          MemorySegment.NULL, MS_BIND, MemorySegment.NULL));
    }
  }

  /** {@code open(path, O_RDONLY | O_CLOEXEC)}: a file descriptor the caller must {@link #close}. */
  public int openReadOnly(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment name = arena.allocateFrom(path.toString());
      return call("open " + path, () -> (int) open.invokeExact(stateOf(), name, O_RDONLY | O_CLOEXEC));
    }
  }

  /**
   * {@code open(path, O_RDWR | O_CLOEXEC)}: a file descriptor the caller must {@link #close}; for a FIFO, an open that
   * never blocks, whether or not the other side has it open.
   */
  public int openReadWrite(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment name = arena.allocateFrom(path.toString());
      return call("open " + path, () -> (int) open.invokeExact(stateOf(), name, O_RDWR | O_CLOEXEC));
    }
  }

  /**
   * {@code open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)}: a file descriptor the caller must {@link #close}; for a
   * FIFO, an open that never waits for a writer (and lets a writer's waiting open go on), whose reads never block.
   */
  public int openReadNonBlocking(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment name = arena.allocateFrom(path.toString());
      return call("open " + path, () -> (int) open.invokeExact(stateOf(), name, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    }
  }

  /**
   * Waits up to {@code timeoutMillis} for {@code fd} to be readable ({@code poll(2)} for {@code POLLIN}): the
   * returned events ({@code POLLIN}, {@code POLLHUP} once every writer closed...), 0 when the time passed; retried
   * when interrupted by a signal. Blocks.
   */
  public int awaitReadable(int fd, int timeoutMillis) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pollfd = arena.allocate(POLLFD_SIZE);
      pollfd.set(ValueLayout.JAVA_INT, 0, fd);
      pollfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
      while (true) {
        int rc;
        try {
          rc = (int) poll.invokeExact(stateOf(), pollfd, 1L, timeoutMillis);
        } catch (Throwable t) {
          throw new IllegalStateException("poll fd " + fd, t);
        }
        if (rc >= 0) {
          return rc == 0 ? 0 : pollfd.get(ValueLayout.JAVA_SHORT, 6);
        }
        int errno = errno(stateOf());
        if (errno != EINTR) {
          throw failure("poll fd " + fd, errno);
        }
      }
    }
  }

  /**
   * Starts {@code argv} (an absolute path first) with {@code env} in {@code dir}, in a session of its own, with
   * {@code /dev/null} on stdin and stdout, {@code stderr} (created or truncated) on stderr, a FIFO opened read-write on
   * fd 3 when {@code fifoOnFd3} is given, and no other file descriptor of this process ({@code posix_spawn(3)}: no
   * shell, no copy of this process's memory). Every signal's action and the signal mask are the defaults. The caller
   * must {@link #awaitExit} the child.
   */
  public long spawn(java.util.List<String> argv, java.util.Map<String, String> env, Path dir, Path stderr,
      Optional<Path> fifoOnFd3) {
    return spawn.start(argv, env, dir, stderr, fifoOnFd3, this::failure);
  }

  /** {@code mkfifo(path, 0600)}. */
  public void makeFifo(Path path) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment name = arena.allocateFrom(path.toString());
      call("mkfifo " + path, () -> spawn.mkfifo(stateOf(), name));
    }
  }

  /** Waits for the child {@code pid} to end and reaps it ({@code waitpid(2)}): its exit status, or 128 + signal. */
  public int awaitExit(long pid) {
    return spawn.awaitExit(stateOf(), (int) pid, this::failure);
  }

  private ContainerRuntimeException failure(String what, int errno) {
    return new ContainerRuntimeException(what + ": " + errorText(errno) + " (errno " + errno + ")");
  }

  /** Writes all of {@code data} ({@code write(2)} until done, retried when interrupted by a signal). */
  public void write(int fd, MemorySegment data) {
    long at = 0;
    while (at < data.byteSize()) {
      long n;
      MemorySegment rest = data.asSlice(at);
      try {
        n = (long) write.invokeExact(stateOf(), fd, rest, rest.byteSize());
      } catch (Throwable t) {
        throw new IllegalStateException("write fd " + fd, t);
      }
      if (n < 0) {
        int errno = (int) ERRNO.get(stateOf(), 0L);
        if (errno != EINTR) {
          throw failure("write fd " + fd, errno);
        }
      } else {
        at += n;
      }
    }
  }

  /** The bytes waiting to be read from {@code fd} ({@code ioctl(FIONREAD)}), e.g. in a pipe or FIFO. */
  public int pendingBytes(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
      call("ioctl FIONREAD fd " + fd, () -> (int) ioctl.invokeExact(stateOf(), fd, FIONREAD, count));
      return count.get(ValueLayout.JAVA_INT, 0);
    }
  }

  public void close(int fd) {
    call("close fd " + fd, () -> (int) close.invokeExact(stateOf(), fd));
  }

  /**
   * A {@code SOCK_SEQPACKET} Unix socket connected to {@code socketFile}, which may be a long path: the socket's
   * directory is opened and named through {@code /proc/self/fd}, as conmon binds it, so {@code sun_path}'s 108 bytes
   * never limit it. The caller must {@link #close} the descriptor.
   */
  public int connectSeqPacket(Path socketFile) {
    int dir;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment name = arena.allocateFrom(socketFile.getParent().toString());
      dir = call("open " + socketFile.getParent(),
          () -> (int) open.invokeExact(stateOf(), name, O_PATH | O_CLOEXEC));
    }
    try (Arena arena = Arena.ofConfined()) {
      int fd = call("socket for " + socketFile,
          () -> (int) socket.invokeExact(stateOf(), AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
      byte[] path = ("/proc/self/fd/" + dir + "/" + socketFile.getFileName()).getBytes(
          java.nio.charset.StandardCharsets.UTF_8);
      MemorySegment address = arena.allocate(SOCKADDR_UN_SIZE);
      address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
      MemorySegment.copy(path, 0, address, ValueLayout.JAVA_BYTE, 2, Math.min(path.length, SOCKADDR_UN_SIZE - 3));
      try {
        call("connect to " + socketFile, () -> (int) connect.invokeExact(stateOf(), fd, address,
            SOCKADDR_UN_SIZE));
      } catch (RuntimeException e) {
        close(fd);
        throw e;
      }
      return fd;
    } finally {
      close(dir);
    }
  }

  /**
   * One {@code read(2)} into {@code buffer} (a whole message on a packet socket, cut at the buffer's size); the
   * number of bytes, 0 at the end. Blocks; retried when interrupted by a signal.
   */
  public int read(int fd, MemorySegment buffer) {
    while (true) {
      long n;
      try {
        n = (long) read.invokeExact(stateOf(), fd, buffer, buffer.byteSize());
      } catch (Throwable t) {
        throw new IllegalStateException("read fd " + fd, t);
      }
      if (n >= 0) {
        return (int) n;
      }
      int errno = (int) ERRNO.get(stateOf(), 0L);
      if (errno != EINTR) {
        throw failure("read fd " + fd, errno);
      }
    }
  }

  /** Sends {@code data} as one message ({@code MSG_NOSIGNAL}: a closed peer is an error, not a SIGPIPE). Blocks. */
  public void send(int fd, MemorySegment data) {
    while (true) {
      long n;
      try {
        n = (long) send.invokeExact(stateOf(), fd, data, data.byteSize(), MSG_NOSIGNAL);
      } catch (Throwable t) {
        throw new IllegalStateException("send fd " + fd, t);
      }
      if (n >= 0) {
        return;
      }
      int errno = (int) ERRNO.get(stateOf(), 0L);
      if (errno != EINTR) {
        throw failure("send fd " + fd, errno);
      }
    }
  }

  /** {@code shutdown(fd, how)}; a socket that is not connected any more is not an error. */
  public void shutdown(int fd, int how) {
    try {
      int rc = (int) shutdown.invokeExact(stateOf(), fd, how);
      if (rc < 0 && (int) ERRNO.get(stateOf(), 0L) != 107) { // ENOTCONN
        int errno = (int) ERRNO.get(stateOf(), 0L);
        throw failure("shutdown fd " + fd, errno);
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("shutdown fd " + fd, t);
    }
  }

  /** A call returning -1 and setting errno on failure. */
  @FunctionalInterface
  private interface Call {
    int invoke() throws Throwable;
  }

  /** The errno capture segment of the current call; one per thread, so calls on different threads never share it. */
  private static final ThreadLocal<MemorySegment> STATES =
      ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATE));

  private static MemorySegment stateOf() {
    return STATES.get();
  }

  /** The errno a call captured in {@code state}. */
  static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  private int call(String what, Call call) {
    int rc;
    try {
      rc = call.invoke();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(what, t);
    }
    if (rc < 0) {
      throw failure(what, errno(stateOf()));
    }
    return rc;
  }

  private String errorText(int errno) {
    try {
      return ((MemorySegment) strerror.invokeExact(errno)).reinterpret(256).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }
}
