package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.Test;

class DemandingListenerTest {

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final AtomicBoolean open = new AtomicBoolean(true);

    private final DemandingListener listener = new DemandingListener() {
        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
        }
    };

    private Session session() {
        return (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[] {Session.class},
                (self, method, args) -> switch (method.getName()) {
                    case "isOpen" -> open.get();
                    case "demand" -> {
                        calls.add("demand");
                        yield null;
                    }
                    case "sendPong" -> {
                        calls.add("pong " + StandardCharsets.UTF_8.decode((ByteBuffer) args[0]));
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> null;
                });
    }

    @Test
    void aPingIsAnsweredWithItsPayloadAndTheNextFrameIsAskedFor() {
        listener.onWebSocketOpen(session());
        listener.onWebSocketPing(StandardCharsets.UTF_8.encode("beat"));
        listener.onWebSocketPong(ByteBuffer.allocate(0));
        assertThat(calls).containsExactly("pong beat", "demand", "demand");
    }

    @Test
    void nothingIsSentOrAskedForOnAClosedSessionOrBeforeTheOpen() {
        listener.onWebSocketPing(StandardCharsets.UTF_8.encode("early"));
        listener.onWebSocketOpen(session());
        open.set(false);
        listener.onWebSocketPing(StandardCharsets.UTF_8.encode("late"));
        listener.onWebSocketPong(ByteBuffer.allocate(0));
        assertThat(calls).isEmpty();
    }
}
