package dev.j8s.apiserver.kubeletclient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One WebSocket to a kubelet carrying the channel protocol (each binary message is a channel byte then data):
 * messages are reassembled from their fragments and handed to {@link #dispatch}, frames are sent one after the
 * other, and no next message is requested while one of the {@link #inputs()} is full, until its reader caught up.
 * Thread-safe.
 */
abstract class ChannelSocket {

    private volatile WebSocket ws;
    private final AtomicBoolean paused = new AtomicBoolean();
    private final Object sendLock = new Object();
    private CompletableFuture<WebSocket> lastSend = CompletableFuture.completedFuture(null);

    /** Handles one whole message (channel byte first). */
    abstract void dispatch(byte[] message);

    /** The kubelet closed the socket or it failed. */
    abstract void finish();

    /** The queues whose readers pace the kubelet. */
    abstract List<ChannelInput> inputs();

    final void connected(WebSocket socket) {
        this.ws = socket;
    }

    final WebSocket socket() {
        return ws;
    }

    final WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private ByteArrayOutputStream partial = new ByteArrayOutputStream();

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
                    partial = new ByteArrayOutputStream();
                    if (message.length > 0) {
                        dispatch(message);
                    }
                }
                if (inputs().stream().anyMatch(ChannelInput::full)) {
                    paused.set(true);
                    // a reader that emptied its queue meanwhile did not see the pause
                    resume();
                } else {
                    webSocket.request(1);
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

    /** Requests the next message once every reader caught up, if the listener stopped requesting. */
    final void resume() {
        WebSocket socket = ws;
        if (socket != null && inputs().stream().allMatch(ChannelInput::drained) && paused.compareAndSet(true, false)) {
            socket.request(1);
        }
    }

    /** Sends {@code len} bytes of {@code data} on {@code channel}, after the frames sent before; waits up to 30 s. */
    final void send(byte channel, byte[] data, int off, int len) {
        byte[] frame = new byte[len + 1];
        frame[0] = channel;
        System.arraycopy(data, off, frame, 1, len);
        WebSocket socket = ws;
        if (socket == null) {
            throw new UncheckedIOException(new IOException("the stream to the kubelet is not connected"));
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

    /** Closes the socket normally, then drops the connection. */
    final void closeSocket() {
        WebSocket socket = ws;
        if (socket != null) {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "");
            }
            socket.abort();
        }
    }
}
