package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import dev.j8s.apiserver.rest.KubeletClient;
import dev.j8s.apiserver.rest.LogQuery;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pods/exec} over SPDY/3.1 through a real Jetty: a raw client speaking our own framing, and the
 * real kubectl 1.27 (when installed) against a minimal API that serves one pod whose commands run as
 * local processes.
 */
class SpdyExecTest {

    private MiniApi api;
    private int port;
    private final List<Process> started = new CopyOnWriteArrayList<>();
    private final List<String> resizes = new CopyOnWriteArrayList<>();

    @TempDir
    Path home;

    /** Runs commands as local processes; a TTY command prints the size it started with. */
    private final KubeletClient local = new MiniApi.Kubelet() {
        @Override
        public void requireRunning(String namespace, String pod, String uid, String container) {
        }

        @Override
        public ExecProcess exec(String namespace, String pod, String uid, String container, List<String> command) {
            if (container.equals("nope")) {
                throw new ApiError.BadRequest("container nope is not valid for pod " + pod);
            }
            return spawn(command);
        }

        @Override
        public ExecProcess execTty(String namespace, String pod, String uid, String container, List<String> command,
                int width, int height) {
            return spawn(List.of("sh", "-c", "echo size " + height + " " + width + "; sleep 1; exit 2"));
        }
    };

    private ExecProcess spawn(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).start();
            started.add(p);
            return new ExecProcess() {
                public OutputStream stdin() {
                    return p.getOutputStream();
                }

                public InputStream stdout() {
                    return p.getInputStream();
                }

                public InputStream stderr() {
                    return p.getErrorStream();
                }

                public OptionalInt awaitExit(Duration timeout) {
                    try {
                        return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(p.exitValue())
                                : OptionalInt.empty();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return OptionalInt.empty();
                    }
                }

                @Override
                public void resize(int width, int height) {
                    resizes.add(width + "x" + height);
                }

                public void close() {
                    p.destroyForcibly();
                }
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void startServer() throws Exception {
        api = MiniApi.start(local);
        port = api.port();
    }

    @AfterEach
    void stopServer() throws Exception {
        api.close();
        for (Process p : started) {
            p.destroyForcibly();
        }
    }

    private MiniApi.Run kubectl(String stdin, String... args) throws Exception {
        return api.run(home, stdin, MiniApi.KUBECTL_127, args);
    }

    @Test
    void kubectl127GetsStdoutStderrAndTheExitCodeOverSpdy() throws Exception {
        MiniApi.Run run = kubectl("", "exec", "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 3");

        assertThat(run.stderr()).isEqualTo("err\ncommand terminated with exit code 3\n");
        assertThat(run.stdout()).isEqualTo("out\n");
        assertThat(run.exitCode()).isEqualTo(3);
    }

    @Test
    void kubectl127PipesStdinOverSpdyUntilEof() throws Exception {
        String input = "hello\n" + "x".repeat(300_000) + "\n";
        MiniApi.Run run = kubectl(input, "exec", "-i", "shell", "--", "cat");

        assertThat(run.stderr()).isEmpty();
        assertThat(run.stdout()).isEqualTo(input);
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void kubectl127SeesAnErrorBeforeTheUpgradeAsAStatus() throws Exception {
        MiniApi.Run run = kubectl("", "exec", "shell", "-c", "nope", "--", "true");

        assertThat(run.stderr()).isEqualTo("Error from server (BadRequest): container nope is not valid for pod shell\n");
    }

    /** Opens a raw SPDY session; returns the socket after the 101. */
    private Socket upgrade(String query) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        String request = "POST /api/v1/namespaces/default/pods/shell/exec?" + query + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        StringBuilder head = new StringBuilder();
        InputStream in = socket.getInputStream();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).isNotNegative();
            head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101 ").containsIgnoringCase("upgrade: SPDY/3.1")
                .contains("X-Stream-Protocol-Version: v4.channel.k8s.io");
        return socket;
    }

    @Test
    void aTtySessionStartsAtTheFirstSizeAndResizesLater() throws Exception {
        try (Socket socket = upgrade("command=sh&stdout=true&tty=true");
                SpdyFrames.Writer writer = new SpdyFrames.Writer();
                SpdyFrames.Parser parser = new SpdyFrames.Parser()) {
            OutputStream out = socket.getOutputStream();
            out.write(bytes(writer.write(new SpdyFrames.SynStream(1, 0, 0, 0, Map.of("streamtype", List.of("error"))))));
            out.write(bytes(writer.write(new SpdyFrames.SynStream(3, 0, 0, 0, Map.of("streamtype", List.of("stdout"))))));
            out.write(bytes(writer.write(new SpdyFrames.SynStream(5, 0, 0, 0, Map.of("streamtype", List.of("resize"))))));
            out.write(bytes(writer.write(new SpdyFrames.Data(5, 0,
                    "{\"Width\":120,\"Height\":40}\n{\"Width\":100,".getBytes(StandardCharsets.UTF_8)))));
            out.write(bytes(writer.write(new SpdyFrames.Data(5, 0, "\"Height\":30}\n".getBytes(StandardCharsets.UTF_8)))));
            out.write(bytes(writer.write(new SpdyFrames.Ping(1))));
            out.flush();

            StringBuilder stdout = new StringBuilder();
            StringBuilder error = new StringBuilder();
            List<SpdyFrames.Frame> frames = new java.util.ArrayList<>();
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16).flip();
            InputStream in = socket.getInputStream();
            boolean errorFin = false;
            while (!errorFin) {
                Optional<SpdyFrames.Frame> f = parser.next(buffer);
                if (f.isEmpty()) {
                    byte[] chunk = new byte[4096];
                    int n = in.read(chunk);
                    assertThat(n).as("connection still open").isPositive();
                    buffer.compact().put(chunk, 0, n).flip();
                    continue;
                }
                frames.add(f.get());
                if (f.get() instanceof SpdyFrames.Data d) {
                    String text = new String(d.data(), StandardCharsets.UTF_8);
                    if (d.streamId() == 3) {
                        stdout.append(text);
                    } else if (d.streamId() == 1) {
                        error.append(text);
                        errorFin = d.fin();
                    }
                }
            }
            assertThat(frames).contains(new SpdyFrames.SynReply(1, 0, Map.of()), new SpdyFrames.SynReply(3, 0, Map.of()),
                    new SpdyFrames.SynReply(5, 0, Map.of()), new SpdyFrames.Ping(1));
            assertThat(stdout.toString()).isEqualTo("size 40 120\n");
            assertThat(resizes).containsExactly("100x30");
            assertThat(error.toString()).contains("\"reason\":\"NonZeroExitCode\"").contains("\"message\":\"2\"");
        }
    }

    @Test
    void aMalformedFrameIsAnsweredWithGoawayAndKillsTheCommand() throws Exception {
        try (Socket socket = upgrade("command=sleep&command=60&stdout=true")) {
            OutputStream out = socket.getOutputStream();
            // a SYN_STREAM whose header block is not zlib data
            out.write(bytes(ByteBuffer.allocate(22).putInt(0x80030001).putInt(14).putInt(1).putInt(0)
                    .putShort((short) 0).put(new byte[] {9, 9, 9, 9}).flip()));
            out.flush();
            byte[] answer = socket.getInputStream().readAllBytes();

            assertThat(answer).hasSize(16);
            assertThat(new SpdyFrames.Parser().next(ByteBuffer.wrap(answer)))
                    .contains(new SpdyFrames.GoAway(0, SpdyFrames.GOAWAY_PROTOCOL_ERROR));
        }
        Process sleep = started.getFirst();
        assertThat(sleep.waitFor(5, TimeUnit.SECONDS)).as("the command was killed").isTrue();
    }

    @Test
    void aRepeatedOrUnknownStreamTypeIsResetAndTheSessionGoesOn() throws Exception {
        try (Socket socket = upgrade("command=true&stdout=true");
                SpdyFrames.Writer writer = new SpdyFrames.Writer();
                SpdyFrames.Parser parser = new SpdyFrames.Parser()) {
            OutputStream out = socket.getOutputStream();
            out.write(bytes(writer.write(new SpdyFrames.SynStream(1, 0, 0, 0, Map.of("streamtype", List.of("stdout"))))));
            out.write(bytes(writer.write(new SpdyFrames.SynStream(3, 0, 0, 0, Map.of("streamtype", List.of("stdout"))))));
            out.write(bytes(writer.write(new SpdyFrames.SynStream(5, 0, 0, 0, Map.of("streamtype", List.of("video"))))));
            out.write(bytes(writer.write(new SpdyFrames.SynStream(7, 0, 0, 0, Map.of("streamtype", List.of("error"))))));
            out.flush();
            List<SpdyFrames.Frame> frames = new java.util.ArrayList<>();
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16).flip();
            InputStream in = socket.getInputStream();
            while (frames.stream().noneMatch(f -> f instanceof SpdyFrames.Data d && d.streamId() == 7 && d.fin())) {
                Optional<SpdyFrames.Frame> f = parser.next(buffer);
                if (f.isEmpty()) {
                    byte[] chunk = new byte[4096];
                    int n = in.read(chunk);
                    assertThat(n).as("connection still open").isPositive();
                    buffer.compact().put(chunk, 0, n).flip();
                    continue;
                }
                frames.add(f.get());
            }

            assertThat(frames).startsWith(new SpdyFrames.SynReply(1, 0, Map.of()),
                    new SpdyFrames.RstStream(3, SpdyFrames.RST_STREAM_IN_USE),
                    new SpdyFrames.RstStream(5, SpdyFrames.RST_PROTOCOL_ERROR),
                    new SpdyFrames.SynReply(7, 0, Map.of()));
            assertThat(frames.stream().filter(f -> f instanceof SpdyFrames.Data d && d.streamId() == 7 && d.data().length > 0)
                    .map(f -> new String(((SpdyFrames.Data) f).data(), StandardCharsets.UTF_8)))
                    .containsExactly("{\"metadata\":{},\"status\":\"Success\"}");
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
