package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One exec session on the Kubernetes channel protocol (v4/v5.channel.k8s.io): binary messages whose
 * first byte names the stream; stdout and stderr are copied out, stdin in, and the end is a Status on
 * channel 3 followed by a normal close. Mirrors client-go's {@code remotecommand} server side
 * ({@code pkg/kubelet/cri/streaming/remotecommand/websocket.go}). Thread-safe: sends are serialized. Public only because
 * Jetty invokes the listener methods reflectively.
 */
public final class ExecChannels implements Session.Listener.AutoDemanding {

    private static final System.Logger LOG = System.getLogger(ExecChannels.class.getName());

    static final byte STDIN = 0;
    static final byte STDOUT = 1;
    static final byte STDERR = 2;
    static final byte ERROR = 3;
    static final byte RESIZE = 4;
    /** v5 only: the client closed one of its streams; the payload names which. */
    static final byte CLOSE = (byte) 255;

    /** How long output may still drain after the command exited (a background child may hold the pipe). */
    private static final Duration DRAIN = Duration.ofSeconds(5);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final ExecProcess process;
    private final ExecEndpoint.Options options;
    private final boolean v5;
    private final Object sendLock = new Object();
    private final java.util.concurrent.ExecutorService stdinWriter =
            java.util.concurrent.Executors.newSingleThreadExecutor(Thread.ofVirtual().name("j8s-exec-stdin").factory());
    private volatile Session session;
    private volatile boolean stdinClosed;

    ExecChannels(ExecProcess process, ExecEndpoint.Options options, boolean v5) {
        this.process = process;
        this.options = options;
        this.v5 = v5;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        if (!options.stdin()) {
            closeStdin();
        }
        Thread out = Thread.ofVirtual().name("j8s-exec-stdout").start(() -> pump(process.stdout(), STDOUT, options.stdout()));
        Thread err = Thread.ofVirtual().name("j8s-exec-stderr").start(() -> pump(process.stderr(), STDERR, options.stderr()));
        Thread.ofVirtual().name("j8s-exec-wait").start(() -> finish(out, err));
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        if (!payload.hasRemaining()) {
            callback.succeed();
            return;
        }
        byte channel = payload.get();
        switch (channel) {
            case STDIN -> {
                if (!options.stdin() || stdinClosed) {
                    callback.succeed();
                    return;
                }
                byte[] data = new byte[payload.remaining()];
                payload.get(data);
                // the write may block on a full pipe: keep it off Jetty's thread, on one ordered writer so
                // data and the close signal reach the command in the order they were sent
                stdinWriter.execute(() -> {
                    try {
                        OutputStream in = process.stdin();
                        in.write(data);
                        in.flush();
                    } catch (IOException e) {
                        stdinClosed = true; // the command closed its stdin: later input is dropped, as upstream
                    }
                    callback.succeed();
                });
            }
            case CLOSE -> {
                if (v5 && payload.hasRemaining() && payload.get() == STDIN) {
                    stdinWriter.execute(this::closeStdin);
                }
                callback.succeed();
            }
            default -> callback.succeed(); // resize (4) only matters with a TTY; unknown channels are ignored
        }
    }

    @Override
    public void onWebSocketText(String message) {
        // the channel protocol is binary only; text frames carry nothing for us
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        Session s = session;
        if (s != null && s.isOpen()) {
            s.sendPong(payload, Callback.NOOP);
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        process.close(); // the client went away: nobody reads the output any more
        stdinWriter.shutdownNow();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.log(Level.DEBUG, "exec connection failed command=" + options.command() + " error=" + cause);
        process.close();
    }

    private void closeStdin() {
        stdinClosed = true;
        try {
            process.stdin().close();
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
                }
            }
        } catch (IOException e) {
            // the process was killed or the connection is gone
        }
    }

    private void finish(Thread out, Thread err) {
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
            out.join(DRAIN);
            err.join(DRAIN);
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
            Session s = session;
            if (s != null && s.isOpen()) {
                s.close(StatusCode.NORMAL, "", Callback.NOOP);
            }
        }
    }

    /** The Status kubectl reads on channel 3: Success, or NonZeroExitCode with the code as a cause. */
    ObjectNode status(int exitCode) {
        ObjectNode status = Json.object();
        status.putObject("metadata");
        if (exitCode == 0) {
            status.put("status", "Success");
            return status;
        }
        status.put("status", "Failure");
        status.put("message", "command terminated with non-zero exit code: error executing command "
                + "[" + String.join(" ", options.command()) + "], exit code " + exitCode);
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
            CompletableFuture<Void> sent = new CompletableFuture<>();
            s.sendBinary(message, Callback.from(() -> sent.complete(null), sent::completeExceptionally));
            try {
                sent.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("exec send interrupted", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("exec send failed: " + e, e);
            }
        }
    }
}
