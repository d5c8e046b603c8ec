package dev.j8s.runtime.conmon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ExecSession;
import dev.j8s.runtime.ProcessRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * An exec session on a terminal: {@code runc exec} of a {@code terminal: true} process in the foreground, whose stdio is the slave of
 * a host pseudo-terminal that util-linux {@code script} allocates, while our pipes are on
 * {@code script}'s side (the master). Thread-safe (each stream for one reader or writer).
 *
 * <p>runc makes its stdin raw, copies between it and the container's own terminal, and on SIGWINCH
 * gives the container's terminal the size of its stdin. Setting the host slave's size (TIOCSWINSZ, here
 * through {@code stty -F /proc/<runc>/fd/0}) makes the kernel send that SIGWINCH to the slave's
 * foreground process group, which is runc: so a resize is one {@code stty}. This is what containerd's
 * {@code process.Resize} achieves with its console; we need no native code for it.
 */
final class TtyExecSession implements ExecSession {

  private static final System.Logger LOG = System.getLogger(TtyExecSession.class.getName());
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Path SCRIPT = Path.of("/usr/bin/script");
  private static final Path STTY = Path.of("/usr/bin/stty");
  /** How long a resize waits for {@code script} to have started runc. */
  private static final Duration CHILD_WAIT = Duration.ofSeconds(2);
  /** How long runc has to pass the hang-up on after {@code script} was killed. */
  private static final Duration HANGUP_GRACE = Duration.ofSeconds(2);

  private final Process script;
  private final String runcBinary;
  private final OutputStream stdin;
  private final Object resizeLock = new Object();

  private TtyExecSession(Process script, String runcBinary) {
    this.script = script;
    this.runcBinary = runcBinary;
    this.stdin = new GatedOutput();
  }

  /**
   * Starts {@code command} in container {@code containerId} (bundle {@code bundle}) on a new terminal of
   * {@code width} x {@code height}.
   *
   * <p>The process is the bundle's own (user, cwd, capabilities, env) with our args, {@code TERM=xterm}
   * and {@code consoleSize}, handed to {@code runc exec --process}: runc sizes the container's terminal
   * before the command starts, where {@code --tty} alone would size it only after, racing the command.
   */
  static TtyExecSession start(Runc runc, Path bundle, String containerId, List<String> command, int width,
      int height) {
    checkSize(width, height);
    if (!Files.isExecutable(SCRIPT) || !Files.isExecutable(STTY)) {
      throw new ContainerRuntimeException("exec with a TTY needs " + SCRIPT + " and " + STTY + " (util-linux, coreutils)");
    }
    Path processFile = bundle.resolve("exec-" + UUID.randomUUID() + ".json");
    try {
      Files.write(processFile, MAPPER.writeValueAsBytes(process(bundle.resolve("config.json"), command, width, height)));
    } catch (IOException e) {
      throw new ContainerRuntimeException("exec with a TTY in container " + containerId, e);
    }
    List<String> runcArgv = runc.command("exec", "--process", processFile.toString(), containerId);
    // script runs "$SHELL -c <line>" on the slave: make the host terminal a raw pipe of the right size
    // (runc would make it raw only once it copies, so early output could get a second CR), then become
    // runc (same pid: runc is the session leader and in the terminal's foreground process group)
    String line = "stty raw -echo rows " + height + " cols " + width + " && exec " + quote(runcArgv);
    ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString(), "-q", "-e", "-c", line, "/dev/null")
        .redirectErrorStream(true);
    builder.environment().put("SHELL", "/bin/sh");
    try {
      Process script = builder.start();
      script.onExit().thenRun(() -> deleteQuietly(processFile));
      return new TtyExecSession(script, runc.binary().toRealPath().toString());
    } catch (IOException e) {
      deleteQuietly(processFile);
      throw new ContainerRuntimeException("exec with a TTY: " + runcArgv, e);
    }
  }

  /** The bundle's process with our command on a terminal (the OCI runtime spec's {@code process}). */
  static ObjectNode process(Path config, List<String> command, int width, int height) throws IOException {
    JsonNode spec = MAPPER.readTree(config.toFile());
    if (!(spec.path("process") instanceof ObjectNode original)) {
      throw new IOException("no process in " + config);
    }
    ObjectNode process = original.deepCopy();
    process.put("terminal", true);
    process.putObject("consoleSize").put("height", height).put("width", width);
    ArrayNode args = process.putArray("args");
    command.forEach(args::add);
    ArrayNode env = process.putArray("env");
    original.path("env").forEach(e -> {
      if (!e.asText().startsWith("TERM=")) {
        env.add(e.asText());
      }
    });
    env.add("TERM=xterm");
    return process;
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "exec process file not deleted path=" + file + " error=" + e);
    }
  }

  /** POSIX shell quoting: every word single-quoted, a single quote written as {@code '"'"'}. */
  static String quote(List<String> words) {
    return words.stream()
        .map(w -> "'" + w.replace("'", "'\"'\"'") + "'")
        .collect(Collectors.joining(" "));
  }

  private static void checkSize(int width, int height) {
    if (width < 1 || width > 65535 || height < 1 || height > 65535) {
      throw new IllegalArgumentException("terminal size " + width + "x" + height + " is out of range 1..65535");
    }
  }

  @Override
  public OutputStream stdin() {
    return stdin;
  }

  /**
   * Holds the first input back until runc runs: until then the host terminal is still cooked and would
   * echo it (or turn a Ctrl-C into a signal for runc itself).
   */
  private final class GatedOutput extends OutputStream {
    private volatile boolean open;

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (!open) {
        awaitRunc();
        open = true;
      }
      script.getOutputStream().write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      script.getOutputStream().flush();
    }

    @Override
    public void close() throws IOException {
      script.getOutputStream().close();
    }
  }

  /** Waits (bounded) until script's child has become runc; it then sets up the terminal. */
  private void awaitRunc() {
    long deadline = System.nanoTime() + CHILD_WAIT.toNanos();
    while (script.isAlive() && System.nanoTime() - deadline < 0) {
      boolean isRunc = script.children().findFirst()
          .flatMap(child -> child.info().command())
          .map(runcBinary::equals)
          .orElse(false);
      if (isRunc) {
        return;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public InputStream stdout() {
    return script.getInputStream();
  }

  @Override
  public InputStream stderr() {
    return InputStream.nullInputStream();
  }

  @Override
  public OptionalInt awaitExit(Duration timeout) {
    try {
      return script.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
          ? OptionalInt.of(script.exitValue()) : OptionalInt.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalInt.empty();
    }
  }

  /** Resizes the terminal; ignored once the command has exited. */
  @Override
  public void resize(int width, int height) {
    checkSize(width, height);
    synchronized (resizeLock) { // resizes apply in the order they came
      Optional<ProcessHandle> runc = runc();
      if (runc.isEmpty()) {
        return;
      }
      ProcessRunner.Result result = ProcessRunner.run(List.of(STTY.toString(), "-F",
          "/proc/" + runc.get().pid() + "/fd/0", "rows", Integer.toString(height), "cols", Integer.toString(width)),
          Duration.ofSeconds(5));
      if (result.exitStatus() != 0 && script.isAlive()) {
        LOG.log(Level.DEBUG, "terminal resize failed pid=" + runc.get().pid() + " stderr=" + result.stderrText());
      }
    }
  }

  /** script's only child, which became runc; empty when it is gone (or did not appear in time). */
  private Optional<ProcessHandle> runc() {
    long deadline = System.nanoTime() + CHILD_WAIT.toNanos();
    while (script.isAlive()) {
      Optional<ProcessHandle> child = script.children().findFirst();
      if (child.isPresent() || System.nanoTime() - deadline > 0) {
        return child;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * Ends the command: killing {@code script} closes the master, so the kernel hangs the terminal up and
   * runc passes the SIGHUP on to the command (which ends even an interactive shell); runc is killed if
   * it is still there after a grace period.
   */
  @Override
  public void close() {
    List<ProcessHandle> children = script.children().toList();
    script.destroyForcibly();
    if (children.isEmpty()) {
      return;
    }
    Thread.ofVirtual().name("j8s-exec-tty-reaper").start(() -> {
      for (ProcessHandle child : children) {
        try {
          child.onExit().get(HANGUP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          child.destroyForcibly();
        }
      }
    });
  }
}
