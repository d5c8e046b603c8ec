package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a {@link SpdySession} guarantees whatever its handler does: frames of a stream in the protocol's order. */
class SpdySessionTest {

    private final RecordingTransport transport = new RecordingTransport();
    private final SpdyFrames.Writer client = new SpdyFrames.Writer();

    @AfterEach
    void close() {
        client.close();
        transport.parser.close();
    }

    @Test
    void dataSentWhileTheStreamIsBeingAcceptedWaitsForItsSynReply() throws Exception {
        SpdySession session = new SpdySession(transport, Duration.ofSeconds(5), "test");
        CompletableFuture<Void> sent = new CompletableFuture<>();
        session.handler(new SpdySession.Handler() {
            @Override
            public void opened() {
            }

            @Override
            public int stream(int id, Map<String, List<String>> headers, boolean fin) {
                // a handler that starts sending on another thread as soon as it accepted the stream, while the
                // reader is slow to answer it
                Thread.ofVirtual().start(() -> {
                    try {
                        session.data(id, "early".getBytes(), 0, 5);
                        session.fin(id);
                        sent.complete(null);
                    } catch (IOException e) {
                        sent.completeExceptionally(e);
                    }
                });
                transport.awaitAtMost(Duration.ofMillis(500), f -> f instanceof SpdyFrames.Data);
                return SpdySession.ACCEPT;
            }

            @Override
            public void data(int id, byte[] data, boolean fin) {
            }

            @Override
            public void reset(int id) {
            }

            @Override
            public void closed() {
            }
        });
        session.opened();

        session.receive(client.write(new SpdyFrames.SynStream(1, 0, 0, 0, Map.of())));
        sent.get();
        session.close();

        assertThat(transport.frames()).map(SpdySessionTest::describe)
                .containsExactly("SYN_REPLY 1", "DATA 1 early", "DATA 1 FIN");
    }

    private static String describe(SpdyFrames.Frame frame) {
        return switch (frame) {
            case SpdyFrames.SynReply r -> "SYN_REPLY " + r.streamId();
            case SpdyFrames.Data d -> "DATA " + d.streamId() + " " + (d.fin() ? "FIN" : new String(d.data()));
            default -> frame.toString();
        };
    }
}
