package dev.j8s.apiserver.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * The part of a channel-protocol WebSocket listener that is the same for exec, attach and port-forward: Jetty
 * delivers a frame only when asked ({@link #demand()}), so a listener asks again after each frame it is done with;
 * control frames are done with at once, a ping answered with its pong. A subclass stores the session in
 * {@link #onWebSocketOpen} before asking for the first frame.
 */
abstract class DemandingListener implements Session.Listener {

    /** The open session, or null before {@link #onWebSocketOpen}. */
    protected volatile Session session;

    /** Asks Jetty for the next frame; without it nothing more is read from the connection. */
    protected final void demand() {
        Session s = session;
        if (s != null && s.isOpen()) {
            s.demand();
        }
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        Session s = session;
        if (s != null && s.isOpen()) {
            s.sendPong(payload, Callback.NOOP);
        }
        demand();
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        demand();
    }
}
