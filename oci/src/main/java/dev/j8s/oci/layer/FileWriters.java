package dev.j8s.oci.layer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes the content and metadata of a layer's regular files on worker threads while the unpacking thread goes on
 * parsing the tar stream: a big layer's write work (the kernel's copy into the page cache, block allocation, the
 * owner, mode, xattr and time calls) spreads over cores while its inflate runs.
 *
 * <p>Only the unpacking thread touches names: it creates each file ({@code openat} with {@code O_EXCL}) in tar order,
 * as it makes directories, links and whiteouts, and hands the open descriptor here; workers only write through
 * descriptors. So the tree's shape is decided in stream order exactly as by a single thread: a hard link finds the
 * file it names (created, perhaps still being written: it is the same inode), a whiteout or a later entry of the same
 * name removes a name whose inode a worker may still be writing (harmlessly, to an unlinked inode), and directory
 * times are set by the caller after {@link #finish()}. At most {@code chunks} buffers and {@code files} open files
 * are in flight, so memory and descriptors stay bounded.
 *
 * <p>One submitting thread; {@link #finish()} or {@link #close()} from it.
 */
final class FileWriters implements AutoCloseable {
    /** What a worker sets on a file after its content, in this order: owner, mode, xattrs, times. */
    record Meta(int uid, int gid, int mode, List<Xattr> xattrs, long mtimeNanos) {}

    /** One extended attribute, already checked by the unpacking thread. */
    record Xattr(String name, byte[] value) {}

    private record Chunk(byte[] bytes, int length) {}

    private static final Chunk END = new Chunk(new byte[0], 0);

    /** One file: its descriptor, its content as it arrives, and its metadata once the content is complete. */
    final class File {
        private final Path path;
        private final int fd;
        private final BlockingQueue<Chunk> chunks = new LinkedBlockingQueue<>();
        private volatile Meta meta;

        private File(Path path, int fd) {
            this.path = path;
            this.fd = fd;
        }
    }

    private final BlockingQueue<byte[]> free;
    private final BlockingQueue<java.util.Optional<File>> files;
    private final Thread[] workers;
    private final int chunkSize;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean aborted;
    private boolean stopped;
    private File open; // started and not yet ended

    /**
     * Starts {@code workers} platform threads (a native call pins a virtual thread's carrier), with {@code chunks}
     * buffers of {@code chunkSize} bytes and at most {@code files} files queued.
     */
    FileWriters(int workers, int chunkSize, int chunks, int files) {
        this.chunkSize = chunkSize;
        this.free = new ArrayBlockingQueue<>(chunks);
        for (int i = 0; i < chunks; i++) {
            free.add(new byte[chunkSize]);
        }
        this.files = new ArrayBlockingQueue<>(files);
        this.workers = new Thread[workers];
        for (int i = 0; i < workers; i++) {
            this.workers[i] = Thread.ofPlatform().daemon().name("layer-write-" + i).start(this::work);
        }
    }

    /** A buffer of {@link #chunkSize()} bytes to fill with a file's next piece; blocks until one is free. */
    byte[] buffer() throws IOException {
        rethrow();
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while unpacking");
        }
    }

    int chunkSize() {
        return chunkSize;
    }

    /** Queues a file just created by the caller; its content follows with {@link #add}, then {@link #end}. */
    File start(Path path, int fd) throws IOException {
        rethrow();
        File f = new File(path, fd);
        put(java.util.Optional.of(f));
        open = f;
        return f;
    }

    /** The next {@code length} bytes of {@code file}, in {@code buffer} (from {@link #buffer()}, handed over). */
    void add(File file, byte[] buffer, int length) {
        file.chunks.add(new Chunk(buffer, length));
    }

    /** Returns a buffer from {@link #buffer()} unused. */
    void recycle(byte[] buffer) {
        free.add(buffer);
    }

    /** Ends {@code file}'s content; the worker then sets {@code meta} and closes it. */
    void end(File file, Meta meta) {
        file.meta = meta;
        file.chunks.add(END);
        open = null;
    }

    /** Waits for every queued file to be written, its metadata set and closed; rethrows the first failure. */
    void finish() throws IOException {
        stop();
        rethrow();
    }

    /** Stops: files not yet written are closed unwritten (the caller discards the partial tree). */
    @Override
    public void close() {
        aborted = true;
        if (open != null) {
            open.chunks.add(END); // its worker closes it unwritten
            open = null;
        }
        try {
            stop();
        } catch (IOException e) {
            // interrupted: the workers are daemons and close what they hold when they see the abort
        }
    }

    private void stop() throws IOException {
        if (stopped) {
            return;
        }
        stopped = true;
        for (int i = 0; i < workers.length; i++) {
            put(java.util.Optional.empty());
        }
        try {
            for (Thread w : workers) {
                w.join();
            }
        } catch (InterruptedException e) {
            aborted = true;
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while unpacking");
        }
    }

    private void put(java.util.Optional<File> f) throws IOException {
        try {
            while (!files.offer(f, 100, TimeUnit.MILLISECONDS)) {
                if (f.isPresent()) {
                    rethrow();
                }
            }
        } catch (InterruptedException e) {
            aborted = true;
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while unpacking");
        }
    }

    private void rethrow() throws IOException {
        Throwable t = failure.get();
        switch (t) {
            case null -> {}
            case IOException io -> throw new IOException(io.getMessage(), io);
            case RuntimeException re -> throw re;
            case Error e -> throw e;
            default -> throw new IOException(t);
        }
    }

    private void work() {
        try (Native.Writer out = new Native.Writer(chunkSize)) {
            while (true) {
                // Polling, so that after an abort whose stop signal could not be queued (the caller was
                // interrupted) the workers still leave once nothing is queued.
                java.util.Optional<File> next = files.poll(100, TimeUnit.MILLISECONDS);
                if (next == null) {
                    if (aborted) {
                        return;
                    }
                    continue;
                }
                if (next.isEmpty()) {
                    return;
                }
                write(out, next.get());
            }
        } catch (InterruptedException e) {
            failure.compareAndSet(null, new InterruptedIOException("interrupted while unpacking"));
        }
    }

    /** Writes one file; after a failure anywhere (or an abort) it only drains its buffers and closes it. */
    private void write(Native.Writer out, File f) throws InterruptedException {
        boolean ok = true;
        try {
            while (true) {
                Chunk c = f.chunks.take();
                if (c == END) {
                    break;
                }
                try {
                    if (ok && !aborted && failure.get() == null) {
                        out.write(f.fd, c.bytes(), 0, c.length(), f.path);
                    }
                } catch (Throwable t) {
                    ok = false;
                    failure.compareAndSet(null, t);
                } finally {
                    free.add(c.bytes());
                }
            }
            if (ok && !aborted && failure.get() == null) {
                Meta m = f.meta;
                out.owner(f.fd, m.uid(), m.gid(), m.mode(), f.path);
                for (Xattr x : m.xattrs()) {
                    out.setxattr(f.fd, x.name(), x.value(), f.path);
                }
                out.times(f.fd, m.mtimeNanos(), f.path);
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Throwable t) {
            ok = false;
            failure.compareAndSet(null, t);
        } finally {
            try {
                out.close(f.fd, f.path);
            } catch (Throwable t) {
                if (ok) {
                    failure.compareAndSet(null, t);
                }
            }
        }
    }
}
