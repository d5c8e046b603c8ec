package dev.j8s.runtime.conmon;

import dev.j8s.runtime.ProcessRunner;
import dev.j8s.runtime.cni.CniNetwork;
import dev.j8s.runtime.oci.Mounts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Pod network namespaces made ahead of demand: up to {@code size} namespaces with the CNI ADD done (loopback, then
 * the bridge with an address from host-local; never portmap), each made for the sandbox id it will have. A sandbox
 * started without host ports takes one ({@link #take}) instead of making its namespace and running the plugins on
 * its start's critical path; the pool makes another in the background. Thread-safe.
 *
 * <p>Identity: an entry is made under a fresh sandbox id, its namespace bound where that sandbox's is
 * ({@code <run>/ns/<id>/net}) and its CNI ADD run with that id as the container id, so host-local's reservation,
 * the cached result and the CNI DEL of the sandbox's teardown are the sandbox's own, as if it had made them.
 *
 * <p>Crash safety: each entry has a marker {@code <data>/netpool/<id>}, made before its namespace and removed when
 * a sandbox record owns the id ({@link #owned}) or the entry is released. {@link #reclaim} (at {@link #start} and at
 * the runtime's {@code destroy}) releases every marker no sandbox record owns, with CNI DEL by its id, so a kill -9
 * at any point leaks neither a namespace nor an address. The pool never holds more than {@code size} entries, made or
 * being made.
 */
final class NetworkPool {
  private static final System.Logger LOG = System.getLogger(NetworkPool.class.getName());
  /** How long {@link #close} waits for an entry being made (its plugins have 30 s each). */
  static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(90);
  private static final int PRIO_PROCESS = 0;
  private static final int LOWEST_PRIORITY = 19;

  /** A ready namespace: the sandbox id it was made for and the addresses CNI gave it. */
  record Entry(String id, List<String> ips) {
    Entry {
      ips = List.copyOf(ips);
    }
  }

  private final CniNetwork network;
  private final Path markers;
  private final Path nsDir;
  private final Predicate<String> hasSandboxRecord;
  private final Supplier<String> newId;
  private final ArrayDeque<Entry> ready = new ArrayDeque<>();
  private int size;
  /** Entries being made by the refill thread: at most one at a time. */
  private boolean filling;
  private boolean closed = true;
  private Thread filler;

  NetworkPool(CniNetwork network, Path markers, Path nsDir, Predicate<String> hasSandboxRecord,
      Supplier<String> newId) {
    this.network = network;
    this.markers = markers;
    this.nsDir = nsDir;
    this.hasSandboxRecord = hasSandboxRecord;
    this.newId = newId;
  }

  /**
   * Releases what an earlier process left ({@link #reclaim}), then keeps {@code size} namespaces ready from now on;
   * a size of 0 keeps none.
   */
  void start(int size) {
    if (size < 0) {
      throw new IllegalArgumentException("network pool size " + size + " is negative");
    }
    try {
      reclaim(); // outside the lock: sandboxes started meanwhile make their own namespaces instead of waiting
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot release the network namespaces an earlier process made ahead: " + e.getMessage());
    }
    synchronized (this) {
      this.size = size;
      this.closed = false;
      refill();
    }
  }

  /** A ready namespace for the sandbox to be made under its id; empty when none is ready (never waits). */
  synchronized Optional<Entry> take() {
    Entry entry = ready.poll();
    if (entry != null) {
      refill();
    }
    return Optional.ofNullable(entry);
  }

  /**
   * Called once the sandbox record of a taken entry is written: the sandbox owns its namespace and address, and its
   * teardown releases them.
   */
  void owned(Entry entry) {
    try {
      Files.deleteIfExists(markers.resolve(entry.id()));
    } catch (IOException e) {
      // reclaim finds the sandbox record and removes the marker then
      LOG.log(Level.WARNING, "cannot remove network pool marker {0}: {1}", entry.id(), e.getMessage());
    }
  }

  /** Releases a taken entry no sandbox record owns (the sandbox failed before its record was written). */
  void discard(Entry entry) {
    release(entry.id());
  }

  /** The number of entries ready or being made. */
  synchronized int held() {
    return ready.size() + (filling ? 1 : 0);
  }

  /** Stops refilling, waits for an entry being made, and releases every ready entry. Idempotent. */
  void close() {
    Thread thread;
    synchronized (this) {
      closed = true;
      thread = filler;
    }
    if (thread != null) {
      try {
        thread.join(CLOSE_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<Entry> left;
    synchronized (this) {
      left = new ArrayList<>(ready);
      ready.clear();
    }
    for (Entry entry : left) {
      release(entry.id());
    }
  }

  /**
   * Releases every entry whose marker no sandbox record owns (CNI DEL by its id, the namespace unmounted and its
   * directory removed) and removes the markers of the owned ones; for a pool that is not running.
   */
  void reclaim() {
    for (Path marker : list(markers)) {
      String id = marker.getFileName().toString();
      if (hasSandboxRecord.test(id)) {
        owned(new Entry(id, List.of()));
      } else {
        LOG.log(Level.INFO, "releasing network namespace left by an earlier process id={0}", id);
        release(id);
      }
    }
  }

  /** Starts making one entry when fewer than {@code size} are held and none is being made. */
  private synchronized void refill() {
    if (closed || filling || ready.size() >= size) {
      return;
    }
    filling = true;
    filler = Thread.ofPlatform().daemon().name("j8s-netpool").start(this::fill);
  }

  private void fill() {
    lowerPriority();
    while (true) {
      synchronized (this) {
        if (closed || ready.size() >= size) {
          filling = false;
          return;
        }
      }
      Optional<Entry> made = make(newId.get());
      synchronized (this) {
        if (made.isEmpty()) {
          filling = false; // the next take tries again
          return;
        }
        ready.add(made.get());
        if (closed) {
          filling = false;
          return; // close releases it
        }
      }
    }
  }

  /**
   * Gives the calling thread, and the processes and threads it starts (the plugins, iptables, the unshare thread),
   * the lowest CPU priority ({@code setpriority(2)} on a thread: Linux keeps the nice value per thread, and a child
   * inherits its creator's): a refill runs beside the start of the pod that took a namespace, and must not slow it
   * down.
   */
  private static void lowerPriority() {
    try {
      var linker = java.lang.foreign.Linker.nativeLinker();
      var setpriority = linker.downcallHandle(linker.defaultLookup().find("setpriority").orElseThrow(),
          java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT,
              java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT,
              java.lang.foreign.ValueLayout.JAVA_INT));
      int rc = (int) setpriority.invokeExact(PRIO_PROCESS, 0, LOWEST_PRIORITY);
      if (rc != 0) {
        LOG.log(Level.DEBUG, "setpriority failed for the network pool's thread");
      }
    } catch (Throwable e) {
      LOG.log(Level.DEBUG, "cannot lower the network pool's priority: " + e);
    }
  }

  /** One namespace with its CNI ADD done; empty (and nothing left) when that fails. */
  private Optional<Entry> make(String id) {
    Path ns = nsDir.resolve(id);
    try {
      Files.createDirectories(markers);
      Files.createFile(markers.resolve(id));
      Files.createDirectories(ns);
      Path net = Files.createFile(ns.resolve("net"));
      if (Namespaces.available()) {
        Namespaces.create(java.util.Map.of("net", net));
      } else {
        ProcessRunner.run(List.of("unshare", "--net=" + net, "true"), Runc.TIMEOUT)
            .orThrow("create network namespace " + id);
      }
      CniNetwork.Attachment attachment = network.add(id, net, List.of());
      LOG.log(Level.DEBUG, "network namespace ready ahead of its pod id={0} ip={1}", id, attachment.ips());
      return Optional.of(new Entry(id, attachment.ips()));
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "cannot make a network namespace ahead of its pod: " + e.getMessage());
      try {
        release(id);
      } catch (RuntimeException cleanup) {
        LOG.log(Level.WARNING, "cannot release network namespace " + id + ": " + cleanup.getMessage());
      }
      return Optional.empty();
    }
  }

  /**
   * CNI DEL by the entry's id (idempotent), then its namespace unmounted and its directory and marker removed. A
   * failed DEL (an ADD killed halfway, which left part of the bridge's rules) is logged and the rest done all the same:
   * host-local's release runs before the bridge's rules in the plugin's DEL, and the instance's leftover rules are
   * tagged with its network's name, which {@code destroy} removes.
   */
  private void release(String id) {
    Path ns = nsDir.resolve(id);
    try {
      network.delete(id, ns.resolve("net"), List.of());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "CNI DEL of a network namespace made ahead failed, releasing it all the same id=" + id
          + ": " + e.getMessage());
    }
    Mounts.unmount(ns.resolve("net"));
    ConmonRuntime.deleteTree(ns);
    try {
      Files.deleteIfExists(markers.resolve(id));
    } catch (IOException e) {
      throw new UncheckedIOException("remove network pool marker " + id, e);
    }
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var entries = Files.list(dir)) {
      return entries.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("list " + dir, e);
    }
  }
}
