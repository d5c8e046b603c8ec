package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One exec or attach session on the Kubernetes channel protocol (v4/v5.channel.k8s.io): binary messages whose
 * first byte names the stream; stdout and stderr are copied out, stdin in, and the end is a Status on
 * channel 3 followed by a normal close. Mirrors client-go's {@code remotecommand} server side
 * ({@code pkg/kubelet/cri/streaming/remotecommand/websocket.go}). Thread-safe: sends are serialized. Public only because
 * Jetty invokes the listener methods reflectively.
 *
 * <p>With a TTY there is no stderr, stdin is raw, and channel 4 carries the client's terminal size as
 * JSON ({@code {"Width":100,"Height":30}}). The command is started only once the first size arrived
 * (kubectl sends it right after connecting; we wait at most {@link #INITIAL_SIZE_WAIT}), so it starts
 * on a terminal of the right size; later sizes resize it.
 *
 * <p>Stdin is bounded: the next frame is demanded from Jetty only once the previous one was written to the
 * command (or dropped), so a client sending faster than the command reads is held back by TCP, never by
 * memory here. Control frames wait behind a blocked write too, as they would in the socket.
 */
public final class ExecChannels extends DemandingListener {

    private static final System.Logger LOG = System.getLogger(ExecChannels.class.getName());

    static final byte STDIN = 0;
    static final byte STDOUT = 1;
    static final byte STDERR = 2;
    static final byte ERROR = 3;
    static final byte RESIZE = 4;
    /** v5 only: the client closed one of its streams; the payload names which. */
    static final byte CLOSE = (byte) 255;

    static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    /** How long a TTY command waits for the client's terminal size before it starts at 80x24. */
    static final Duration INITIAL_SIZE_WAIT = Duration.ofSeconds(2);
    static final TerminalSize DEFAULT_SIZE = new TerminalSize(80, 24);
    /** Resize messages are tiny; anything longer is not one. */
    static final int MAX_RESIZE_BYTES = 256;

    /** Starts the command of a TTY exec on a terminal of the given size. */
    @FunctionalInterface
    interface Starter {
        ExecProcess start(TerminalSize size);
    }

    /** A terminal size in columns and rows, each 1..65535 (a Go {@code uint16} that is not zero). */
    record TerminalSize(int width, int height) {
        TerminalSize {
            if (width < 1 || width > 65535 || height < 1 || height > 65535) {
                throw new IllegalArgumentException("terminal size " + width + "x" + height + " is out of range");
            }
        }
    }

    private final CompletableFuture<ExecProcess> process = new CompletableFuture<>();
    private final Starter starter;
    private final CompletableFuture<TerminalSize> initialSize = new CompletableFuture<>();
    private final ExecEndpoint.Options options;
    private final boolean v5;
    private final Object sendLock = new Object();
    private final java.util.concurrent.ExecutorService stdinWriter =
            java.util.concurrent.Executors.newSingleThreadExecutor(Thread.ofVirtual().name("j8s-exec-stdin").factory());
    private final java.util.concurrent.ExecutorService resizer =
            java.util.concurrent.Executors.newSingleThreadExecutor(Thread.ofVirtual().name("j8s-exec-resize").factory());
    private volatile boolean stdinClosed;
    private final OutputDrain drain = new OutputDrain(OutputDrain.QUIET);

    /** A session for a process that already runs: a command without TTY, or an attach (whose sizes resize it). */
    ExecChannels(ExecProcess process, ExecEndpoint.Options options, boolean v5) {
        this.starter = size -> process;
        this.options = options;
        this.v5 = v5;
        this.process.complete(process);
        this.initialSize.complete(DEFAULT_SIZE); // every size the client sends is a resize
    }

    /** A TTY session: {@code starter} runs once the client's terminal size is known. */
    ExecChannels(ExecEndpoint.Options options, boolean v5, Starter starter) {
        this.starter = starter;
        this.options = options;
        this.v5 = v5;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        if (!options.stdin()) {
            stdinWriter.execute(this::closeStdin);
        }
        Thread.ofVirtual().name("j8s-exec-start").start(this::run);
        session.demand();
    }

    /** Done with one frame: its buffer goes back to Jetty and the next frame may come. */
    private void next(Callback callback) {
        callback.succeed();
        demand();
    }

    private void run() {
        java.util.Optional<ExecProcess> started = startOnce(process, initialSize, starter, this::sendStatusAndClose);
        if (started.isEmpty()) {
            return;
        }
        ExecProcess p = started.get();
        Thread out = Thread.ofVirtual().name("j8s-exec-stdout").start(() -> pump(p.stdout(), STDOUT, options.stdout()));
        Thread err = Thread.ofVirtual().name("j8s-exec-stderr").start(() -> pump(p.stderr(), STDERR,
                options.stderr() && !options.tty()));
        finish(p, out, err);
    }

    /** The running command; empty when it could not start or the connection closed first. */
    /**
     * The command of a session, shared by the WebSocket and the SPDY streams: the one started before the
     * upgrade, or (a TTY) the one started now on a terminal of the first size the client sent (80x24 after
     * {@link #INITIAL_SIZE_WAIT}). Empty when there is none to stream: it failed to start (its Status went
     * to {@code failed}), or the client went away meanwhile (it was closed again).
     */
    static java.util.Optional<ExecProcess> startOnce(CompletableFuture<ExecProcess> process,
            CompletableFuture<TerminalSize> initialSize, Starter starter, Consumer<ObjectNode> failed) {
        if (process.isDone()) {
            return awaitProcess(process);
        }
        TerminalSize size = initialSize.completeOnTimeout(DEFAULT_SIZE, INITIAL_SIZE_WAIT.toMillis(),
                TimeUnit.MILLISECONDS).join();
        ExecProcess started;
        try {
            started = starter.start(size);
        } catch (ApiError e) {
            process.completeExceptionally(e);
            failed.accept(e.toStatus());
            return java.util.Optional.empty();
        } catch (RuntimeException e) {
            process.completeExceptionally(e);
            failed.accept(new ApiError.InternalError("error executing command in container: "
                    + e.getMessage()).toStatus());
            return java.util.Optional.empty();
        }
        if (!process.complete(started)) {
            started.close(); // the client went away meanwhile
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(started);
    }

    /** The command the future holds; empty when it failed, was cancelled or the wait was interrupted. */
    static java.util.Optional<ExecProcess> awaitProcess(CompletableFuture<ExecProcess> process) {
        try {
            return java.util.Optional.of(process.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * Parses one channel-4 payload, {@code {"Width":100,"Height":30}} (client-go's {@code TerminalSize});
     * empty for anything else: too long, not JSON, a field missing, not a number or out of range.
     */
    static java.util.Optional<TerminalSize> parseResize(ByteBuffer payload) {
        if (payload.remaining() > MAX_RESIZE_BYTES) {
            return java.util.Optional.empty();
        }
        byte[] json = new byte[payload.remaining()];
        payload.get(json);
        try {
            com.fasterxml.jackson.databind.JsonNode node = Json.MAPPER.readTree(json);
            if (node == null || !node.path("Width").canConvertToInt() || !node.path("Height").canConvertToInt()
                    || !node.path("Width").isIntegralNumber() || !node.path("Height").isIntegralNumber()) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new TerminalSize(node.get("Width").intValue(), node.get("Height").intValue()));
        } catch (IOException | IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    private void resize(TerminalSize size) {
        if (initialSize.complete(size)) {
            return; // the command starts with it
        }
        resizer.execute(() -> awaitProcess(process).ifPresent(p -> {
            try {
                p.resize(size.width(), size.height());
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "exec resize failed command=" + options.command() + " error=" + e);
            }
        }));
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        if (!payload.hasRemaining()) {
            next(callback);
            return;
        }
        byte channel = payload.get();
        switch (channel) {
            case STDIN -> {
                if (!options.stdin() || stdinClosed) {
                    next(callback);
                    return;
                }
                byte[] data = new byte[payload.remaining()];
                payload.get(data);
                // the write may block on a full pipe: keep it off Jetty's thread, on one ordered writer so
                // data and the close signal reach the command in the order they were sent; the next frame
                // is demanded once this one is written
                try {
                    stdinWriter.execute(() -> {
                        writeStdin(data);
                        next(callback);
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    callback.succeed(); // the session is over
                }
            }
            case CLOSE -> {
                if (v5 && payload.hasRemaining() && payload.get() == STDIN) {
                    stdinWriter.execute(this::closeStdin);
                }
                next(callback);
            }
            case RESIZE -> {
                if (options.tty()) {
                    // a bad message is dropped: the terminal keeps its size, the session goes on
                    parseResize(payload).ifPresent(this::resize);
                }
                next(callback);
            }
            default -> next(callback); // unknown channels are ignored
        }
    }

    private void writeStdin(byte[] data) {
        if (!stdinClosed && !writeStdin(process, data)) {
            stdinClosed = true; // the command closed its stdin: later input is dropped, as upstream
        }
    }

    /**
     * Writes one chunk of stdin to the command once it runs (shared with SPDY); false when the command closed
     * its stdin. Blocks while the command does not read: the caller reads no more input meanwhile.
     */
    static boolean writeStdin(CompletableFuture<ExecProcess> process, byte[] data) {
        java.util.Optional<ExecProcess> p = awaitProcess(process);
        if (p.isEmpty()) {
            return true; // never started or gone: nothing to write to, and nothing to report
        }
        try {
            OutputStream in = p.get().stdin();
            in.write(data);
            in.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void onWebSocketText(String message) {
        // the channel protocol is binary only; text frames carry nothing for us
        demand();
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        closeProcess(); // the client went away: nobody reads the output any more
        initialSize.complete(DEFAULT_SIZE);
        stdinWriter.shutdownNow();
        resizer.shutdownNow();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.log(Level.DEBUG, "exec connection failed command=" + options.command() + " error=" + cause);
        closeProcess();
    }

    /** Kills the command, or makes sure it is never started. */
    private void closeProcess() {
        if (!process.completeExceptionally(new java.util.concurrent.CancellationException("exec connection closed"))) {
            awaitProcess(process).ifPresent(ExecProcess::close);
        }
    }

    private void closeStdin() {
        stdinClosed = true;
        java.util.Optional<ExecProcess> p = awaitProcess(process);
        if (p.isEmpty()) {
            return;
        }
        try {
            p.get().stdin().close();
        } catch (IOException e) {
            // already closed by the command
        }
    }

    private void pump(InputStream in, byte channel, boolean wanted) {
        byte[] buffer = new byte[32 * 1024];
        try (in) {
            int n;
            while ((n = in.read(buffer, 1, buffer.length - 1)) >= 0) {
                if (wanted && n > 0) {
                    buffer[0] = channel;
                    send(ByteBuffer.wrap(buffer, 0, n + 1).slice());
                    drain.progressed();
                }
            }
        } catch (IOException e) {
            // the process was killed or the connection is gone
        }
    }

    private void finish(ExecProcess process, Thread out, Thread err) {
        OptionalInt code = OptionalInt.empty();
        try {
            while (code.isEmpty()) {
                Session s = session;
                if (s == null || !s.isOpen()) {
                    process.close();
                    return;
                }
                code = process.awaitExit(Duration.ofSeconds(1));
            }
            if (!drain.await(out, err)) {
                LOG.log(Level.DEBUG, "output still open after the command exited command=" + options.command());
            }
            byte[] status = Json.MAPPER.writeValueAsBytes(status(code.getAsInt()));
            ByteBuffer frame = ByteBuffer.allocate(status.length + 1).put(ERROR).put(status).flip();
            send(frame);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "exec status not delivered command=" + options.command() + " error=" + e);
        } finally {
            process.close();
            stdinWriter.shutdownNow();
            resizer.shutdownNow();
            Session s = session;
            if (s != null && s.isOpen()) {
                s.close(StatusCode.NORMAL, "", Callback.NOOP);
            }
        }
    }

    /** Sends a Failure Status on channel 3 (kubectl prints {@code error: <message>}) and closes. */
    private void sendStatusAndClose(ObjectNode status) {
        try {
            byte[] bytes = Json.MAPPER.writeValueAsBytes(status);
            send(ByteBuffer.allocate(bytes.length + 1).put(ERROR).put(bytes).flip());
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "exec status not delivered command=" + options.command() + " error=" + e);
        } finally {
            stdinWriter.shutdownNow();
            resizer.shutdownNow();
            Session s = session;
            if (s != null && s.isOpen()) {
                s.close(StatusCode.NORMAL, "", Callback.NOOP);
            }
        }
    }

    /** The Status kubectl reads on channel 3: Success, or NonZeroExitCode with the code as a cause. */
    ObjectNode status(int exitCode) {
        return status(options.command(), exitCode);
    }

    /** The channel-3 Status for {@code command} exiting with {@code exitCode} (shared with SPDY). */
    static ObjectNode status(java.util.List<String> command, int exitCode) {
        ObjectNode status = Json.object();
        status.putObject("metadata");
        if (exitCode == 0) {
            status.put("status", "Success");
            return status;
        }
        status.put("status", "Failure");
        status.put("message", "command terminated with non-zero exit code: error executing command "
                + "[" + String.join(" ", command) + "], exit code " + exitCode);
        status.put("reason", "NonZeroExitCode");
        ArrayNode causes = status.putObject("details").putArray("causes");
        causes.addObject().put("reason", "ExitCode").put("message", Integer.toString(exitCode));
        return status;
    }

    /** Sends one binary message and waits for it to be written, so output keeps its order and pace. */
    private void send(ByteBuffer message) throws IOException {
        synchronized (sendLock) {
            Session s = session;
            if (s == null || !s.isOpen()) {
                throw new IOException("exec connection closed");
            }
            sendAndWait(callback -> s.sendBinary(message, callback), "exec", SEND_TIMEOUT);
        }
    }

    /**
     * Starts one WebSocket send and waits (at most {@code timeout}) until it is written; a failure or the timeout is an
     * IOException naming {@code what}.
     */
    static void sendAndWait(Consumer<Callback> send, String what, Duration timeout) throws IOException {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        send.accept(Callback.from(() -> sent.complete(null), sent::completeExceptionally));
        try {
            sent.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + " send interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(what + " send failed: " + e, e);
        }
    }
}
