package dev.j8s.cli;

import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.rest.ExecProcess;
import dev.j8s.apiserver.rest.PodExecSource;
import dev.j8s.kubelet.Kubelet;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ExecSession;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/** Serves the API server's {@code pods/exec} by running the command through the in-process kubelet; thread-safe. */
final class KubeletExecSource implements PodExecSource {

    private final Kubelet kubelet;

    KubeletExecSource(Kubelet kubelet) {
        this.kubelet = kubelet;
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
    public ExecProcess start(String namespace, String pod, String uid, String container, List<String> command) {
        try {
            ExecSession session = kubelet.exec(uid, container, command)
                    .orElseThrow(() -> notFound(container));
            return new Session(session);
        } catch (ContainerRuntimeException e) {
            throw new ApiError.InternalError("error executing command in container: " + e.getMessage());
        }
    }

    @Override
    public ExecProcess startTty(String namespace, String pod, String uid, String container, List<String> command,
            int width, int height) {
        try {
            ExecSession session = kubelet.execTty(uid, container, command, width, height)
                    .orElseThrow(() -> notFound(container));
            return new Session(session);
        } catch (ContainerRuntimeException e) {
            throw new ApiError.InternalError("error executing command in container: " + e.getMessage());
        }
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
}
