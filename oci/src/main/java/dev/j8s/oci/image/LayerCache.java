package dev.j8s.oci.image;

import dev.j8s.oci.layer.LayerExtractor;
import dev.j8s.oci.layer.LayerStats;
import dev.j8s.oci.manifest.LayerCompression;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.store.ContentException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * Unpacked layers under {@code layers/<chain-hex>/}, each produced at most once: racing requests for one chain
 * ID share a future, and at most {@code parallelism} layers stream at once. A layer is unpacked into
 * {@code layers/.tmp-…} on the same file system, its compressed digest and its diff ID are verified, and only
 * then is the directory renamed into place; a directory named by a chain ID is therefore always complete and
 * verified, also after a power loss: before the rename one {@code syncfs(2)} writes the layer's files back (one call
 * per layer rather than an {@code fsync} per file; the layer's unpack slot is already free for the next layer while
 * it waits), and after it the parent directory is synced. Deletion renames to
 * {@code .tmp-…} first for the same reason.
 *
 * <p>Thread-safe.
 */
final class LayerCache implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LayerCache.class.getName());
    static final String TMP_PREFIX = ".tmp-";
    /**
     * Whether an unpacked layer is made durable ({@code syncfs(2)}) before it is renamed into place; the system
     * property {@code j8s.oci.syncLayers=false} turns it off (throw-away nodes, tests, the pull benchmark's A/B).
     */
    private static boolean sync() {
        return !"false".equals(System.getProperty("j8s.oci.syncLayers"));
    }

    /** Opens a layer's compressed stream; the stream must verify its own digest at EOF. */
    @FunctionalInterface
    interface Source {
        InputStream open() throws IOException;
    }

    /** Download progress of one layer: bytes since the last report and in total. */
    record Progress(long delta, long total) {}

    private final Path dir;
    private final LayerExtractor extractor;
    private final Semaphore slots;
    private final Map<Digest, CompletableFuture<Long>> running = new ConcurrentHashMap<>();
    private final Map<Digest, Long> sizes = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("layer-", 0).uncaughtExceptionHandler((t, e) ->
                    LOG.log(System.Logger.Level.ERROR, "layer worker failed thread=" + t.getName(), e)).factory());
    /**
     * The threads a layer streams on once it has a slot: platform threads, because unpacking makes native calls
     * (file creation, {@code syncfs(2)}) that pin a virtual thread's carrier for their duration, and with one carrier
     * per core, two layers waiting for their write-back stalled every other layer's virtual threads.
     */
    private final ExecutorService unpackers = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("layer-unpack-", 0).factory());

    LayerCache(Path dir, LayerExtractor extractor, int parallelism) {
        this.dir = dir;
        this.extractor = extractor;
        this.slots = new Semaphore(parallelism);
        try {
            Files.createDirectories(dir);
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    if (p.getFileName().toString().startsWith(TMP_PREFIX)) {
                        LOG.log(System.Logger.Level.INFO, "removing unfinished layer dir={0}", p);
                        deleteTree(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("open layer dir " + dir, e);
        }
    }

    /** Chain IDs per the OCI image spec: {@code chain(0) = diff(0)}, {@code chain(n) = sha256(chain(n-1) + " " + diff(n))}. */
    static List<Digest> chainIds(List<Digest> diffIds) {
        List<Digest> out = new ArrayList<>();
        Digest previous = null;
        for (Digest d : diffIds) {
            previous = previous == null ? d : Digest.sha256((previous + " " + d).getBytes(StandardCharsets.UTF_8));
            out.add(previous);
        }
        return out;
    }

    /** The lower dir for a chain ID (whether or not it exists). */
    Path dir(Digest chainId) {
        return dir.resolve(chainId.hex());
    }

    void knownSize(Digest chainId, long size) {
        sizes.put(chainId, size);
    }

    /** Chain IDs whose directories exist. */
    List<Digest> present() {
        List<Digest> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(TMP_PREFIX) && Files.isDirectory(p)) {
                    try {
                        out.add(new Digest("sha256", name));
                    } catch (IllegalArgumentException ignored) {
                        // not ours
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list " + dir, e);
        }
        return out;
    }

    /**
     * The unpacked size of the chain ID's layer, unpacking it from {@code source} first unless present or already
     * being unpacked by someone else (then that future is shared). {@code onFetch} runs only when this call
     * starts a fetch. Failures say {@code layer <layer>: …}; {@code layer} names the layer alone (its digest, or
     * its name in an archive), since images share layers and the caller names the image once.
     */
    CompletableFuture<Long> ensure(Digest chainId, Digest diffId, String layer, LayerCompression compression, Source source,
                                   Runnable onFetch, Consumer<Progress> progress) {
        Path target = dir(chainId);
        if (Files.isDirectory(target)) {
            return CompletableFuture.completedFuture(sizeOf(chainId));
        }
        CompletableFuture<Long> mine = new CompletableFuture<>();
        CompletableFuture<Long> other = running.putIfAbsent(chainId, mine);
        if (other != null) {
            return other;
        }
        if (Files.isDirectory(target)) { // finished between the first check and the claim
            running.remove(chainId, mine);
            mine.complete(sizeOf(chainId));
            return mine;
        }
        onFetch.run();
        workers.execute(() -> {
            try {
                slots.acquire();
                java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
                Runnable release = () -> {
                    if (held.compareAndSet(true, false)) {
                        slots.release();
                    }
                };
                Future<Long> unpacked = unpackers.submit(() -> unpack(chainId, diffId, layer, compression, source, progress, release));
                try {
                    mine.complete(unpacked.get());
                } catch (InterruptedException e) {
                    unpacked.cancel(true);
                    throw e;
                } catch (ExecutionException e) {
                    throw e.getCause();
                } finally {
                    release.run();
                }
            } catch (Throwable t) {
                mine.completeExceptionally(t instanceof InterruptedException
                        ? new PullException(PullException.Kind.NETWORK, "layer " + layer + ": interrupted", t) : t);
            } finally {
                running.remove(chainId, mine);
            }
        });
        return mine;
    }

    /** Whether a chain ID is being unpacked right now. */
    boolean busy(Digest chainId) {
        return running.containsKey(chainId);
    }

    /** Unpacks, verifies and renames into place; {@code releaseSlot} runs once the streaming part is over. */
    private long unpack(Digest chainId, Digest diffId, String layer, LayerCompression compression, Source source,
                        Consumer<Progress> progress, Runnable releaseSlot) throws IOException {
        Path target = dir(chainId);
        Path tmp = dir.resolve(TMP_PREFIX + chainId.hex() + "-" + UUID.randomUUID());
        Files.createDirectory(tmp);
        long started = System.nanoTime();
        Tracking in = null;
        try {
            in = new Tracking(source.open(), progress);
            LayerStats stats;
            try (Tracking src = in) {
                stats = extractor.extract(layer, src, compression, tmp);
                src.transferTo(OutputStream.nullOutputStream()); // the source verifies size and digest at EOF
            }
            if (!stats.diffId().equals(diffId)) {
                throw new PullException(PullException.Kind.INVALID_IMAGE, "layer " + layer + ": uncompressed content has digest "
                        + stats.diffId() + " but the image config says " + diffId);
            }
            // The next layer streams while this one's files are written back.
            releaseSlot.run();
            long streamed = System.nanoTime();
            if (sync()) {
                // The files must reach the disk before the name that says "complete and verified" does.
                LayerExtractor.syncFileSystem(tmp);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            }
            sizes.put(chainId, stats.uncompressedBytes());
            LOG.log(System.Logger.Level.DEBUG, "unpacked layer chainId={0} compressed={1} uncompressed={2} streamedMs={3} "
                    + "durableMs={4}", chainId, stats.compressedBytes(), stats.uncompressedBytes(),
                    (streamed - started) / 1_000_000, (System.nanoTime() - streamed) / 1_000_000);
            return stats.uncompressedBytes();
        } catch (RuntimeException | IOException e) {
            deleteTree(tmp);
            if (in != null && in.failure != null) {
                // The download broke or did not verify: report that, not the extractor's wrapping of it.
                Throwable f = in.failure;
                PullException.Kind kind = f instanceof ContentException ? PullException.Kind.INVALID_IMAGE
                        : f instanceof IOException ? PullException.Kind.NETWORK : Failures.kind(f);
                throw new PullException(kind, "layer " + layer + ": " + f.getMessage(), e);
            }
            throw e;
        }
    }

    private long sizeOf(Digest chainId) {
        Long known = sizes.get(chainId);
        if (known != null) {
            return known;
        }
        long[] total = {0};
        try {
            Files.walkFileTree(dir(chainId), new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    total[0] += attrs.isRegularFile() ? attrs.size() : 0;
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("size of layer " + chainId, e);
        }
        sizes.put(chainId, total[0]);
        return total[0];
    }

    /** Deletes a layer directory: renamed out of the trusted namespace first, then removed. */
    boolean delete(Digest chainId) {
        if (running.containsKey(chainId)) {
            return false;
        }
        Path target = dir(chainId);
        Path doomed = dir.resolve(TMP_PREFIX + "delete-" + chainId.hex() + "-" + UUID.randomUUID());
        try {
            Files.move(target, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("remove layer " + chainId, e);
        }
        sizes.remove(chainId);
        deleteTree(doomed);
        return true;
    }

    /** Removes a tree without following symlinks; directories without write permission are fine for root. */
    static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException ignored) {
            // already gone
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove dir={0} error={1}", root, e.getMessage());
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
        unpackers.shutdownNow();
    }

    /** Reports progress and remembers the first failure of the source, so a broken download is told apart. */
    private static final class Tracking extends FilterInputStream {
        private static final long REPORT_EVERY = 1 << 20;
        private final Consumer<Progress> progress;
        private long total;
        private long unreported;
        Throwable failure;

        Tracking(InputStream in, Consumer<Progress> progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
                throw e;
            }
            if (n > 0) {
                total += n;
                unreported += n;
                if (unreported >= REPORT_EVERY) {
                    report();
                }
            } else if (n < 0 && unreported > 0) {
                report();
            }
            return n;
        }

        private void report() {
            progress.accept(new Progress(unreported, total));
            unreported = 0;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(n, 64 * 1024)];
            int r = read(buf, 0, buf.length);
            return Math.max(r, 0);
        }

        @Override
        public void close() throws IOException {
            if (unreported > 0) {
                report();
            }
            super.close();
        }
    }
}
