package dev.j8s.runtime.conmon;

import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ExecSession;
import dev.j8s.runtime.netns.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * An attach to a container's main process through conmon's attach socket ({@code <bundle>/attach}, a
 * {@code SOCK_SEQPACKET} Unix socket): conmon sends each read of the container's output as one message whose first
 * byte names the pipe (2 stdout, 3 stderr; a TTY's output is stdout), and writes what we send to the container's stdin
 * (the pipe conmon holds with {@code --stdin}, or the terminal). When our stdin ends we shut the socket's sending side:
 * conmon then closes the container's stdin, unless it was told {@code --leave-stdin-open} (no {@code stdinOnce}).
 * Detaching closes the socket and leaves the container running. Mirrors CRI-O's {@code AttachContainer}.
 *
 * <p>The attach is over when the output ends (conmon exits with the container), or at once when the client's stdin
 * ends on a container without TTY that keeps its stdin open (CRI-O's rule: nothing more can come of the attach).
 *
 * <p>Bounded: output waits in a queue of a few messages; while nobody takes them, this session stops reading and
 * conmon blocks on the socket, holding the container's output back. The socket calls block, so each direction has a
 * platform thread of its own (a virtual thread would pin its carrier). Thread-safe; each stream for one reader or
 * writer.
 */
final class AttachSession implements ExecSession {

  private static final System.Logger LOG = System.getLogger(AttachSession.class.getName());
  /** conmon's pipe numbers in the first byte of a message. */
  private static final int STDOUT_PIPE = 2;
  private static final int STDERR_PIPE = 3;
  /** conmon reads at most {@code CONN_SOCK_BUF_SIZE - 1} bytes of one message: longer ones would be cut. */
  static final int MAX_STDIN_MESSAGE = 8192;
  /** conmon sends at most {@code STDIO_BUF_SIZE} bytes and the pipe byte. */
  private static final int MAX_OUTPUT_MESSAGE = 8192 + 1;
  private static final int QUEUED_MESSAGES = 4;
  private static final byte[] END = new byte[0];

  private final Libc libc;
  private final int fd;
  private final boolean stdinOnce;
  private final boolean tty;
  private final BiConsumer<Integer, Integer> resizer;
  private final BlockingQueue<byte[]> stdout = new ArrayBlockingQueue<>(QUEUED_MESSAGES);
  private final BlockingQueue<byte[]> stderr = new ArrayBlockingQueue<>(QUEUED_MESSAGES);
  private final CountDownLatch over = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean socketClosed = new AtomicBoolean();
  private final Stdin stdin;
  private final Thread reader;

  private AttachSession(Libc libc, int fd, boolean stdin, boolean stdinOnce, boolean tty,
      BiConsumer<Integer, Integer> resizer) {
    this.libc = libc;
    this.fd = fd;
    this.stdinOnce = stdinOnce;
    this.tty = tty;
    this.resizer = resizer;
    this.stdin = new Stdin(stdin);
    this.reader = Thread.ofPlatform().daemon().name("j8s-attach-output").unstarted(this::readOutput);
  }

  /**
   * Attaches to the container whose conmon listens on {@code socket}.
   *
   * @param stdin     whether the client's stdin goes to the container (else what it writes is dropped)
   * @param stdinOnce the container's {@code stdinOnce}: its stdin closes with the end of this attach's stdin
   * @param tty       the container's {@code tty}
   * @param resizer   resizes the container's terminal to (width, height)
   * @throws ContainerRuntimeException when the socket cannot be reached (conmon is gone)
   */
  static AttachSession open(Path socket, boolean stdin, boolean stdinOnce, boolean tty,
      BiConsumer<Integer, Integer> resizer) {
    Libc libc = Libc.instance().orElseThrow(() -> new ContainerRuntimeException(
        "attach needs native access (libc calls) to reach conmon's attach socket"));
    int fd = libc.connectSeqPacket(socket);
    AttachSession session = new AttachSession(libc, fd, stdin, stdinOnce, tty, resizer);
    session.reader.start();
    return session;
  }

  /** Takes conmon's messages and hands them to the stdout and stderr streams until the socket ends. */
  private void readOutput() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(MAX_OUTPUT_MESSAGE);
      while (true) {
        int n = libc.read(fd, buffer);
        if (n <= 0) {
          break;
        }
        byte pipe = buffer.get(ValueLayout.JAVA_BYTE, 0);
        byte[] data = buffer.asSlice(1, n - 1).toArray(ValueLayout.JAVA_BYTE);
        BlockingQueue<byte[]> target = pipe == STDERR_PIPE ? stderr : pipe == STDOUT_PIPE ? stdout : null;
        if (target != null && data.length > 0) {
          target.put(data); // waits while the client does not take the output: conmon waits with us
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!closed.get()) {
        LOG.log(Level.DEBUG, "attach socket failed error=" + e.getMessage());
      }
    } finally {
      outputEnded();
    }
  }

  /** The output ended (conmon closed the socket, or we did): after what is queued, the streams end. */
  private void outputEnded() {
    try {
      if (!closed.get()) {
        stdout.put(END); // the container's last words reach the client before the end
        stderr.put(END);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      over.countDown();
    }
  }

  /** Detached: the streams end now, what is queued is dropped. */
  private void drop() {
    for (BlockingQueue<byte[]> queue : java.util.List.of(stdout, stderr)) {
      queue.clear();
      queue.offer(END);
    }
  }

  @Override
  public OutputStream stdin() {
    return stdin;
  }

  @Override
  public InputStream stdout() {
    return new Output(stdout);
  }

  @Override
  public InputStream stderr() {
    return new Output(stderr);
  }

  /** 0 once the attach is over; empty while it goes on. */
  @Override
  public OptionalInt awaitExit(Duration timeout) {
    try {
      return over.await(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(0) : OptionalInt.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalInt.empty();
    }
  }

  /**
   * Resizes the container's terminal; one size at a time, each once conmon read the one before (see
   * {@code ConmonRuntime.control}), in the order they come.
   */
  @Override
  public synchronized void resize(int width, int height) {
    if (tty) {
      resizer.accept(width, height);
    }
  }

  /** Detaches: the socket closes, the container goes on. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    libc.shutdown(fd, Libc.SHUT_RDWR); // wakes the reader in read(2) and a blocked send
    reader.interrupt(); // and one waiting for room in a queue
    stdin.stop();
    try {
      if (!reader.join(Duration.ofSeconds(5)) || !stdin.awaitStopped(Duration.ofSeconds(5))) {
        LOG.log(Level.WARNING, "attach threads did not stop");
        return; // never close a descriptor a thread may still use: its number could name another file by then
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    drop();
    over.countDown();
    if (socketClosed.compareAndSet(false, true)) {
      libc.close(fd);
    }
  }

  /** The container's stdin: messages of at most {@link #MAX_STDIN_MESSAGE} bytes, sent by a platform thread. */
  private final class Stdin extends OutputStream {
    private final boolean forward;
    private final BlockingQueue<byte[]> pending = new ArrayBlockingQueue<>(1);
    private final BlockingQueue<Throwable> done = new ArrayBlockingQueue<>(1);
    private final Thread sender;
    private volatile boolean ended;

    Stdin(boolean forward) {
      this.forward = forward;
      this.sender = Thread.ofPlatform().daemon().name("j8s-attach-stdin").unstarted(this::send);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    /** Hands the bytes to the sender and waits until conmon took them (or the attach is over). */
    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      if (ended || closed.get()) {
        throw new IOException("the attach's stdin is closed");
      }
      if (!forward) {
        return; // the container has no stdin, or the client sends none: dropped, as the runtime would
      }
      if (sender.getState() == Thread.State.NEW) {
        sender.start();
      }
      for (int at = off; at < off + len; at += MAX_STDIN_MESSAGE) {
        byte[] message = java.util.Arrays.copyOfRange(b, at, Math.min(off + len, at + MAX_STDIN_MESSAGE));
        try {
          pending.put(message);
          Throwable failure = done.poll(100, TimeUnit.MILLISECONDS);
          while (failure == null) {
            if (!sender.isAlive()) { // detached meanwhile: the sender stopped before this message
              throw new IOException("the attach's stdin is closed");
            }
            failure = done.poll(100, TimeUnit.MILLISECONDS);
          }
          if (failure != NONE) {
            throw new IOException("write to the container's stdin: " + failure.getMessage(), failure);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted writing to the container's stdin");
        }
      }
    }

    private void send() {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment buffer = arena.allocate(MAX_STDIN_MESSAGE);
        while (true) {
          byte[] message = pending.take();
          if (message == END) {
            return;
          }
          Throwable result = NONE;
          try {
            MemorySegment.copy(message, 0, buffer, ValueLayout.JAVA_BYTE, 0,
                message.length);
            libc.send(fd, buffer.asSlice(0, message.length));
          } catch (RuntimeException e) {
            result = e;
          }
          done.put(result);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /**
     * The client's stdin ended: conmon is told (it closes the container's stdin as {@code stdinOnce} says), and
     * an attach without TTY to a container that keeps its stdin open is over.
     */
    @Override
    public synchronized void close() {
      if (ended) {
        return;
      }
      ended = true;
      if (forward && !closed.get()) {
        // only an attach that forwards stdin says it ended: conmon closes the container's stdin then
        try {
          libc.shutdown(fd, Libc.SHUT_WR);
        } catch (RuntimeException e) {
          LOG.log(Level.DEBUG, "attach stdin shutdown failed error=" + e.getMessage());
        }
      }
      stop();
      if (forward && !stdinOnce && !tty) {
        AttachSession.this.close();
      }
    }

    /** Whether the sender thread, if it ever started, is gone within {@code timeout}. */
    boolean awaitStopped(Duration timeout) throws InterruptedException {
      return sender.getState() == Thread.State.NEW || sender.join(timeout);
    }

    /** Stops the sender thread, if it ever started. */
    void stop() {
      pending.clear();
      pending.offer(END); // also for a sender that a racing write starts only now
    }
  }

  private static final Throwable NONE = new Throwable("no failure", null, false, false) {
  };

  /** One of the output pipes, as the messages conmon sent on it. */
  private static final class Output extends InputStream {
    private final BlockingQueue<byte[]> queue;
    private byte[] current = new byte[0];
    private int position;
    private boolean atEnd;

    Output(BlockingQueue<byte[]> queue) {
      this.queue = queue;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (position == current.length) {
        if (atEnd) {
          return -1;
        }
        try {
          current = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted reading the attach's output");
        }
        position = 0;
        if (current == END) {
          atEnd = true;
          queue.offer(END); // another reader of the same pipe sees the end too
        }
      }
      int n = Math.min(len, current.length - position);
      System.arraycopy(current, position, b, off, n);
      position += n;
      return n;
    }
  }
}
