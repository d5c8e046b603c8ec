package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The streams of one {@code pods/exec} or {@code pods/attach} session over SPDY/3.1: kubectl (client-go's
 * {@code remotecommand} with {@code spdystream}) opens one stream per channel, tagged by a {@code streamtype} header;
 * stdout/stderr are copied out as data frames, stdin in (credited back with WINDOW_UPDATE as the command consumes
 * it), the resize stream carries JSON terminal sizes, and the end is a Status on the error stream followed by FIN on
 * every stream. Mirrors the kubelet's streaming server ({@code pkg/kubelet/cri/streaming/remotecommand/httpstream.go},
 * protocols v4/v5). Thread-safe: the session calls in on its reader's thread; the command's streams are pumped on
 * threads of their own.
 *
 * <p>Stdin is bounded: the session is held from a stdin frame until the command took it, so a client faster than the
 * command is held back by TCP, and at most one stdin frame waits here.
 */
final class RemoteCommandStreams implements SpdySession.Handler {

    private static final System.Logger LOG = System.getLogger(RemoteCommandStreams.class.getName());

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
    /** How long one write may wait for the client. */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    /** How long we wait for the client to close after the last frame before we close. */
    private static final Duration LINGER = Duration.ofSeconds(10);

    private final SpdySession session;
    private final ExecEndpoint.Options options;
    private final ExecChannels.Starter starter;
    private final CompletableFuture<ExecProcess> process = new CompletableFuture<>();
    private final CompletableFuture<ExecChannels.TerminalSize> initialSize = new CompletableFuture<>();
    private final CompletableFuture<Void> streamsReady = new CompletableFuture<>();
    private final ExecutorService stdinWriter =
            Executors.newSingleThreadExecutor(Thread.ofVirtual().name("j8s-spdy-stdin").factory());
    private final ExecutorService resizer =
            Executors.newSingleThreadExecutor(Thread.ofVirtual().name("j8s-spdy-resize").factory());

    // reader state: touched only on the session's reader thread
    private final Map<Integer, StreamType> streams = new ConcurrentHashMap<>();
    private final ByteArrayOutputStream resizeBuffer = new ByteArrayOutputStream();
    /** Stream ids by type, written on the reader's thread, read by the session thread after streamsReady. */
    private final Map<StreamType, Integer> byType = java.util.Collections.synchronizedMap(new EnumMap<>(StreamType.class));
    private volatile boolean stdinClosed;
    private volatile OutputDrain drain = new OutputDrain(OutputDrain.QUIET);

    /** Streams for a process that already runs: a command without TTY, or an attach. */
    RemoteCommandStreams(SpdySession session, ExecEndpoint.Options options, ExecProcess running) {
        this.session = session;
        this.options = options;
        this.starter = size -> running;
        this.process.complete(running);
        this.initialSize.complete(ExecChannels.DEFAULT_SIZE); // every size the client sends is a resize
    }

    /** Streams for a TTY command: {@code starter} runs once the streams are open and the terminal size is known. */
    RemoteCommandStreams(SpdySession session, ExecEndpoint.Options options, ExecChannels.Starter starter) {
        this.session = session;
        this.options = options;
        this.starter = starter;
    }

    /** Gives up the output {@code quiet} after it stopped moving once the command exited (tests shorten it). */
    RemoteCommandStreams drainQuiet(Duration quiet) {
        this.drain = new OutputDrain(quiet);
        return this;
    }

    /** The stream types the request's options make the client open. */
    static Set<StreamType> expectedStreams(ExecEndpoint.Options options) {
        Set<StreamType> expected = EnumSet.of(StreamType.ERROR);
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
    public void opened() {
        Thread.ofVirtual().name("j8s-spdy-exec").start(this::run);
    }

    @Override
    public int stream(int id, Map<String, List<String>> headers, boolean fin) {
        if (streams.size() >= MAX_STREAMS) {
            return SpdyFrames.RST_REFUSED_STREAM;
        }
        Optional<StreamType> type = StreamType.parse(SpdyHeaderBlock.first(headers, "streamtype"));
        if (type.isEmpty()) {
            return SpdyFrames.RST_PROTOCOL_ERROR;
        }
        if (byType.containsKey(type.get())) {
            return SpdyFrames.RST_STREAM_IN_USE;
        }
        streams.put(id, type.get());
        byType.put(type.get(), id);
        return SpdySession.ACCEPT;
    }

    @Override
    public void replied(int id, Map<String, List<String>> headers) {
        // the command starts once every stream it writes to was answered: spdystream drops what comes before
        if (byType.keySet().containsAll(expectedStreams(options))) {
            streamsReady.complete(null);
        }
    }

    @Override
    public void data(int id, byte[] data, boolean fin) {
        StreamType type = streams.get(id);
        int n = data.length;
        if (type == StreamType.STDIN && options.stdin() && !stdinClosed && n > 0) {
            // written off the reader's path, in order; no frame is read until the command took this one, whose
            // window is then credited
            session.hold();
            stdinWriter.execute(() -> writeStdin(id, data));
        } else {
            if (type == StreamType.RESIZE && options.tty()) {
                resizeData(data);
            }
            credit(id, n);
        }
        if (fin && type == StreamType.STDIN) {
            stdinWriter.execute(this::closeStdin);
        }
    }

    @Override
    public void reset(int id) {
        if (streams.get(id) == StreamType.STDIN) {
            stdinWriter.execute(this::closeStdin);
        }
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
                LOG.log(Level.DEBUG, "resize failed command=" + options.command() + " error=" + e);
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
            session.release();
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
        if (n <= 0 || session.isClosed()) {
            return;
        }
        try {
            if (streams.containsKey(streamId) && !session.finished(streamId)) {
                session.send(new SpdyFrames.WindowUpdate(streamId, n), new SpdyFrames.WindowUpdate(0, n));
            } else {
                session.send(new SpdyFrames.WindowUpdate(0, n));
            }
        } catch (IOException e) {
            session.close();
        }
    }

    @Override
    public void closed() {
        streamsReady.cancel(false);
        initialSize.complete(ExecChannels.DEFAULT_SIZE);
        if (!process.completeExceptionally(new CancellationException("exec connection closed"))) {
            ExecChannels.awaitProcess(process).ifPresent(ExecProcess::close);
        }
        stdinWriter.shutdownNow();
        resizer.shutdownNow();
    }

    // ---------------------------------------------------------------- the command

    private void run() {
        try {
            streamsReady.get(STREAM_CREATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.log(Level.DEBUG, "SPDY client did not open its streams command=" + options.command()
                    + " timeout=" + STREAM_CREATION_TIMEOUT.toSeconds() + "s");
            session.goAway(SpdyFrames.GOAWAY_OK);
            session.close();
            return;
        } catch (InterruptedException | ExecutionException | CancellationException e) {
            session.close();
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
                if (session.isClosed()) {
                    return;
                }
                code = p.awaitExit(Duration.ofSeconds(1));
            }
            if (!drain.await(out, err)) {
                LOG.log(Level.DEBUG, "output still open after the command exited command=" + options.command());
            }
            finishWith(ExecChannels.status(options.command(), code.getAsInt()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.close();
        }
    }

    private void pump(InputStream in, StreamType type) {
        Integer stream = byType.get(type);
        byte[] buffer = new byte[32 * 1024];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (n > 0 && stream != null && !session.finished(stream)) {
                    session.data(stream, buffer, 0, n);
                    drain.progressed();
                }
            }
            if (stream != null) {
                session.fin(stream);
            }
        } catch (IOException e) {
            // the process was killed or the connection is gone
        }
    }

    /** Writes the Status on the error stream, closes every stream and lingers for the client to hang up. */
    private void finishWith(ObjectNode status) {
        try {
            Integer error = byType.get(StreamType.ERROR);
            if (error != null && !session.finished(error)) {
                session.send(new SpdyFrames.Data(error, 0, Json.MAPPER.writeValueAsBytes(status)));
            }
            for (Integer stream : byType.values()) {
                session.fin(stream);
            }
            // kubectl exits once it read the status; closing first could make the kernel reset the
            // connection over input we did not read and lose our last frames on the way
            session.awaitClosed(LINGER);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "status not delivered command=" + options.command() + " error=" + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            session.close();
        }
    }
}
