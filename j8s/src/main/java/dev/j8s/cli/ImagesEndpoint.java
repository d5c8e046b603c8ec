package dev.j8s.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * How {@code j8s images} reaches a running server: the server listens on the Unix socket
 * {@code <run-dir>/images.sock} (mode 0600, and only peers running as the server's user or root are served, checked
 * with {@code SO_PEERCRED}), a command sends its arguments there and the server runs them against its own image
 * store, streaming the output back. So while a server runs, one process owns the data dir, and what a command does
 * (an import, a prune) is what the kubelet sees at once.
 *
 * <p>Wire format: the request is a 4-byte length and a JSON object {@code {"args":[…],"cwd":"…","terminal":…}};
 * the answer is a sequence of frames, a tag byte ({@code o} stdout, {@code e} stderr, {@code x} exit status), a
 * 4-byte length and the bytes, ending with the {@code x} frame. Thread-safe.
 */
final class ImagesEndpoint implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ImagesEndpoint.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REQUEST = 1 << 20;
    static final String SOCKET = "images.sock";

    /** One command to run: its arguments after {@code images}, the caller's working directory and terminal. */
    record Request(List<String> args, Path cwd, boolean terminal) {
        Request {
            args = List.copyOf(args);
        }
    }

    /** Runs a request, printing to {@code out} and {@code err}; returns the exit status. */
    @FunctionalInterface
    interface Handler {
        int handle(Request request, PrintStream out, PrintStream err);
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread acceptor;

    private ImagesEndpoint(Path socket, ServerSocketChannel server, Handler handler) {
        this.socket = socket;
        this.server = server;
        this.acceptor = Thread.ofVirtual().name("images-endpoint").start(() -> accept(handler));
    }

    /** The socket of the server whose run dir is {@code runDir}. */
    static Path socket(Path runDir) {
        return runDir.resolve(SOCKET);
    }

    /**
     * Listens on {@code socket}, replacing a stale socket file (the caller holds the data dir lock, so no other
     * server can be listening there).
     */
    static ImagesEndpoint start(Path socket, Handler handler) {
        try {
            Files.createDirectories(socket.getParent());
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return new ImagesEndpoint(socket, server, handler);
        } catch (IOException e) {
            throw new UncheckedIOException("listen on " + socket, e);
        }
    }

    private void accept(Handler handler) {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.log(Level.WARNING, "images endpoint accept failed: " + e.getMessage());
                }
                return;
            }
            Thread.ofVirtual().name("images-request").start(() -> serve(client, handler));
        }
    }

    private static void serve(SocketChannel client, Handler handler) {
        try (client) {
            DataOutputStream frames = new DataOutputStream(Channels.newOutputStream(client));
            if (!authorized(client)) {
                frame(frames, 'e', "j8s images: not allowed: connect as the user running the server, or root\n");
                exit(frames, 1);
                return;
            }
            DataInputStream in = new DataInputStream(Channels.newInputStream(client));
            int length = in.readInt();
            if (length < 0 || length > MAX_REQUEST) {
                throw new IOException("request of " + length + " bytes");
            }
            var node = JSON.readTree(in.readNBytes(length));
            List<String> args = new java.util.ArrayList<>();
            node.path("args").forEach(a -> args.add(a.asText()));
            Request request = new Request(args, Path.of(node.path("cwd").asText("/")), node.path("terminal").asBoolean());
            PrintStream out = new PrintStream(new FrameStream(frames, 'o'), true, StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(new FrameStream(frames, 'e'), true, StandardCharsets.UTF_8);
            int status;
            try {
                status = handler.handle(request, out, err);
            } catch (RuntimeException e) {
                err.println("j8s images: " + e.getMessage());
                status = 1;
            }
            out.flush();
            err.flush();
            exit(frames, status);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "images request ended: " + e.getMessage());
        }
    }

    /** Only the server's own user and root may run image commands on it. */
    private static boolean authorized(SocketChannel client) throws IOException {
        jdk.net.UnixDomainPrincipal peer = client.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
        String user = peer.user().getName();
        return user.equals("root") || user.equals(System.getProperty("user.name"));
    }

    private static void frame(DataOutputStream frames, char tag, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        synchronized (frames) {
            frames.writeByte(tag);
            frames.writeInt(bytes.length);
            frames.write(bytes);
            frames.flush();
        }
    }

    private static void exit(DataOutputStream frames, int status) throws IOException {
        synchronized (frames) {
            frames.writeByte('x');
            frames.writeInt(4);
            frames.writeInt(status);
            frames.flush();
        }
    }

    /**
     * Runs {@code request} on the server listening on {@code socket}, copying its output to {@code out} and
     * {@code err}; empty when no server listens there (no socket, or a stale one).
     */
    static Optional<Integer> forward(Path socket, Request request, PrintStream out, PrintStream err) {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return Optional.empty(); // no such socket, or nobody listening on it
        }
        try (channel) {
            var body = JSON.createObjectNode();
            request.args().forEach(body.putArray("args")::add);
            body.put("cwd", request.cwd().toString());
            body.put("terminal", request.terminal());
            byte[] bytes = JSON.writeValueAsBytes(body);
            DataOutputStream to = new DataOutputStream(Channels.newOutputStream(channel));
            to.writeInt(bytes.length);
            to.write(bytes);
            to.flush();
            DataInputStream from = new DataInputStream(Channels.newInputStream(channel));
            while (true) {
                int tag = from.readUnsignedByte();
                byte[] payload = from.readNBytes(from.readInt());
                switch (tag) {
                    case 'o' -> {
                        out.write(payload);
                        out.flush();
                    }
                    case 'e' -> {
                        err.write(payload);
                        err.flush();
                    }
                    case 'x' -> {
                        return Optional.of(java.nio.ByteBuffer.wrap(payload).getInt());
                    }
                    default -> throw new IOException("unknown frame " + tag);
                }
            }
        } catch (EOFException e) {
            err.println("j8s images: the j8s server closed the connection before the command finished");
            return Optional.of(1);
        } catch (IOException e) {
            err.println("j8s images: talking to the j8s server at " + socket + ": " + e.getMessage());
            return Optional.of(1);
        }
    }

    /** Stops listening and removes the socket; commands running finish. */
    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing images endpoint: " + e.getMessage());
        }
        acceptor.interrupt();
    }

    /** Writes each chunk as one frame with the given tag. */
    private static final class FrameStream extends OutputStream {
        private final DataOutputStream frames;
        private final char tag;

        FrameStream(DataOutputStream frames, char tag) {
            this.frames = frames;
            this.tag = tag;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return;
            }
            synchronized (frames) {
                frames.writeByte(tag);
                frames.writeInt(len);
                frames.write(b, off, len);
                frames.flush();
            }
        }
    }
}
