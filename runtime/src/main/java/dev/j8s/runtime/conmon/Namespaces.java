package dev.j8s.runtime.conmon;

import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.netns.Libc;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Creates a sandbox's network, IPC and UTS namespaces (those it does not share with the host) and pins each one with a bind mount onto a file, in
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
        case "net" -> Libc.CLONE_NEWNET;
        case "ipc" -> Libc.CLONE_NEWIPC;
        case "uts" -> Libc.CLONE_NEWUTS;
        default -> throw new IllegalArgumentException("unknown namespace type " + type);
      };
    }
    int unshareFlags = flags;
    Path any = targets.values().iterator().next();
    Libc libc = Libc.instance().orElseThrow(() -> new ContainerRuntimeException("namespace calls are not available"));
    var failure = new AtomicReference<RuntimeException>();
    Thread thread = Thread.ofPlatform().name("j8s-unshare").start(() -> {
      try {
        // on this thread alone, which ends afterwards
        libc.unshare(unshareFlags);
        for (var target : targets.entrySet()) {
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
      throw new ContainerRuntimeException("interrupted creating namespaces at " + any.getParent(), e);
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }
}
