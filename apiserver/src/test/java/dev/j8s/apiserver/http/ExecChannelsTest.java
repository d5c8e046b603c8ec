package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.apiserver.rest.ExecProcess;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.Test;

class ExecChannelsTest {

    private static final ExecEndpoint.Options TTY =
            new ExecEndpoint.Options("main", List.of("sh"), true, true, false, true);

    @Test
    void aResizeMessageIsParsedWithOrWithoutItsTrailingNewline() {
        assertThat(ExecChannels.parseResize(utf8("{\"Width\":100,\"Height\":30}\n")))
                .contains(new ExecChannels.TerminalSize(100, 30));
        assertThat(ExecChannels.parseResize(utf8("{\"Height\":40,\"Width\":120}")))
                .contains(new ExecChannels.TerminalSize(120, 40));
    }

    @Test
    void malformedOrOutOfRangeResizeMessagesAreIgnored() {
        for (String bad : List.of("", "not json", "{\"Width\":100}", "{\"Width\":\"100\",\"Height\":30}",
                "{\"Width\":0,\"Height\":30}", "{\"Width\":-1,\"Height\":30}", "{\"Width\":65536,\"Height\":30}",
                "{\"Width\":1.5,\"Height\":30}", "{\"Width\":99999999999999999999,\"Height\":30}", "[100,30]",
                "null", "{\"Width\":100,\"Height\":30")) {
            assertThat(ExecChannels.parseResize(utf8(bad))).as(bad).isEmpty();
        }
        String padded = "{\"Width\":100,\"Height\":30}" + " ".repeat(ExecChannels.MAX_RESIZE_BYTES);
        assertThat(ExecChannels.parseResize(utf8(padded))).as("an oversized message").isEmpty();
    }

    @Test
    void aTtyCommandStartsWithTheFirstSizeAndLaterSizesResizeIt() throws Exception {
        FakeProcess process = new FakeProcess();
        List<ExecChannels.TerminalSize> startedWith = new CopyOnWriteArrayList<>();
        ExecChannels channels = new ExecChannels(TTY, true, size -> {
            startedWith.add(size);
            return process;
        });
        FakeSession session = new FakeSession();
        channels.onWebSocketOpen(session.proxy());

        channels.onWebSocketBinary(frame(ExecChannels.RESIZE, "{\"Width\":120,\"Height\":40}\n"), Callback.NOOP);
        channels.onWebSocketBinary(frame(ExecChannels.RESIZE, "garbage"), Callback.NOOP);
        channels.onWebSocketBinary(frame(ExecChannels.RESIZE, "{\"Width\":100,\"Height\":30}\n"), Callback.NOOP);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (process.resizes.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        process.exit.countDown();

        assertThat(session.closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(startedWith).containsExactly(new ExecChannels.TerminalSize(120, 40));
        assertThat(process.resizes).containsExactly("100x30");
        assertThat(session.sent).containsExactly("1:hi\r\n", "3:{\"metadata\":{},\"status\":\"Success\"}");
    }

    @Test
    void aTtyCommandStartsAtEightyByTwentyFourWhenNoSizeArrives() throws Exception {
        FakeProcess process = new FakeProcess();
        List<ExecChannels.TerminalSize> startedWith = new CopyOnWriteArrayList<>();
        ExecChannels channels = new ExecChannels(TTY, true, size -> {
            startedWith.add(size);
            return process;
        });
        FakeSession session = new FakeSession();
        channels.onWebSocketOpen(session.proxy());
        process.exit.countDown();

        assertThat(session.closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(startedWith).containsExactly(new ExecChannels.TerminalSize(80, 24));
    }

    @Test
    void aTtyCommandThatCannotStartEndsWithItsErrorOnTheStatusChannel() throws Exception {
        ExecChannels channels = new ExecChannels(TTY, true, size -> {
            throw new dev.j8s.apiserver.errors.ApiError.BadRequest("container not found (\"main\")");
        });
        FakeSession session = new FakeSession();
        channels.onWebSocketOpen(session.proxy());
        channels.onWebSocketBinary(frame(ExecChannels.RESIZE, "{\"Width\":120,\"Height\":40}"), Callback.NOOP);

        assertThat(session.closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(session.sent).singleElement().asString()
                .startsWith("3:{")
                .contains("\"status\":\"Failure\"", "\"message\":\"container not found (\\\"main\\\")\"",
                        "\"reason\":\"BadRequest\"", "\"code\":400");
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuffer frame(byte channel, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(bytes.length + 1).put(channel).put(bytes).flip();
    }

    /** A command that prints one line and exits 0 when told to. */
    private static final class FakeProcess implements ExecProcess {
        final CountDownLatch exit = new CountDownLatch(1);
        final List<String> resizes = new CopyOnWriteArrayList<>();
        private final InputStream stdout = new ByteArrayInputStream("hi\r\n".getBytes(StandardCharsets.UTF_8));

        @Override
        public OutputStream stdin() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public InputStream stdout() {
            return stdout;
        }

        @Override
        public InputStream stderr() {
            return InputStream.nullInputStream();
        }

        @Override
        public OptionalInt awaitExit(Duration timeout) {
            try {
                return exit.await(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(0) : OptionalInt.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return OptionalInt.empty();
            }
        }

        @Override
        public void resize(int width, int height) {
            resizes.add(width + "x" + height);
        }

        @Override
        public void close() {
        }
    }

    /** A WebSocket session that records the binary messages sent as {@code channel:text}. */
    private static final class FakeSession {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final CountDownLatch closed = new CountDownLatch(1);

        Session proxy() {
            return (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[] {Session.class},
                    (self, method, args) -> switch (method.getName()) {
                        case "isOpen" -> closed.getCount() > 0;
                        case "sendBinary" -> {
                            ByteBuffer b = (ByteBuffer) args[0];
                            byte channel = b.get();
                            byte[] rest = new byte[b.remaining()];
                            b.get(rest);
                            sent.add(channel + ":" + new String(rest, StandardCharsets.UTF_8));
                            ((Callback) args[1]).succeed();
                            yield null;
                        }
                        case "close" -> {
                            closed.countDown();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(self);
                        case "equals" -> self == args[0];
                        case "toString" -> "FakeSession";
                        default -> null;
                    });
        }
    }
}
