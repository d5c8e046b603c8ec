package dev.j8s.kubelet.logs;

import dev.j8s.runtime.CriLogLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One reader's pods/log body, produced on demand from the log files (no thread of its own); not
 * thread-safe.
 *
 * <p>Following waits on a {@link WatchService} for the directory with a bounded timeout (so a missed
 * event or a stopped container is noticed within a second), and switches to the new file when the
 * current one was rotated away.
 */
final class LogStream extends InputStream {

  /** RFC 3339 with nine fraction digits, as the kubelet's {@code RFC3339NanoFixed}. */
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX").withZone(ZoneOffset.UTC);
  private static final long WAIT_MILLIS = 1000;

  private final Deque<Path> pending;
  private final Path current;
  private final LogOptions options;
  private final BooleanSupplier running;
  /** Bytes read from the channel and not yet consumed (read mode). */
  private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024).limit(0);
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final StringBuilder partial = new StringBuilder();
  private CriLogLine partialFirst;
  private FileChannel channel;
  private Object channelKey;
  private Path channelPath;
  private WatchService watcher;
  private byte[] out = new byte[0];
  private int outPos;
  private long sent;
  private Deque<byte[]> tail;
  private boolean tailDone;
  private boolean finished;

  LogStream(List<Path> files, Path current, LogOptions options, BooleanSupplier running) {
    this.pending = new ArrayDeque<>(files);
    this.current = current;
    this.options = options;
    this.running = running;
    this.tailDone = options.tailLines().isEmpty();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (limitReached()) {
      return -1;
    }
    while (outPos >= out.length) {
      if (finished || limitReached()) {
        return -1;
      }
      byte[] next = nextOutput();
      if (next == null) {
        finished = true;
        return -1;
      }
      out = next;
      outPos = 0;
    }
    int n = Math.min(len, out.length - outPos);
    if (options.limitBytes().isPresent()) {
      n = (int) Math.min(n, options.limitBytes().getAsLong() - sent);
    }
    System.arraycopy(out, outPos, b, off, n);
    outPos += n;
    sent += n;
    return n;
  }

  private boolean limitReached() {
    return options.limitBytes().isPresent() && sent >= options.limitBytes().getAsLong();
  }

  /** The next formatted entry, or null at the end. */
  private byte[] nextOutput() throws IOException {
    if (!tailDone) {
      tailDone = true;
      tail = new ArrayDeque<>();
      long keep = options.tailLines().getAsLong();
      byte[] entry;
      while ((entry = nextEntry(false)) != null) {
        if (keep == 0) {
          continue;
        }
        if (tail.size() == keep) {
          tail.removeFirst();
        }
        tail.addLast(entry);
      }
    }
    if (tail != null && !tail.isEmpty()) {
      return tail.removeFirst();
    }
    return nextEntry(options.follow());
  }

  /** Reads the next complete (joined) entry that passes the filters; null at the end of what is there. */
  private byte[] nextEntry(boolean follow) throws IOException {
    while (true) {
      String text = nextLine(follow);
      if (text == null) {
        if (partialFirst != null && !follow) {
          // A final partial line without its end: show what there is, without a newline.
          byte[] b = format(partialFirst, partial.toString(), false);
          partialFirst = null;
          partial.setLength(0);
          return b;
        }
        return null;
      }
      CriLogLine parsed;
      try {
        parsed = CriLogLine.parse(text);
      } catch (IllegalArgumentException e) {
        continue; // upstream skips lines it cannot parse
      }
      if (parsed.partial()) {
        if (partialFirst == null) {
          partialFirst = parsed;
        }
        partial.append(parsed.content());
        continue;
      }
      CriLogLine first = partialFirst == null ? parsed : partialFirst;
      String content = partial.append(parsed.content()).toString();
      partialFirst = null;
      partial.setLength(0);
      if (options.since().isPresent() && first.time().isBefore(options.since().get())) {
        continue;
      }
      return format(first, content, true);
    }
  }

  private byte[] format(CriLogLine first, String content, boolean newline) {
    String text = (options.timestamps() ? TIMESTAMP.format(first.time()) + " " : "") + content
        + (newline ? "\n" : "");
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The next raw line without its newline; null at the end (waiting for more when following). */
  private String nextLine(boolean follow) throws IOException {
    while (true) {
      if (channel == null && !openNext()) {
        if (!follow) {
          return null;
        }
        if (!waitForData()) {
          return null;
        }
        continue;
      }
      if (!readBuffer.hasRemaining()) {
        readBuffer.clear();
        int n = channel.read(readBuffer);
        readBuffer.flip();
        if (n <= 0) {
          readBuffer.limit(0);
        }
      }
      if (readBuffer.hasRemaining()) {
        while (readBuffer.hasRemaining()) {
          byte b = readBuffer.get();
          if (b == '\n') {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            return text;
          }
          line.write(b);
        }
        continue;
      }
      // End of this file: move on to the next one, or wait for the writer.
      if (!pending.isEmpty()) {
        closeChannel();
        continue;
      }
      if (!follow) {
        return null;
      }
      if (rotatedAway()) {
        closeChannel();
        pending.add(current);
        continue;
      }
      if (!waitForData()) {
        return null;
      }
    }
  }

  private boolean openNext() throws IOException {
    while (!pending.isEmpty()) {
      Path next = pending.removeFirst();
      try {
        channel = FileChannel.open(next, StandardOpenOption.READ);
        channelPath = next;
        channelKey = Files.readAttributes(next, BasicFileAttributes.class).fileKey();
        return true;
      } catch (NoSuchFileException e) {
        // rotated or removed between listing and opening
      }
    }
    return false;
  }

  /** Whether the current file's name now belongs to a new file (the kubelet rotated it). */
  private boolean rotatedAway() throws IOException {
    if (!channelPath.equals(current)) {
      return Files.exists(current);
    }
    try {
      Object key = Files.readAttributes(current, BasicFileAttributes.class).fileKey();
      return key != null && !key.equals(channelKey);
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /**
   * Waits (bounded) for the file to grow; false when the container stopped and nothing more can come.
   */
  private boolean waitForData() throws IOException {
    if (!running.getAsBoolean()) {
      // One last look: the writer may have flushed between our read and its exit.
      if (channel != null && (readBuffer.hasRemaining() || channel.size() > channel.position())) {
        return true;
      }
      return channel == null && !pending.isEmpty();
    }
    if (watcher == null) {
      watcher = current.getFileSystem().newWatchService();
      current.getParent().register(watcher, StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_CREATE);
    }
    try {
      WatchKey key = watcher.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      if (key != null) {
        key.pollEvents();
        key.reset();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while following " + current);
    } catch (ClosedWatchServiceException e) {
      return false;
    }
    if (channel == null && Files.exists(current)) {
      pending.add(current);
    }
    return true;
  }

  private void closeChannel() throws IOException {
    readBuffer.clear().limit(0);
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  @Override
  public void close() throws IOException {
    finished = true;
    closeChannel();
    if (watcher != null) {
      watcher.close();
    }
  }
}
