package dev.j8s.apiserver.http;

import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.FutureCallback;

/**
 * One {@code pods/exec} session over SPDY/3.1, the connection an HTTP/1.1 {@code Upgrade: SPDY/3.1}
 * turns into: kubectl (client-go's {@code remotecommand} with {@code spdystream}) opens one stream per
 * channel, tagged by a {@code streamtype} header, and we answer each with SYN_REPLY; stdout/stderr are
 * copied out as data frames, stdin in (credited back with WINDOW_UPDATE as the command consumes it),
 * the resize stream carries JSON terminal sizes, and the end is a Status on the error stream followed
 * by FIN on every stream and a GOAWAY. Mirrors the kubelet's streaming server
 * ({@code pkg/kubelet/cri/streaming/remotecommand/httpstream.go}, protocols v4/v5). Thread-safe: frames
 * are parsed on Jetty's read path one at a time, sends are serialized under one lock.
 *
 * <p>Hostile input ends the session, never the server: a malformed or oversized frame is answered by
 * GOAWAY and the connection is closed, which kills the command. We send as fast as the socket takes
 * (spdystream neither sends nor honours WINDOW_UPDATE); our own reading pauses from a stdin frame until the
 * command took it, so a client faster than the command is held back by TCP, and at most one stdin frame
 * waits here (spdystream ignores the window we credit, so only the socket can hold it back).
 */
final class SpdyConnection extends AbstractConnection implements Connection.UpgradeTo {

    private static final System.Logger LOG = System.getLogger(SpdyConnection.class.getName());

    /** The channels of the remotecommand protocol, named by their {@code streamtype} header. */
    enum StreamType {
        ERROR, STDIN, STDOUT, STDERR, RESIZE;

        static Optional<StreamType> parse(String header) {
            for (StreamType t : values()) {
                if (t.name().equalsIgnoreCase(header)) {
                    return Optional.of(t);
                }
            }
            return Optional.empty();
        }
    }

    /** The most streams one session may open (the protocol needs at most five). */
    static final int MAX_STREAMS = 8;
    /** How long the client may take to open the streams the request asked for (upstream: 30s). */
    static final Duration STREAM_CREATION_TIMEOUT = Duration.ofSeconds(30);
    /** How long a quiet session stays open (upstream's streaming idle timeout is 4h). */
    static final Duration IDLE_TIMEOUT = Duration.ofHours(4);
    /** How long output may still drain after the command exited. */
    private static final Duration DRAIN = Duration.ofSeconds(5);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    /** How long we wait for the client to close after the last frame before we close. */
    private static final Duration LINGER = Duration.ofSeconds(10);
    private static final int INITIAL_BUFFER = 64 * 1024;

    private final ExecEndpoint.Options options;
    private final ExecChannels.Starter starter;
    private final CompletableFuture<ExecProcess> process = new CompletableFuture<>();
    private final CompletableFuture<ExecChannels.TerminalSize> initialSize = new CompletableFuture<>();
    private final CompletableFuture<Void> streamsReady = new CompletableFuture<>();
    private final SpdyFrames.Parser parser = new SpdyFrames.Parser();
    private final SpdyFrames.Writer writer = new SpdyFrames.Writer();
    private final Object sendLock = new Object();
    private final ExecutorService stdinWriter =
            Executors.newSingleThreadExecutor(Thread.ofVirtual().name("j8s-spdy-stdin").factory());
    private final ExecutorService resizer =
            Executors.newSingleThreadExecutor(Thread.ofVirtual().name("j8s-spdy-resize").factory());
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean paused = new AtomicBoolean();

    // read-path state: touched only by the thread running onFillable (one at a time)
    private ByteBuffer input = ByteBuffer.allocate(INITIAL_BUFFER).flip();
    private final Object readLock = new Object();
    private final Map<Integer, StreamType> streams = new java.util.concurrent.ConcurrentHashMap<>();
    private final ByteArrayOutputStream resizeBuffer = new ByteArrayOutputStream();
    private int lastStreamId;
    private volatile boolean goneAway;
    private final java.util.concurrent.CountDownLatch closedLatch = new java.util.concurrent.CountDownLatch(1);

    /** Stream ids by type, written on the read path, read by the session thread after streamsReady. */
    private final Map<StreamType, Integer> byType = java.util.Collections.synchronizedMap(new EnumMap<>(StreamType.class));
    /** Streams whose sending side we closed (FIN or RST). */
    private final Set<Integer> finished = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean stdinClosed;

    /** A session for a command that already runs (no TTY). */
    SpdyConnection(EndPoint endPoint, java.util.concurrent.Executor executor, ExecEndpoint.Options options,
            ExecProcess running) {
        super(endPoint, executor);
        this.options = options;
        this.starter = size -> running;
        this.process.complete(running);
    }

    /** A TTY session: {@code starter} runs once the streams are open and the terminal size is known. */
    SpdyConnection(EndPoint endPoint, java.util.concurrent.Executor executor, ExecEndpoint.Options options,
            ExecChannels.Starter starter) {
        super(endPoint, executor);
        this.options = options;
        this.starter = starter;
    }

    /** The stream types the request's options make the client open. */
    static Set<StreamType> expectedStreams(ExecEndpoint.Options options) {
        Set<StreamType> expected = java.util.EnumSet.of(StreamType.ERROR);
        if (options.stdin()) {
            expected.add(StreamType.STDIN);
        }
        if (options.stdout()) {
            expected.add(StreamType.STDOUT);
        }
        if (options.stderr() && !options.tty()) {
            expected.add(StreamType.STDERR);
        }
        if (options.tty()) {
            expected.add(StreamType.RESIZE);
        }
        return expected;
    }

    @Override
    public void onUpgradeTo(ByteBuffer buffer) {
        if (buffer != null && buffer.hasRemaining()) {
            append(buffer);
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        getEndPoint().setIdleTimeout(IDLE_TIMEOUT.toMillis());
        Thread.ofVirtual().name("j8s-spdy-exec").start(this::run);
        if (input.hasRemaining()) {
            getExecutor().execute(this::onFillable);
        } else {
            fillInterested();
        }
    }

    /** Kills the command when the upgrade did not happen (the 101 could not be sent). */
    void abort() {
        shutdown();
    }

    // ---------------------------------------------------------------- reading

    @Override
    public void onFillable() {
        synchronized (readLock) {
            try {
                while (!closed.get()) {
                    while (!paused.get()) {
                        Optional<SpdyFrames.Frame> frame = parser.next(input);
                        if (frame.isEmpty()) {
                            break;
                        }
                        handle(frame.get());
                    }
                    if (paused.get() || closed.get()) {
                        return; // the stdin writer resumes us once the command caught up
                    }
                    ensureRoom();
                    if (input.position() > 0) {
                        input.compact().flip();
                    }
                    int n = getEndPoint().fill(input); // appends after the limit
                    if (n < 0) {
                        LOG.log(Level.DEBUG, "exec SPDY connection closed by the client command=" + options.command());
                        shutdown();
                        return;
                    }
                    if (n == 0) {
                        if (!isFillInterested()) {
                            fillInterested();
                        }
                        return;
                    }
                }
            } catch (SpdyFrames.ProtocolException e) {
                LOG.log(Level.DEBUG, "exec SPDY protocol error command=" + options.command() + " error="
                        + e.getMessage());
                goAway(e.status());
                shutdown();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "exec SPDY read failed command=" + options.command() + " error=" + e);
                shutdown();
            }
        }
    }

    /** Makes sure the buffer can hold the whole frame that starts at its position. */
    private void ensureRoom() {
        int needed = SpdyFrames.HEADER_BYTES;
        if (input.remaining() >= SpdyFrames.HEADER_BYTES) {
            needed += input.getInt(input.position() + 4) & 0xffffff; // limits were checked by the parser
        }
        if (needed > input.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(needed);
            bigger.put(input).flip();
            input = bigger;
        }
    }

    private void append(ByteBuffer data) {
        if (input.capacity() - input.remaining() < data.remaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(input.remaining() + data.remaining());
            bigger.put(input).flip();
            input = bigger;
        }
        input.compact().put(data).flip();
    }

    private void handle(SpdyFrames.Frame frame) {
        switch (frame) {
            case SpdyFrames.SynStream s -> synStream(s);
            case SpdyFrames.Data d -> data(d);
            case SpdyFrames.RstStream r -> reset(r.streamId());
            case SpdyFrames.Ping p -> send(p);
            case SpdyFrames.GoAway g -> {
                // the client is done (kubectl sends it once it read our status) or gives up
                LOG.log(Level.DEBUG, "exec SPDY client went away command=" + options.command() + " status=" + g.status());
                shutdown();
            }
            case SpdyFrames.Settings s -> {
                // the client's window is irrelevant: spdystream does not do flow control
            }
            case SpdyFrames.WindowUpdate w -> {
                if (w.delta() == 0) {
                    throw new SpdyFrames.ProtocolException("WINDOW_UPDATE with a delta of 0");
                }
            }
            case SpdyFrames.Headers h -> {
                // nothing in the protocol uses trailing headers
            }
            case SpdyFrames.SynReply r -> throw new SpdyFrames.ProtocolException("SYN_REPLY from the client for stream "
                    + r.streamId());
            case SpdyFrames.Unknown u -> {
                // unknown control frames are ignored
            }
        }
    }

    private void synStream(SpdyFrames.SynStream s) {
        if (goneAway) {
            return;
        }
        int id = s.streamId();
        if (id == 0 || id % 2 == 0 || id <= lastStreamId) {
            throw new SpdyFrames.ProtocolException("SYN_STREAM with stream id " + id + " after " + lastStreamId);
        }
        lastStreamId = id;
        if (streams.size() >= MAX_STREAMS) {
            send(new SpdyFrames.RstStream(id, SpdyFrames.RST_REFUSED_STREAM));
            return;
        }
        Optional<StreamType> type = StreamType.parse(SpdyHeaderBlock.first(s.headers(), "streamtype"));
        if (type.isEmpty()) {
            send(new SpdyFrames.RstStream(id, SpdyFrames.RST_PROTOCOL_ERROR));
            return;
        }
        if (byType.containsKey(type.get())) {
            send(new SpdyFrames.RstStream(id, SpdyFrames.RST_STREAM_IN_USE));
            return;
        }
        streams.put(id, type.get());
        byType.put(type.get(), id);
        send(new SpdyFrames.SynReply(id, 0, Map.of()));
        if (s.fin()) {
            remoteFinished(type.get());
        }
        if (byType.keySet().containsAll(expectedStreams(options))) {
            streamsReady.complete(null);
        }
    }

    private void data(SpdyFrames.Data d) {
        StreamType type = streams.get(d.streamId());
        int n = d.data().length;
        if (type == StreamType.STDIN && options.stdin() && !stdinClosed && n > 0) {
            // written off the read path, in order; no frame is read until the command took this one, whose
            // window is then credited
            paused.set(true);
            byte[] data = d.data();
            int stream = d.streamId();
            stdinWriter.execute(() -> writeStdin(stream, data));
        } else {
            if (type == StreamType.RESIZE && options.tty()) {
                resizeData(d.data());
            }
            credit(d.streamId(), n);
        }
        if (d.fin() && type != null) {
            remoteFinished(type);
        }
    }

    private void remoteFinished(StreamType type) {
        if (type == StreamType.STDIN) {
            stdinWriter.execute(this::closeStdin);
        }
    }

    private void reset(int streamId) {
        StreamType type = streams.get(streamId);
        if (type == null) {
            return;
        }
        finished.add(streamId);
        remoteFinished(type);
    }

    /** Splits the resize stream into newline-terminated JSON sizes (client-go's json.Encoder). */
    private void resizeData(byte[] data) {
        for (byte b : data) {
            if (b == '\n') {
                ExecChannels.parseResize(ByteBuffer.wrap(resizeBuffer.toByteArray())).ifPresent(this::resize);
                resizeBuffer.reset();
            } else if (resizeBuffer.size() <= ExecChannels.MAX_RESIZE_BYTES) {
                resizeBuffer.write(b);
            }
        }
        if (resizeBuffer.size() > 0) {
            // a message without its newline yet: it may be complete JSON already (the newline is optional)
            Optional<ExecChannels.TerminalSize> size =
                    ExecChannels.parseResize(ByteBuffer.wrap(resizeBuffer.toByteArray()));
            if (size.isPresent()) {
                resizeBuffer.reset();
                resize(size.get());
            }
        }
    }

    private void resize(ExecChannels.TerminalSize size) {
        if (initialSize.complete(size)) {
            return; // the command starts with it
        }
        resizer.execute(() -> ExecChannels.awaitProcess(process).ifPresent(p -> {
            try {
                p.resize(size.width(), size.height());
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "exec resize failed command=" + options.command() + " error=" + e);
            }
        }));
    }

    private void writeStdin(int streamId, byte[] data) {
        try {
            if (!stdinClosed && !ExecChannels.writeStdin(process, data)) {
                stdinClosed = true; // the command closed its stdin: later input is dropped, as upstream
            }
            credit(streamId, data.length);
        } finally {
            if (paused.compareAndSet(true, false) && !closed.get()) {
                getExecutor().execute(this::onFillable);
            }
        }
    }

    private void closeStdin() {
        stdinClosed = true;
        ExecChannels.awaitProcess(process).ifPresent(p -> {
            try {
                p.stdin().close();
            } catch (IOException e) {
                // already closed by the command
            }
        });
    }

    /** Gives the client back {@code n} bytes of window on the stream and the session. */
    private void credit(int streamId, int n) {
        if (n <= 0 || closed.get()) {
            return;
        }
        try {
            if (streams.containsKey(streamId) && !finished.contains(streamId)) {
                sendFrames(new SpdyFrames.WindowUpdate(streamId, n), new SpdyFrames.WindowUpdate(0, n));
            } else {
                sendFrames(new SpdyFrames.WindowUpdate(0, n));
            }
        } catch (IOException e) {
            shutdown();
        }
    }

    @Override
    protected boolean onReadTimeout(TimeoutException timeout) {
        LOG.log(Level.DEBUG, "exec SPDY session idle command=" + options.command());
        shutdown();
        return true;
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        shutdown();
    }

    // ---------------------------------------------------------------- the command

    private void run() {
        try {
            streamsReady.get(STREAM_CREATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.log(Level.DEBUG, "exec SPDY client did not open its streams command=" + options.command()
                    + " timeout=" + STREAM_CREATION_TIMEOUT.toSeconds() + "s");
            goAway(SpdyFrames.GOAWAY_OK);
            shutdown();
            return;
        } catch (InterruptedException | ExecutionException | CancellationException e) {
            shutdown();
            return;
        }
        Optional<ExecProcess> started = ExecChannels.startOnce(process, initialSize, starter, this::finishWith);
        if (started.isEmpty()) {
            return;
        }
        ExecProcess p = started.get();
        Thread out = Thread.ofVirtual().name("j8s-spdy-stdout").start(() -> pump(p.stdout(), StreamType.STDOUT));
        Thread err = Thread.ofVirtual().name("j8s-spdy-stderr").start(() -> pump(p.stderr(), StreamType.STDERR));
        OptionalInt code = OptionalInt.empty();
        try {
            while (code.isEmpty()) {
                if (closed.get()) {
                    return;
                }
                code = p.awaitExit(Duration.ofSeconds(1));
            }
            out.join(DRAIN);
            err.join(DRAIN);
            finishWith(ExecChannels.status(options.command(), code.getAsInt()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown();
        }
    }

    private void pump(InputStream in, StreamType type) {
        Integer stream = byType.get(type);
        byte[] buffer = new byte[32 * 1024];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (n > 0 && stream != null && !finished.contains(stream)) {
                    sendFrames(new SpdyFrames.Data(stream, 0, java.util.Arrays.copyOf(buffer, n)));
                }
            }
            if (stream != null) {
                fin(stream);
            }
        } catch (IOException e) {
            // the process was killed or the connection is gone
        }
    }

    /** Writes the Status on the error stream, closes every stream, says GOAWAY and lingers for the client. */
    private void finishWith(com.fasterxml.jackson.databind.node.ObjectNode status) {
        try {
            Integer error = byType.get(StreamType.ERROR);
            if (error != null && !finished.contains(error)) {
                sendFrames(new SpdyFrames.Data(error, 0, Json.MAPPER.writeValueAsBytes(status)));
            }
            for (Integer stream : byType.values()) {
                fin(stream);
            }
            // kubectl exits once it read the status; closing first could make the kernel reset the
            // connection over input we did not read and lose our last frames on the way
            closedLatch.await(LINGER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "exec status not delivered command=" + options.command() + " error=" + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            shutdown();
        }
    }

    private void fin(int stream) throws IOException {
        if (finished.add(stream)) {
            sendFrames(new SpdyFrames.Data(stream, SpdyFrames.FLAG_FIN, new byte[0]));
        }
    }

    // ---------------------------------------------------------------- writing and closing

    /** Sends from the read path; a failed write ends the session. */
    private void send(SpdyFrames.Frame frame) {
        try {
            sendFrames(frame);
        } catch (IOException e) {
            shutdown();
        }
    }

    private void goAway(int status) {
        synchronized (sendLock) {
            if (goneAway) {
                return;
            }
            goneAway = true;
        }
        try {
            sendFrames(new SpdyFrames.GoAway(lastStreamId, status));
        } catch (IOException e) {
            // the connection is gone anyway
        }
    }

    /** Serializes and writes frames in order and waits until the socket took them. */
    private void sendFrames(SpdyFrames.Frame... frames) throws IOException {
        synchronized (sendLock) {
            if (closed.get()) {
                throw new IOException("exec SPDY connection closed");
            }
            ByteBuffer[] buffers = new ByteBuffer[frames.length];
            for (int i = 0; i < frames.length; i++) {
                buffers[i] = writer.write(frames[i]);
            }
            FutureCallback sent = new FutureCallback();
            getEndPoint().write(sent, buffers);
            try {
                sent.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("exec SPDY send interrupted", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("exec SPDY send failed: " + e, e);
            }
        }
    }

    /** Kills the command (or makes sure it never starts) and closes the connection; idempotent. */
    private void shutdown() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        streamsReady.cancel(false);
        initialSize.complete(ExecChannels.DEFAULT_SIZE);
        if (!process.completeExceptionally(new CancellationException("exec connection closed"))) {
            ExecChannels.awaitProcess(process).ifPresent(ExecProcess::close);
        }
        stdinWriter.shutdownNow();
        resizer.shutdownNow();
        getEndPoint().close();
        closedLatch.countDown();
        synchronized (sendLock) {
            parser.close();
            writer.close();
        }
    }
}
