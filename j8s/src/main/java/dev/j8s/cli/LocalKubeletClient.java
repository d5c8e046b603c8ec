package dev.j8s.cli;

import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.rest.ExecProcess;
import dev.j8s.apiserver.rest.KubeletClient;
import dev.j8s.apiserver.rest.LogQuery;
import dev.j8s.kubelet.Kubelet;
import dev.j8s.kubelet.kuberuntime.PortForward;
import dev.j8s.kubelet.logs.LogOptions;
import dev.j8s.kubelet.logs.LogsException;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ExecSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The API server's way to the kubelet that runs in this JVM: {@code pods/log} from its log files, {@code exec} and
 * {@code attach} through its runtime and {@code portforward} into its sandboxes, with upstream's kubelet errors as
 * Statuses; thread-safe.
 */
final class LocalKubeletClient implements KubeletClient {

    private final Kubelet kubelet;
    private final Clock clock;

    LocalKubeletClient(Kubelet kubelet, Clock clock) {
        this.kubelet = kubelet;
        this.clock = clock;
    }

    @Override
    public InputStream log(String namespace, String pod, String uid, String container, LogQuery query) {
        Optional<Instant> since = query.sinceTime();
        if (query.sinceSeconds().isPresent()) {
            since = Optional.of(clock.instant().minusSeconds(query.sinceSeconds().getAsLong()));
        }
        LogOptions options = new LogOptions(container, query.follow(), query.previous(), query.tailLines(),
                query.timestamps(), since, query.limitBytes());
        try {
            return kubelet.openLog(namespace, pod, uid, options);
        } catch (LogsException e) {
            throw new ApiError.BadRequest(e.getMessage());
        }
    }

    @Override
    public void requireRunning(String namespace, String pod, String uid, String container) {
        if (kubelet.runningContainerId(uid, container).isEmpty()) {
            throw notFound(container);
        }
    }

    private static ApiError notFound(String container) {
        return new ApiError.BadRequest("container not found (\"" + container + "\")");
    }

    @Override
    public ExecProcess exec(String namespace, String pod, String uid, String container, List<String> command) {
        try {
            ExecSession session = kubelet.exec(uid, container, command)
                    .orElseThrow(() -> notFound(container));
            return new Session(session);
        } catch (ContainerRuntimeException e) {
            throw new ApiError.InternalError("error executing command in container: " + e.getMessage());
        }
    }

    @Override
    public ExecProcess execTty(String namespace, String pod, String uid, String container, List<String> command,
            int width, int height) {
        try {
            ExecSession session = kubelet.execTty(uid, container, command, width, height)
                    .orElseThrow(() -> notFound(container));
            return new Session(session);
        } catch (ContainerRuntimeException e) {
            throw new ApiError.InternalError("error executing command in container: " + e.getMessage());
        }
    }

    @Override
    public ExecProcess attach(String namespace, String pod, String uid, String container, boolean stdin) {
        try {
            ExecSession session = kubelet.attach(uid, container, stdin).orElseThrow(() -> new ApiError.BadRequest(
                    "container " + container + " not found in pod " + pod + "_" + namespace));
            return new Session(session);
        } catch (ContainerRuntimeException e) {
            throw new ApiError.InternalError("error attaching to container: " + e.getMessage());
        }
    }

    @Override
    public PortForwarder portForward(String namespace, String pod, String uid) {
        PortForward forward = kubelet.portForward(uid).orElseThrow(() -> new ApiError.BadRequest(
                "pod not found (\"" + pod + "_" + namespace + "\")"));
        return port -> new Connection(forward.connect(port));
    }

    /** The runtime's session seen as the API server's process. */
    private record Session(ExecSession session) implements ExecProcess {
        @Override
        public OutputStream stdin() {
            return session.stdin();
        }

        @Override
        public InputStream stdout() {
            return session.stdout();
        }

        @Override
        public InputStream stderr() {
            return session.stderr();
        }

        @Override
        public OptionalInt awaitExit(Duration timeout) {
            return session.awaitExit(timeout);
        }

        @Override
        public void resize(int width, int height) {
            session.resize(width, height);
        }

        @Override
        public void close() {
            session.close();
        }
    }

    /** A socket made in the pod's network namespace, seen as a forwarded connection. */
    private record Connection(SocketChannel channel, InputStream input, OutputStream output) implements PortConnection {

        /** The socket adaptor's streams, which read and write concurrently on a blocking channel. */
        Connection(SocketChannel channel) throws IOException {
            this(channel, channel.socket().getInputStream(), channel.socket().getOutputStream());
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more to release
            }
        }
    }
}
