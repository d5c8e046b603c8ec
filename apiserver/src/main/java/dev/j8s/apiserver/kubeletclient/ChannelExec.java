package dev.j8s.apiserver.kubeletclient;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One exec in a remote kubelet over WebSocket with the channel protocol (channel 0 stdin, 1 stdout, 2 stderr, 3 the
 * final Status, 4 terminal size; {@code v5.channel.k8s.io} adds 255 to close a channel): the kubelet's output as
 * streams, the Status turned into the exit code (0 for Success, the {@code ExitCode} cause of
 * {@code NonZeroExitCode}). A reader that falls behind stops the kubelet's output: no more messages are requested
 * while 16 wait. Streams are for one reader or writer each; the rest is thread-safe.
 */
final class ChannelExec implements ExecProcess {

    private static final byte STDIN = 0;
    private static final byte STDOUT = 1;
    private static final byte STDERR = 2;
    private static final byte ERROR = 3;
    private static final byte RESIZE = 4;
    private static final byte CLOSE = (byte) 255;
    private static final int WINDOW = 16;

    private final boolean tty;
    private final ChannelStream stdout = new ChannelStream();
    private final ChannelStream stderr = new ChannelStream();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile int exitCode = -1;
    /** Set while no message is requested because a reader fell behind. */
    private final java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile WebSocket ws;
    private final Object sendLock = new Object();
    private CompletableFuture<WebSocket> lastSend = CompletableFuture.completedFuture(null);

    ChannelExec(boolean tty) {
        this.tty = tty;
    }

    void connected(WebSocket socket) {
        this.ws = socket;
    }

    WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

            @Override
            public void onOpen(WebSocket webSocket) {
                webSocket.request(1);
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
                byte[] chunk = new byte[data.remaining()];
                data.get(chunk);
                partial.writeBytes(chunk);
                if (last) {
                    byte[] message = partial.toByteArray();
                    partial = new java.io.ByteArrayOutputStream();
                    dispatch(message);
                }
                if (stdout.waiting() < WINDOW && stderr.waiting() < WINDOW) {
                    webSocket.request(1);
                } else {
                    paused.set(true);
                    // a reader that emptied its queue meanwhile did not see the pause
                    if (stdout.waiting() < WINDOW / 2 && stderr.waiting() < WINDOW / 2 && paused.compareAndSet(true, false)) {
                        webSocket.request(1);
                    }
                }
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                finish();
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                finish();
            }
        };
    }

    private void dispatch(byte[] message) {
        if (message.length == 0) {
            return;
        }
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

    private void finish() {
        stdout.end();
        stderr.end();
        if (exitCode < 0) {
            exitCode = 1;
        }
        done.countDown();
    }

    private void send(byte channel, byte[] data, int off, int len) {
        byte[] frame = new byte[len + 1];
        frame[0] = channel;
        System.arraycopy(data, off, frame, 1, len);
        WebSocket socket = ws;
        if (socket == null) {
            throw new UncheckedIOException(new IOException("the exec session is not connected"));
        }
        CompletableFuture<WebSocket> sent;
        synchronized (sendLock) {
            sent = lastSend.thenCompose(w -> socket.sendBinary(ByteBuffer.wrap(frame), true));
            lastSend = sent;
        }
        try {
            sent.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new UncheckedIOException(new IOException("send to the kubelet: " + e.getMessage(), e));
        }
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
                if ("v5.channel.k8s.io".equals(ws == null ? "" : ws.getSubprotocol())) {
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
        WebSocket socket = ws;
        if (socket != null && !socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "");
        }
        if (socket != null) {
            socket.abort();
        }
        finish();
    }

    /** Output of one channel as a stream; its messages wait in a queue until read. */
    private final class ChannelStream extends InputStream {
        private final byte[] EOF = new byte[0];
        private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        private byte[] current;
        private int position;
        private boolean ended;

        void add(byte[] chunk) {
            if (chunk.length > 0) {
                chunks.add(chunk);
            }
        }

        void end() {
            chunks.add(EOF);
        }

        int waiting() {
            return chunks.size();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (current == null || position == current.length) {
                try {
                    current = chunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("read interrupted");
                }
                position = 0;
                WebSocket socket = ws;
                if (socket != null && chunks.size() < WINDOW / 2 && paused.compareAndSet(true, false)) {
                    socket.request(1);
                }
                if (current == EOF) {
                    ended = true;
                    chunks.add(EOF);
                    return -1;
                }
            }
            int n = Math.min(len, current.length - position);
            System.arraycopy(current, position, b, off, n);
            position += n;
            return n;
        }
    }
}
