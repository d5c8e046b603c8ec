package dev.j8s.runtime.conmon;

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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Creates a sandbox's network, IPC and UTS namespaces (those it does not share with the host) and pins each one with a bind mount onto a file, in
 * this process: {@code unshare(2)} on a platform thread of its own (namespaces belong to a thread, so no other
 * thread of the JVM moves), then {@code mount(2)} of {@code /proc/thread-self/ns/<type>} onto each file, then
 * the thread ends. That is what {@code unshare --net=FILE --ipc=FILE --uts=FILE true} does with two processes,
 * without spawning them. Stateless and thread-safe.
 */
final class Namespaces {
  private static final int CLONE_NEWNET = 0x40000000;
  private static final int CLONE_NEWIPC = 0x08000000;
  private static final int CLONE_NEWUTS = 0x04000000;
  private static final long MS_BIND = 4096;

  private static final Optional<Calls> CALLS = Calls.link();

  private Namespaces() {}

  /** Whether the calls are available (libc found, native access granted); else callers spawn {@code unshare}. */
  static boolean available() {
    return CALLS.isPresent();
  }

  /**
   * New namespaces bound onto the given existing, empty files, by type ({@code net}, {@code ipc}, {@code uts}).
   *
   * @throws ContainerRuntimeException naming the failed call and its errno text
   */
  static void create(Map<String, Path> targets) {
    if (targets.isEmpty()) {
      return;
    }
    int flags = 0;
    for (String type : targets.keySet()) {
      flags |= switch (type) {
        case "net" -> CLONE_NEWNET;
        case "ipc" -> CLONE_NEWIPC;
        case "uts" -> CLONE_NEWUTS;
        default -> throw new IllegalArgumentException("unknown namespace type " + type);
      };
    }
    int unshareFlags = flags;
    Path any = targets.values().iterator().next();
    Calls calls = CALLS.orElseThrow(() -> new ContainerRuntimeException("namespace calls are not available"));
    var failure = new AtomicReference<RuntimeException>();
    Thread thread = Thread.ofPlatform().name("j8s-unshare").start(() -> {
      try {
        calls.unshareAndBind(unshareFlags, targets);
      } catch (RuntimeException e) {
        failure.set(e);
      }
    });
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("interrupted creating namespaces at " + any.getParent(), e);
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  /** The linked libc calls. */
  private record Calls(MethodHandle unshare, MethodHandle mount, MethodHandle strerror) {
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static Optional<Calls> link() {
      try {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        MethodHandle unshare = linker.downcallHandle(libc.find("unshare").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
        MethodHandle mount = linker.downcallHandle(libc.find("mount").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), errno);
        MethodHandle strerror = linker.downcallHandle(libc.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        return Optional.of(new Calls(unshare, mount, strerror));
      } catch (RuntimeException | Error e) {
        System.getLogger(Namespaces.class.getName()).log(System.Logger.Level.DEBUG,
            "in-process namespace creation unavailable, spawning unshare instead: " + e);
        return Optional.empty();
      }
    }

    /** On the calling thread, which must end afterwards: unshare, then one bind mount per namespace type. */
    void unshareAndBind(int flags, Map<String, Path> targets) {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment state = arena.allocate(STATE);
        int rc = (int) unshare.invokeExact(state, flags);
        check(rc, state, "unshare");
        for (var target : targets.entrySet()) {
          String source = "/proc/thread-self/ns/" + target.getKey();
          rc = (int) mount.invokeExact(state, arena.allocateFrom(source),
              arena.allocateFrom(target.getValue().toString()), MemorySegment.NULL, MS_BIND, MemorySegment.NULL);
          check(rc, state, "bind " + source + " onto " + target.getValue());
        }
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    }

    private void check(int rc, MemorySegment state, String what) throws Throwable {
      if (rc != 0) {
        int errno = (int) ERRNO.get(state, 0L);
        MemorySegment text = ((MemorySegment) strerror.invokeExact(errno)).reinterpret(256);
        throw new ContainerRuntimeException(what + ": " + text.getString(0) + " (errno " + errno + ")");
      }
    }
  }
}
