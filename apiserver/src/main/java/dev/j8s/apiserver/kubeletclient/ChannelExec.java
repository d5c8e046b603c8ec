package dev.j8s.apiserver.kubeletclient;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One exec in a remote kubelet over WebSocket with the channel protocol (channel 0 stdin, 1 stdout, 2 stderr, 3 the
 * final Status, 4 terminal size; {@code v5.channel.k8s.io} adds 255 to close a channel): the kubelet's output as
 * streams, the Status turned into the exit code (0 for Success, the {@code ExitCode} cause of
 * {@code NonZeroExitCode}). A reader that falls behind stops the kubelet's output: no more messages are requested
 * while 16 wait. Streams are for one reader or writer each; the rest is thread-safe.
 */
final class ChannelExec extends ChannelSocket implements ExecProcess {

    private static final byte STDIN = 0;
    private static final byte STDOUT = 1;
    private static final byte STDERR = 2;
    private static final byte ERROR = 3;
    private static final byte RESIZE = 4;
    private static final byte CLOSE = (byte) 255;

    private final boolean tty;
    private final ChannelInput stdout = new ChannelInput(this::resume);
    private final ChannelInput stderr = new ChannelInput(this::resume);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile int exitCode = -1;

    ChannelExec(boolean tty) {
        this.tty = tty;
    }

    @Override
    List<ChannelInput> inputs() {
        return List.of(stdout, stderr);
    }

    @Override
    void dispatch(byte[] message) {
        byte[] payload = java.util.Arrays.copyOfRange(message, 1, message.length);
        switch (message[0]) {
            case STDOUT -> stdout.add(payload);
            case STDERR -> stderr.add(payload);
            case ERROR -> exitCode = exitCodeOf(payload);
            case CLOSE -> {
                if (payload.length > 0 && payload[0] == STDOUT) {
                    stdout.end();
                } else if (payload.length > 0 && payload[0] == STDERR) {
                    stderr.end();
                }
            }
            default -> { }
        }
    }

    /** The exit code a Status on the error channel means. */
    static int exitCodeOf(byte[] status) {
        try {
            JsonNode s = Json.MAPPER.readTree(status);
            if ("Success".equals(s.path("status").asText())) {
                return 0;
            }
            for (JsonNode cause : s.at("/details/causes")) {
                if ("ExitCode".equals(cause.path("reason").asText())) {
                    return Integer.parseInt(cause.path("message").asText());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not a Status: a failure without an exit code
        }
        return 1;
    }

    @Override
    void finish() {
        stdout.end();
        stderr.end();
        if (exitCode < 0) {
            exitCode = 1;
        }
        done.countDown();
    }

    @Override
    public OutputStream stdin() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                send(STDIN, b, off, len);
            }

            @Override
            public void close() {
                // v5 half-closes stdin; v4 has no way to say so
                if ("v5.channel.k8s.io".equals(socket() == null ? "" : socket().getSubprotocol())) {
                    send(CLOSE, new byte[] {STDIN}, 0, 1);
                }
            }
        };
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return tty ? InputStream.nullInputStream() : stderr;
    }

    @Override
    public OptionalInt awaitExit(Duration timeout) {
        try {
            return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(exitCode)
                    : OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    @Override
    public void resize(int width, int height) {
        byte[] size = ("{\"Width\":" + width + ",\"Height\":" + height + "}").getBytes(StandardCharsets.UTF_8);
        send(RESIZE, size, 0, size.length);
    }

    @Override
    public void close() {
        closeSocket();
        finish();
    }
}
