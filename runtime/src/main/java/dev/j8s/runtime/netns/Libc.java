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
 * The few libc calls the runtime makes in process through the FFM API to move a thread between namespaces:
 * {@code unshare(2)}, {@code setns(2)}, {@code mount(2)}, {@code open(2)} and {@code close(2)}, each raising
 * {@link ContainerRuntimeException} with the call, its subject and the errno text. Namespaces belong to a thread, so
 * callers make these calls on a platform thread of their own. Stateless and thread-safe.
 */
public final class Libc {
  public static final int CLONE_NEWNET = 0x40000000;
  public static final int CLONE_NEWIPC = 0x08000000;
  public static final int CLONE_NEWUTS = 0x04000000;
  public static final long MS_BIND = 4096;
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000;

  private static final StructLayout STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Optional<Libc> INSTANCE = link();

  private final MethodHandle unshare;
  private final MethodHandle setns;
  private final MethodHandle mount;
  private final MethodHandle open;
  private final MethodHandle close;
  private final MethodHandle strerror;

  private Libc(MethodHandle unshare, MethodHandle setns, MethodHandle mount, MethodHandle open, MethodHandle close,
      MethodHandle strerror) {
    this.unshare = unshare;
    this.setns = setns;
    this.mount = mount;
    this.open = open;
    this.close = close;
    this.strerror = strerror;
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
      return Optional.of(new Libc(unshare, setns, mount, open, close, strerror));
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

  public void close(int fd) {
    call("close fd " + fd, () -> (int) close.invokeExact(stateOf(), fd));
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
      int errno = (int) ERRNO.get(stateOf(), 0L);
      throw new ContainerRuntimeException(what + ": " + errorText(errno) + " (errno " + errno + ")");
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
