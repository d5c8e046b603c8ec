package dev.j8s.runtime.netns;

import dev.j8s.runtime.ContainerRuntimeException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * glibc's {@code posix_spawn(3)} with the file actions and attributes {@link Libc#spawn} needs, {@code mkfifo(3)} and
 * {@code waitpid(2)}. Stateless and thread-safe.
 */
final class Spawn {
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final short POSIX_SPAWN_SETSID = 0x80;
  private static final int O_RDONLY = 0;
  private static final int O_WRONLY = 1;
  private static final int O_RDWR = 2;
  private static final int O_CREAT = 0x40;
  private static final int O_TRUNC = 0x200;
  private static final int EINTR = 4;
  /** Room for glibc's {@code posix_spawn_file_actions_t} (80 bytes on x86-64) and {@code posix_spawnattr_t} (336). */
  private static final long ACTIONS_SIZE = 256;
  private static final long ATTR_SIZE = 512;
  /** {@code sizeof(sigset_t)} in glibc. */
  private static final long SIGSET_SIZE = 128;

  private final MethodHandle spawn;
  private final MethodHandle actionsInit;
  private final MethodHandle actionsDestroy;
  private final MethodHandle addOpen;
  private final MethodHandle addCloseFrom;
  private final MethodHandle addChdir;
  private final MethodHandle attrInit;
  private final MethodHandle attrDestroy;
  private final MethodHandle setFlags;
  private final MethodHandle setSigMask;
  private final MethodHandle setSigDefault;
  private final MethodHandle sigEmpty;
  private final MethodHandle sigFill;
  private final MethodHandle mkfifo;
  private final MethodHandle waitpid;

  private Spawn(SymbolLookup libc, Linker linker, Linker.Option errno) {
    var address = ValueLayout.ADDRESS;
    var integer = ValueLayout.JAVA_INT;
    FunctionDescriptor ofAddress = FunctionDescriptor.of(integer, address);
    FunctionDescriptor ofAddresses = FunctionDescriptor.of(integer, address, address);
    spawn = linker.downcallHandle(libc.find("posix_spawn").orElseThrow(),
        FunctionDescriptor.of(integer, address, address, address, address, address, address));
    actionsInit = linker.downcallHandle(libc.find("posix_spawn_file_actions_init").orElseThrow(), ofAddress);
    actionsDestroy = linker.downcallHandle(libc.find("posix_spawn_file_actions_destroy").orElseThrow(), ofAddress);
    addOpen = linker.downcallHandle(libc.find("posix_spawn_file_actions_addopen").orElseThrow(),
        FunctionDescriptor.of(integer, address, integer, address, integer, integer));
    addCloseFrom = linker.downcallHandle(libc.find("posix_spawn_file_actions_addclosefrom_np").orElseThrow(),
        FunctionDescriptor.of(integer, address, integer));
    addChdir = linker.downcallHandle(libc.find("posix_spawn_file_actions_addchdir_np").orElseThrow(), ofAddresses);
    attrInit = linker.downcallHandle(libc.find("posix_spawnattr_init").orElseThrow(), ofAddress);
    attrDestroy = linker.downcallHandle(libc.find("posix_spawnattr_destroy").orElseThrow(), ofAddress);
    setFlags = linker.downcallHandle(libc.find("posix_spawnattr_setflags").orElseThrow(),
        FunctionDescriptor.of(integer, address, ValueLayout.JAVA_SHORT));
    setSigMask = linker.downcallHandle(libc.find("posix_spawnattr_setsigmask").orElseThrow(), ofAddresses);
    setSigDefault = linker.downcallHandle(libc.find("posix_spawnattr_setsigdefault").orElseThrow(), ofAddresses);
    sigEmpty = linker.downcallHandle(libc.find("sigemptyset").orElseThrow(), ofAddress);
    sigFill = linker.downcallHandle(libc.find("sigfillset").orElseThrow(), ofAddress);
    mkfifo = linker.downcallHandle(libc.find("mkfifo").orElseThrow(),
        FunctionDescriptor.of(integer, address, integer), errno);
    waitpid = linker.downcallHandle(libc.find("waitpid").orElseThrow(),
        FunctionDescriptor.of(integer, integer, address, integer), errno);
  }

  static Spawn link(Linker linker, SymbolLookup libc, Linker.Option errno) {
    return new Spawn(libc, linker, errno);
  }

  long start(List<String> argv, Map<String, String> env, Path dir, Path stderr, Optional<Path> fifoOnFd3,
      BiFunction<String, Integer, ContainerRuntimeException> failure) {
    String what = "spawn " + argv.getFirst();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment actions = arena.allocate(ACTIONS_SIZE, 16);
      MemorySegment attr = arena.allocate(ATTR_SIZE, 16);
      check(what, (int) actionsInit.invokeExact(actions), failure);
      try {
        check(what, (int) attrInit.invokeExact(attr), failure);
        try {
          MemorySegment devNull = arena.allocateFrom("/dev/null");
          check(what, (int) addOpen.invokeExact(actions, 0, devNull, O_RDONLY, 0), failure);
          check(what, (int) addOpen.invokeExact(actions, 1, devNull, O_WRONLY, 0), failure);
          check(what, (int) addOpen.invokeExact(actions, 2, arena.allocateFrom(stderr.toString()),
              O_WRONLY | O_CREAT | O_TRUNC, 0600), failure);
          int firstClosed = 3;
          if (fifoOnFd3.isPresent()) {
            check(what, (int) addOpen.invokeExact(actions, 3, arena.allocateFrom(fifoOnFd3.get().toString()),
                O_RDWR, 0), failure);
            firstClosed = 4;
          }
          check(what, (int) addCloseFrom.invokeExact(actions, firstClosed), failure);
          check(what, (int) addChdir.invokeExact(actions, arena.allocateFrom(dir.toString())), failure);
          MemorySegment none = arena.allocate(SIGSET_SIZE, 8);
          MemorySegment all = arena.allocate(SIGSET_SIZE, 8);
          check(what, (int) sigEmpty.invokeExact(none), failure);
          check(what, (int) sigFill.invokeExact(all), failure);
          check(what, (int) setSigMask.invokeExact(attr, none), failure);
          check(what, (int) setSigDefault.invokeExact(attr, all), failure);
          check(what, (int) setFlags.invokeExact(attr,
              (short) (POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)), failure);
          List<String> environment = new ArrayList<>();
          env.forEach((name, value) -> environment.add(name + "=" + value));
          MemorySegment pid = arena.allocate(ValueLayout.JAVA_INT);
          check(what, (int) spawn.invokeExact(pid, arena.allocateFrom(argv.getFirst()), actions, attr,
              strings(arena, argv), strings(arena, environment)), failure);
          return pid.get(ValueLayout.JAVA_INT, 0);
        } finally {
          int ignored = (int) attrDestroy.invokeExact(attr);
        }
      } finally {
        int ignored = (int) actionsDestroy.invokeExact(actions);
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(what, t);
    }
  }

  int mkfifo(MemorySegment state, MemorySegment path) throws Throwable {
    return (int) mkfifo.invokeExact(state, path, 0600);
  }

  int awaitExit(MemorySegment state, int pid, BiFunction<String, Integer, ContainerRuntimeException> failure) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment status = arena.allocate(ValueLayout.JAVA_INT);
      while (true) {
        int rc;
        try {
          rc = (int) waitpid.invokeExact(state, pid, status, 0);
        } catch (Throwable t) {
          throw new IllegalStateException("waitpid " + pid, t);
        }
        if (rc == pid) {
          int raw = status.get(ValueLayout.JAVA_INT, 0);
          return (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f);
        }
        int errno = (int) Libc.errno(state);
        if (rc >= 0 || errno != EINTR) {
          throw failure.apply("waitpid " + pid, errno);
        }
      }
    }
  }

  /** A NULL-terminated array of C strings. */
  private static MemorySegment strings(Arena arena, List<String> values) {
    MemorySegment array = arena.allocate(ValueLayout.ADDRESS, values.size() + 1L);
    for (int i = 0; i < values.size(); i++) {
      array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(values.get(i)));
    }
    array.setAtIndex(ValueLayout.ADDRESS, values.size(), MemorySegment.NULL);
    return array;
  }

  /** posix_spawn's calls return the error number itself. */
  private static void check(String what, int rc, BiFunction<String, Integer, ContainerRuntimeException> failure) {
    if (rc != 0) {
      throw failure.apply(what, rc);
    }
  }
}
