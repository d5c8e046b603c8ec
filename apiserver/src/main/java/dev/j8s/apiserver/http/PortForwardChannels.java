package dev.j8s.apiserver.http;

import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.rest.KubeletClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * A port-forward on the WebSocket channel protocol, as the kubelet serves it to an API server
 * ({@code v4.channel.k8s.io}, binary, or {@code v4.base64.channel.k8s.io}, text frames whose first character is the
 * channel digit and the rest base64): the ports come from the request's {@code port} query values, the i-th port
 * gets the data channel 2i and the error channel 2i+1, and the first message on each carries the port as two bytes,
 * little-endian. Each port is dialled once through the kubelet's {@link KubeletClient.PortForwarder} (the same one the
 * SPDY streams use); its bytes are copied both ways, a dial failure is written as text on its error channel, and the
 * socket is closed once every port is done. Thread-safe: sends are serialized, and the next frame is demanded from
 * Jetty only once the previous one was written to the pod. Public only because Jetty invokes the listener methods
 * reflectively.
 */
public final class PortForwardChannels extends DemandingListener {

    private static final System.Logger LOG = System.getLogger(PortForwardChannels.class.getName());

    static final String BINARY = "v4.channel.k8s.io";
    static final String BASE64 = "v4.base64.channel.k8s.io";
    static final List<String> PROTOCOLS = List.of(BINARY, BASE64);
    private static final int CHUNK = 32 * 1024;

    private final KubeletClient.PortForwarder forwarder;
    private final List<Integer> ports;
    private final boolean base64;
    private final String what;
    private final List<CompletableFuture<KubeletClient.PortConnection>> connections = new ArrayList<>();
    private final AtomicInteger running;
    private final Object sendLock = new Object();
    private final ExecutorService toPod = Executors.newSingleThreadExecutor(
            Thread.ofVirtual().name("j8s-portforward-ws-in").factory());

    PortForwardChannels(KubeletClient.PortForwarder forwarder, List<Integer> ports, boolean base64, String what) {
        this.forwarder = forwarder;
        this.ports = List.copyOf(ports);
        this.base64 = base64;
        this.what = what;
        this.running = new AtomicInteger(ports.size());
        for (int i = 0; i < ports.size(); i++) {
            connections.add(new CompletableFuture<>());
        }
    }

    /**
     * The ports of a request ({@code ports} values, each a comma-separated list), worded as upstream's kubelet when
     * one is missing or bad.
     */
    static List<Integer> ports(List<String> values) {
        if (values.isEmpty()) {
            throw new ApiError.BadRequest("query parameter \"port\" is required");
        }
        List<Integer> ports = new ArrayList<>();
        for (String value : values) {
            if (value.isEmpty()) {
                throw new ApiError.BadRequest("query parameter \"port\" cannot be empty");
            }
            for (String p : value.split(",", -1)) {
                String invalid = PortForwardStreams.invalidPort(value, p);
                if (invalid != null) {
                    throw new ApiError.BadRequest(invalid);
                }
                ports.add(Integer.parseInt(p));
            }
        }
        return ports;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        Thread.ofVirtual().name("j8s-portforward-ws").start(() -> {
            try {
                for (int i = 0; i < ports.size(); i++) {
                    byte[] prefix = {(byte) ports.get(i).intValue(), (byte) (ports.get(i) >> 8)};
                    send(2 * i, prefix, prefix.length);
                    send(2 * i + 1, prefix, prefix.length);
                }
            } catch (IOException e) {
                close();
                return;
            }
            for (int i = 0; i < ports.size(); i++) {
                int pair = i;
                Thread.ofVirtual().name("j8s-portforward-ws-out").start(() -> forward(pair));
            }
        });
        session.demand();
    }

    /** Dials the pair's port and copies what the pod sends to its data channel until the pod's end. */
    private void forward(int pair) {
        KubeletClient.PortConnection c;
        try {
            c = forwarder.connect(ports.get(pair));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "port-forward dial failed session=" + what + " port=" + ports.get(pair) + " error="
                    + e.getMessage());
            connections.get(pair).completeExceptionally(e);
            byte[] text = (e.getMessage() == null ? e.toString() : e.getMessage()).getBytes(StandardCharsets.UTF_8);
            try {
                send(2 * pair + 1, text, text.length);
            } catch (IOException sendFailed) {
                // the client is gone
            }
            done();
            return;
        }
        if (!connections.get(pair).complete(c)) {
            c.close(); // the client went away meanwhile
            done();
            return;
        }
        byte[] buffer = new byte[CHUNK];
        try {
            InputStream in = c.input();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (n > 0) {
                    send(2 * pair, buffer, n);
                }
            }
        } catch (IOException e) {
            // the pod's connection broke or the client went away
        }
        c.close();
        done();
    }

    /** One port is done; after the last the socket closes, as upstream's kubelet closes it. */
    private void done() {
        if (running.decrementAndGet() == 0) {
            close();
        }
    }

    private void close() {
        Session s = session;
        if (s != null && s.isOpen()) {
            s.close(StatusCode.NORMAL, null, Callback.NOOP);
        }
    }

    /** Sends one message on a channel and waits until it is written, so the pod's bytes keep their order and pace. */
    private void send(int channel, byte[] data, int length) throws IOException {
        synchronized (sendLock) {
            Session s = session;
            if (s == null || !s.isOpen()) {
                throw new IOException("port-forward connection closed");
            }
            if (base64) {
                String text = (char) ('0' + channel) + Base64.getEncoder().encodeToString(
                        java.util.Arrays.copyOf(data, length));
                ExecChannels.sendAndWait(callback -> s.sendText(text, callback), "port-forward",
                        PortForwardStreams.SEND_TIMEOUT);
            } else {
                ByteBuffer message = ByteBuffer.allocate(length + 1).put((byte) channel).put(data, 0, length).flip();
                ExecChannels.sendAndWait(callback -> s.sendBinary(message, callback), "port-forward",
                        PortForwardStreams.SEND_TIMEOUT);
            }
        }
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        if (base64 || !payload.hasRemaining()) {
            next(callback);
            return;
        }
        int channel = payload.get() & 0xff;
        byte[] data = new byte[payload.remaining()];
        payload.get(data);
        fromClient(channel, data, callback);
    }

    @Override
    public void onWebSocketText(String message) {
        if (!base64 || message.isEmpty()) {
            demand();
            return;
        }
        byte[] data;
        try {
            data = Base64.getDecoder().decode(message.substring(1));
        } catch (IllegalArgumentException e) {
            demand(); // not base64: dropped, as a frame for no channel
            return;
        }
        fromClient(message.charAt(0) - '0', data, null);
    }

    /**
     * Writes what the client sent on a data channel to that port's connection, off Jetty's thread and in order;
     * the next frame is demanded once it is written. Other channels (the error channels are the kubelet's) are dropped.
     */
    private void fromClient(int channel, byte[] data, Callback callback) {
        int pair = channel / 2;
        if (channel % 2 != 0 || pair >= ports.size() || data.length == 0) {
            next(callback);
            return;
        }
        try {
            toPod.execute(() -> {
                try {
                    OutputStream out = connections.get(pair).get().output();
                    out.write(data);
                    out.flush();
                } catch (ExecutionException | IOException | RuntimeException e) {
                    // not connected, or the pod's side closed meanwhile (its answer may already have ended the
                    // connection): what the client sends is dropped, and the session reads on
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    next(callback);
                }
            });
        } catch (RejectedExecutionException e) {
            if (callback != null) {
                callback.succeed(); // the session is over
            }
        }
    }

    private void next(Callback callback) {
        if (callback != null) {
            callback.succeed();
        }
        demand();
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        toPod.shutdownNow();
        for (CompletableFuture<KubeletClient.PortConnection> c : connections) {
            if (!c.completeExceptionally(new IOException("port-forward connection closed"))) {
                c.thenAccept(KubeletClient.PortConnection::close);
            }
        }
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.log(Level.DEBUG, "port-forward connection failed session=" + what + " error=" + cause);
        onWebSocketClose(StatusCode.ABNORMAL, null);
    }
}
