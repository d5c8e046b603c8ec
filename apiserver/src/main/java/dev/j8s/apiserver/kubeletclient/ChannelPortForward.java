package dev.j8s.apiserver.kubeletclient;

import dev.j8s.apiserver.rest.KubeletClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One forwarded connection to a port of a pod through a remote kubelet's {@code /portForward} WebSocket
 * ({@code v4.channel.k8s.io}, one port per socket): channel 0 carries the data, channel 1 the kubelet's error text;
 * the first message on each channel is the port (two bytes, little-endian), as the kubelet writes it. An error from
 * the kubelet ends the connection (the text is logged: it comes after the connection was handed out). The channel
 * protocol has no half-close, so {@link #shutdownOutput} leaves the connection open until it is closed. Streams are
 * for one reader or writer each; the rest is thread-safe.
 */
final class ChannelPortForward extends ChannelSocket implements KubeletClient.PortConnection {

    private static final System.Logger LOG = System.getLogger(ChannelPortForward.class.getName());
    private static final byte DATA = 0;
    private static final byte ERROR = 1;

    private final String target;
    private final ChannelInput data = new ChannelInput(this::resume);
    private final boolean[] prefixSeen = new boolean[2];

    /** @param target the pod and port, for the log */
    ChannelPortForward(String target) {
        this.target = target;
    }

    @Override
    List<ChannelInput> inputs() {
        return List.of(data);
    }

    @Override
    synchronized void dispatch(byte[] message) {
        int channel = message[0];
        if (channel != DATA && channel != ERROR) {
            return;
        }
        byte[] payload = Arrays.copyOfRange(message, 1, message.length);
        if (!prefixSeen[channel]) {
            prefixSeen[channel] = true;
            payload = payload.length <= 2 ? new byte[0] : Arrays.copyOfRange(payload, 2, payload.length);
        }
        if (channel == DATA) {
            data.add(payload);
        } else if (payload.length > 0) {
            LOG.log(Level.INFO, "the kubelet ended a port-forward target={0} error={1}", target,
                    new String(payload, StandardCharsets.UTF_8));
            data.end();
            closeSocket();
        }
    }

    @Override
    void finish() {
        data.end();
    }

    @Override
    public InputStream input() {
        return data;
    }

    @Override
    public OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                send(DATA, b, off, len);
            }
        };
    }

    @Override
    public void shutdownOutput() {
        // v4.channel.k8s.io cannot half-close a channel
    }

    @Override
    public void close() {
        closeSocket();
        finish();
    }
}
