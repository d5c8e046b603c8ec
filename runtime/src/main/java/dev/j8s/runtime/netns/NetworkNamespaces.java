package dev.j8s.runtime.netns;

import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.Sockets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;

/**
 * Opens sockets inside a pod's network namespace without a process in it: a socket belongs to the namespace of the
 * thread that created it, and keeps it when that thread moves on. One platform thread of this class enters the
 * namespace bound at a path ({@code setns(2)} on the bind mount the runtime keeps per sandbox), creates the socket,
 * and returns to the host's namespace; the caller connects or binds it on its own thread. Probes, HTTP hooks and
 * port-forwarding reach a pod's ports this way, from the node and never through a binary inside the image.
 *
 * <p>Threads made by {@link #threadFactory} enter the namespace themselves instead (no hand-over to the shared thread:
 * each hand-over is a wake-up, which costs more than the {@code setns(2)} calls on a busy machine); callers that open
 * many sockets, such as the prober, run on such threads.
 *
 * <p>Thread-safe. Socket creation on the shared thread is serialized (a few microseconds each); connecting and I/O are
 * not. Should a thread fail to return to the host's namespace, it never creates another socket: the shared thread is
 * retired and a fresh one takes over; a thread of {@link #threadFactory} stops where it is, forever.
 */
public final class NetworkNamespaces {

  private static final System.Logger LOG = System.getLogger(NetworkNamespaces.class.getName());
  private static final NetworkNamespaces SHARED = new NetworkNamespaces();

  private final LinkedBlockingQueue<Task<?>> tasks = new LinkedBlockingQueue<>();
  private Thread thread;
  /** The host's namespace, held open by each thread that enters namespaces itself. */
  private static final ThreadLocal<Integer> HOST = new ThreadLocal<>();

  private NetworkNamespaces() {}

  /** The process-wide instance. */
  public static NetworkNamespaces shared() {
    return SHARED;
  }

  /** Whether sockets can be made in other namespaces here (libc linked with native access; the caller is root). */
  public static boolean available() {
    return Libc.instance().isPresent();
  }

  /**
   * Runs {@code opener} inside the network namespace bound at {@code netns} and returns what it made, typically a
   * new socket ({@code SocketChannel.open}, {@code ServerSocketChannel.open}); the opener must be short and must
   * not block.
   *
   * @throws ContainerRuntimeException when the namespace cannot be entered (gone, not a namespace)
   * @throws IOException from the opener
   */
  public <T extends NetworkChannel> T open(Path netns, Callable<T> opener) throws IOException {
    if (Thread.currentThread() instanceof NamespaceThread) {
      return openHere(netns, opener);
    }
    Task<T> task = new Task<>(netns, opener, new CompletableFuture<>());
    submit(task);
    try {
      return task.result().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      // the socket may still be made; it is closed when it arrives
      task.result().thenAccept(NetworkNamespaces::closeQuietly);
      throw new java.io.InterruptedIOException("interrupted opening a socket in " + netns);
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case IOException io -> throw io;
        case RuntimeException re -> throw re;
        case Error err -> throw err;
        default -> throw new IllegalStateException(e.getCause());
      }
    }
  }

  /**
   * A TCP connection to {@code target} made from inside the network namespace bound at {@code netns}, in blocking
   * mode; connecting takes at most {@code timeout}.
   *
   * @throws java.net.ConnectException when refused or unreachable
   * @throws java.net.SocketTimeoutException when not connected within {@code timeout}
   */
  public SocketChannel connect(Path netns, InetSocketAddress target, Duration timeout) throws IOException {
    StandardProtocolFamily family = Sockets.familyOf(target);
    return Sockets.connect(open(netns, () -> SocketChannel.open(family)), target, timeout);
  }

  /**
   * Platform threads that enter network namespaces themselves when they open sockets through this class (the
   * caller's own pool threads, e.g. the prober's); each holds the host's namespace open while it lives.
   */
  public static ThreadFactory threadFactory(String prefix) {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    return r -> new NamespaceThread(r, prefix + n.getAndIncrement());
  }

  /** A thread of {@link #threadFactory}. */
  private static final class NamespaceThread extends Thread {
    NamespaceThread(Runnable r, String name) {
      super(r, name);
      setDaemon(true);
    }
  }

  /** {@link #open} on the calling {@link NamespaceThread}: into the namespace, the opener, back. */
  private static <T extends NetworkChannel> T openHere(Path netns, Callable<T> opener) throws IOException {
    Libc libc = Libc.instance().orElseThrow(() -> new ContainerRuntimeException(
        "cannot enter network namespace " + netns + ": namespace calls are not available"));
    Integer host = HOST.get();
    if (host == null) {
      SocketChannel.open(StandardProtocolFamily.INET).close(); // JDK networking statics, in the host's namespace
      host = libc.openReadOnly(Path.of("/proc/thread-self/ns/net"));
      HOST.set(host);
    }
    int fd = libc.openReadOnly(netns);
    try {
      libc.setns(fd, Libc.CLONE_NEWNET, netns.toString());
    } finally {
      libc.close(fd);
    }
    T made = null;
    Exception failure = null;
    try {
      made = opener.call();
    } catch (Exception e) {
      failure = e;
    }
    try {
      libc.setns(host, Libc.CLONE_NEWNET, "back to the host");
    } catch (RuntimeException e) {
      if (made != null) {
        closeQuietly(made);
      }
      LOG.log(System.Logger.Level.ERROR, "thread " + Thread.currentThread().getName() + " could not return to the "
          + "host's network namespace; it stops for good: " + e.getMessage());
      while (true) {
        java.util.concurrent.locks.LockSupport.park(); // never to create a socket in the wrong namespace
        Thread.interrupted();
      }
    }
    return switch (failure) {
      case null -> made;
      case IOException io -> throw io;
      case RuntimeException re -> throw re;
      default -> throw new IOException(failure);
    };
  }

  private synchronized void submit(Task<?> task) {
    if (thread == null || !thread.isAlive()) {
      thread = Thread.ofPlatform().daemon().name("j8s-netns").start(this::serve);
    }
    tasks.add(task);
  }

  /** The namespace thread: the host's namespace is held open, each task enters its namespace and comes back. */
  private void serve() {
    Libc libc = Libc.instance().orElse(null);
    int host = -1;
    try {
      if (libc != null) {
        host = libc.openReadOnly(Path.of("/proc/thread-self/ns/net"));
      }
      // JDK networking initializes its statics (IPv6 support) on first use: do that here, in the host's namespace.
      SocketChannel.open(StandardProtocolFamily.INET).close();
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot prepare the network namespace thread: " + e);
    }
    while (true) {
      Task<?> task;
      try {
        task = tasks.take();
      } catch (InterruptedException e) {
        return;
      }
      if (libc == null || host < 0) {
        task.result().completeExceptionally(new ContainerRuntimeException(
            "cannot enter network namespace " + task.netns() + ": namespace calls are not available"));
        continue;
      }
      if (!run(libc, host, task)) {
        LOG.log(System.Logger.Level.ERROR, "the network namespace thread could not return to the host namespace;"
            + " retiring it");
        synchronized (this) {
          if (!tasks.isEmpty()) {
            thread = Thread.ofPlatform().daemon().name("j8s-netns").start(this::serve);
          } else {
            thread = null;
          }
        }
        return; // this thread stays in a pod's namespace and must never create another socket
      }
    }
  }

  /** Runs one task; false when the thread could not get back to the host's namespace. */
  private static <T extends NetworkChannel> boolean run(Libc libc, int host, Task<T> task) {
    int fd;
    try {
      fd = libc.openReadOnly(task.netns());
    } catch (RuntimeException e) {
      task.result().completeExceptionally(e);
      return true;
    }
    try {
      libc.setns(fd, Libc.CLONE_NEWNET, task.netns().toString());
    } catch (RuntimeException e) {
      libc.close(fd);
      task.result().completeExceptionally(e);
      return true;
    }
    T made = null;
    Throwable failure = null;
    try {
      made = task.opener().call();
    } catch (Exception | Error e) {
      failure = e;
    }
    boolean back;
    try {
      libc.setns(host, Libc.CLONE_NEWNET, "back to the host");
      back = true;
    } catch (RuntimeException e) {
      back = false;
    }
    libc.close(fd);
    if (failure != null) {
      task.result().completeExceptionally(failure);
    } else {
      task.result().complete(made);
    }
    return back;
  }

  private static void closeQuietly(NetworkChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to release beyond the descriptor
    }
  }

  private record Task<T extends NetworkChannel>(Path netns, Callable<T> opener, CompletableFuture<T> result) {}
}
