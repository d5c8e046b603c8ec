package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.apiserver.rest.ExecProcess;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The order of the frames an exec or attach session sends, whatever the threads' timing: every stream's SYN_REPLY before
 * any data or FIN (spdystream drops data on a stream it has no reply for), and all output before the exit status on the
 * error stream. A {@link SpdySession} over an in-memory transport that parses what it is given as the client would.
 */
class RemoteCommandStreamsTest {

    private static final ExecEndpoint.Options STDOUT_ONLY =
            new ExecEndpoint.Options("shell", List.of("sh"), false, true, false, false);

    private final RecordingTransport transport = new RecordingTransport();
    private final SpdyFrames.Writer client = new SpdyFrames.Writer();

    @AfterEach
    void close() {
        client.close();
        transport.parser.close();
    }

    @Test
    void everyStreamIsAnsweredBeforeAnyOutputEvenWhenTheReaderFallsBehind() throws Exception {
        SpdySession session = new SpdySession(transport, Duration.ofSeconds(5), "exec test");
        // the reader thread stops right after accepting a stream, as a loaded machine may deschedule it: the command's
        // output must wait for the SYN_REPLY all the same
        session.handler(new SlowReader(new RemoteCommandStreams(session, STDOUT_ONLY, exited("out\n", 0)), 3, transport));
        session.opened();

        session.receive(bytes(new SpdyFrames.SynStream(1, 0, 0, 0, Map.of("streamtype", List.of("stdout")))));
        session.receive(bytes(new SpdyFrames.SynStream(3, 0, 0, 0, Map.of("streamtype", List.of("error")))));
        transport.await(f -> f instanceof SpdyFrames.Data d && d.streamId() == 3 && d.fin());
        session.close();

        List<SpdyFrames.Frame> frames = transport.frames();
        assertThat(frames).startsWith(new SpdyFrames.SynReply(1, 0, Map.of()), new SpdyFrames.SynReply(3, 0, Map.of()));
        assertThat(text(frames, 1)).isEqualTo("out\n");
        assertThat(text(frames, 3)).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
    }

    @Test
    void outputStillMovingAfterTheExitReachesTheClientBeforeTheStatus() throws Exception {
        SpdySession session = new SpdySession(transport, Duration.ofSeconds(5), "exec test");
        String output = "x".repeat(10 * 32 * 1024);
        // each write takes a fifth of the quiet limit: the whole output takes twice that limit to go out
        transport.writeDelay = Duration.ofMillis(100);
        session.handler(new RemoteCommandStreams(session, STDOUT_ONLY, exited(output, 3)).drainQuiet(
                Duration.ofMillis(500)));
        session.opened();

        session.receive(bytes(new SpdyFrames.SynStream(1, 0, 0, 0, Map.of("streamtype", List.of("stdout")))));
        session.receive(bytes(new SpdyFrames.SynStream(3, 0, 0, 0, Map.of("streamtype", List.of("error")))));
        transport.await(f -> f instanceof SpdyFrames.Data d && d.streamId() == 3 && d.fin());
        session.close();

        List<SpdyFrames.Frame> frames = transport.frames();
        int status = indexOf(frames, f -> f instanceof SpdyFrames.Data d && d.streamId() == 3 && d.data().length > 0);
        assertThat(text(frames.subList(0, status), 1)).isEqualTo(output);
        assertThat(text(frames, 3)).contains("\"reason\":\"NonZeroExitCode\"");
        assertThat(indexOf(frames, f -> f instanceof SpdyFrames.Data d && d.streamId() == 1 && d.fin()))
                .isLessThan(status);
    }

    /**
     * Delays the reader after it accepted stream {@code stalled} until the command's output reached the transport (at
     * most 1 s).
     */
    private record SlowReader(RemoteCommandStreams streams, int stalled, RecordingTransport transport)
            implements SpdySession.Handler {

        @Override
        public void opened() {
            streams.opened();
        }

        @Override
        public int stream(int id, Map<String, List<String>> headers, boolean fin) {
            int verdict = streams.stream(id, headers, fin);
            if (id == stalled) {
                transport.awaitAtMost(Duration.ofSeconds(1), f -> f instanceof SpdyFrames.Data);
            }
            return verdict;
        }

        @Override
        public void replied(int id, Map<String, List<String>> headers) {
            streams.replied(id, headers);
        }

        @Override
        public void data(int id, byte[] data, boolean fin) {
            streams.data(id, data, fin);
        }

        @Override
        public void reset(int id) {
            streams.reset(id);
        }

        @Override
        public void closed() {
            streams.closed();
        }
    }

    /** A command that already exited with {@code code} after writing {@code stdout}. */
    private static ExecProcess exited(String stdout, int code) {
        return new ExecProcess() {
            private final InputStream out = new ByteArrayInputStream(stdout.getBytes(StandardCharsets.UTF_8));

            public OutputStream stdin() {
                return OutputStream.nullOutputStream();
            }

            public InputStream stdout() {
                return out;
            }

            public InputStream stderr() {
                return InputStream.nullInputStream();
            }

            public OptionalInt awaitExit(Duration timeout) {
                return OptionalInt.of(code);
            }

            public void close() {
            }
        };
    }

    private ByteBuffer bytes(SpdyFrames.Frame frame) {
        return client.write(frame);
    }

    private static String text(List<SpdyFrames.Frame> frames, int streamId) {
        StringBuilder text = new StringBuilder();
        for (SpdyFrames.Frame f : frames) {
            if (f instanceof SpdyFrames.Data d && d.streamId() == streamId) {
                text.append(new String(d.data(), StandardCharsets.UTF_8));
            }
        }
        return text.toString();
    }

    private static int indexOf(List<SpdyFrames.Frame> frames, Predicate<SpdyFrames.Frame> wanted) {
        for (int i = 0; i < frames.size(); i++) {
            if (wanted.test(frames.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
