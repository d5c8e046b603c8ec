package dev.j8s.runtime.conmon;

import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.netns.Libc;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Creates a sandbox's network, IPC and UTS namespaces and pins each one with a bind mount onto a file, in
 * this process: {@code unshare(2)} on a platform thread of its own (namespaces belong to a thread, so no other
 * thread of the JVM moves), then {@code mount(2)} of {@code /proc/thread-self/ns/<type>} onto each file, then
 * the thread ends. That is what {@code unshare --net=FILE --ipc=FILE --uts=FILE true} does with two processes,
 * without spawning them. Stateless and thread-safe.
 */
final class Namespaces {

  private Namespaces() {}

  /** Whether the calls are available (libc found, native access granted); else callers spawn {@code unshare}. */
  static boolean available() {
    return Libc.instance().isPresent();
  }

  /**
   * New network, IPC and UTS namespaces bound onto the given existing, empty files.
   *
   * @throws ContainerRuntimeException naming the failed call and its errno text
   */
  static void create(Path net, Path ipc, Path uts) {
    Libc libc = Libc.instance().orElseThrow(() -> new ContainerRuntimeException("namespace calls are not available"));
    var failure = new AtomicReference<RuntimeException>();
    Thread thread = Thread.ofPlatform().name("j8s-unshare").start(() -> {
      try {
        // on this thread alone, which ends afterwards
        libc.unshare(Libc.CLONE_NEWNET | Libc.CLONE_NEWIPC | Libc.CLONE_NEWUTS);
        for (var target : Map.of("net", net, "ipc", ipc, "uts", uts).entrySet()) {
          libc.bindMount("/proc/thread-self/ns/" + target.getKey(), target.getValue());
        }
      } catch (RuntimeException e) {
        failure.set(e);
      }
    });
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("interrupted creating namespaces at " + net.getParent(), e);
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }
}
