package dev.j8s.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.oci.manifest.LayerCompression;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written by worker threads ({@link FileWriters}) while the unpacking thread goes on: the tree is the one a
 * single thread writes, whatever the workers' timing — links to files still being written, directory times after
 * their children, whiteouts and later entries over files still being written, failures and descriptors.
 */
class FileWritersTest {
    static final UnpackLimits LIMITS = new UnpackLimits(256L << 20, 1000, 100_000, 4096, 0);
    static final LayerExtractor PARALLEL = new LayerExtractor(LIMITS, LayerExtractor.Gzip.JAVA_ZIP, 4);
    static final LayerExtractor INLINE = new LayerExtractor(LIMITS, LayerExtractor.Gzip.JAVA_ZIP, 0);
    static final long MTIME = 1_600_000_000_000L;

    @TempDir Path temp;

    static String big(int bytes, char c) {
        char[] chars = new char[bytes];
        Arrays.fill(chars, c);
        return new String(chars);
    }

    Path extract(LayerExtractor extractor, TarBuilder tar, String name) throws IOException {
        Path root = Files.createDirectory(temp.resolve(name));
        extractor.extract("l", new ByteArrayInputStream(tar.build()), LayerCompression.NONE, root);
        return root;
    }

    @Test
    void aHardLinkToAFileStillBeingWrittenIsThatFileWithItsContentAndMetadata() throws Exception {
        String content = big(3 << 20, 'a'); // twelve chunks: its worker is still writing when the link comes
        Path root = extract(PARALLEL, new TarBuilder().dir("bin").file("bin/a", content, 04755, 1000, 1001)
                .hardlink("bin/b", "bin/a"), "root");

        Path a = root.resolve("bin/a");
        Path b = root.resolve("bin/b");
        assertThat(Files.isSameFile(a, b)).isTrue();
        assertThat(Files.readString(b)).isEqualTo(content);
        assertThat(Files.getAttribute(b, "unix:mode")).isEqualTo(0104755);
        assertThat(Files.getAttribute(b, "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(b, "unix:gid")).isEqualTo(1001);
        assertThat(Files.getLastModifiedTime(b)).isEqualTo(FileTime.fromMillis(MTIME));
    }

    @Test
    void aDirectorysTimeIsSetAfterTheFilesWrittenIntoIt() throws Exception {
        TarBuilder tar = new TarBuilder().dir("d").dir("d/sub");
        for (int i = 0; i < 200; i++) {
            tar.file("d/f" + i, "x".repeat(i * 100));
        }
        tar.file("d/sub/big", big(2 << 20, 'b')).file("d/last", "late");
        Path root = extract(PARALLEL, tar, "root");

        assertThat(Files.getLastModifiedTime(root.resolve("d"))).isEqualTo(FileTime.fromMillis(MTIME));
        assertThat(Files.getLastModifiedTime(root.resolve("d/sub"))).isEqualTo(FileTime.fromMillis(MTIME));
        assertThat(Files.readString(root.resolve("d/last"))).isEqualTo("late");
        assertThat(Files.size(root.resolve("d/sub/big"))).isEqualTo(2 << 20);
    }

    @Test
    void aWhiteoutAfterAFileOrTreeStillBeingWrittenHidesIt() throws Exception {
        TarBuilder tar = new TarBuilder().dir("x").file("x/f", big(2 << 20, 'f')).file("x/.wh.f", "").dir("y");
        for (int i = 0; i < 50; i++) {
            tar.file("y/" + i, big(40_000, 'y'));
        }
        tar.file(".wh.y", "");
        Path root = extract(PARALLEL, tar, "root");

        for (Path hidden : List.of(root.resolve("x/f"), root.resolve("y"))) {
            assertThat(Files.getAttribute(hidden, "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0020000); // char 0:0
            assertThat(Files.getAttribute(hidden, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0L);
        }
    }

    @Test
    void aLaterEntryOfTheSameNameWinsOverAFileStillBeingWritten() throws Exception {
        Path root = extract(PARALLEL, new TarBuilder().file("a", big(2 << 20, 'a')).file("a", "second", 0600, 7, 7)
                .file("b", "first").file("b", big(1 << 20, 'b')), "root");

        assertThat(Files.readString(root.resolve("a"))).isEqualTo("second");
        assertThat(Files.getAttribute(root.resolve("a"), "unix:uid")).isEqualTo(7);
        assertThat(Files.size(root.resolve("b"))).isEqualTo(1 << 20);
    }

    @Test
    void aTreeWrittenByWorkersEqualsTheTreeWrittenByOneThread() throws Exception {
        Random random = new Random(19);
        TarBuilder one = new TarBuilder();
        List<String> files = new ArrayList<>();
        for (int d = 0; d < 7; d++) {
            one.dir("d" + d);
        }
        for (int i = 0; i < 400; i++) {
            String dir = "d" + (i % 7) + "/s" + (i % 3);
            if (i < 21) {
                one.dir(dir, 0700 + i % 56);
                continue;
            }
            String name = dir + "/e" + i;
            switch (random.nextInt(10)) {
                case 0 -> {
                    one.symlink(name, "../target" + i);
                }
                case 1 -> {
                    if (!files.isEmpty()) {
                        String target = files.get(random.nextInt(files.size()));
                        one.hardlink(name, target);
                    }
                }
                default -> {
                    String content = big(random.nextInt(10) == 0 ? random.nextInt(900_000) : random.nextInt(5000),
                            (char) ('a' + random.nextInt(26)));
                    int mode = random.nextBoolean() ? 0644 : 04750;
                    one.file(name, content, mode, random.nextInt(3) * 1000, 100);
                    files.add(name);
                }
            }
        }
        byte[] tar = one.build();
        Path inline = Files.createDirectory(temp.resolve("inline"));
        Path parallel = Files.createDirectory(temp.resolve("parallel"));
        INLINE.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, inline);
        PARALLEL.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, parallel);

        assertThat(describe(parallel)).isEqualTo(describe(inline)).hasSizeGreaterThan(380);
    }

    @Test
    void aFailedWriteFailsTheLayerNamingTheFile() {
        FileWriters writers = new FileWriters(2, 1024, 4, 4);
        assertThatThrownBy(() -> {
            FileWriters.File f = writers.start(temp.resolve("gone"), 1_000_000); // no such descriptor
            byte[] b = writers.buffer();
            writers.add(f, b, 10);
            writers.end(f, new FileWriters.Meta(0, 0, 0644, List.of(), MTIME));
            writers.finish();
        }).isInstanceOf(IOException.class).hasMessageContaining("write " + temp.resolve("gone")).hasMessageContaining("Bad file descriptor");
        writers.close();
    }

    @Test
    void aLayerThatBreaksOffMidFileLeavesNoDescriptorOpen() throws Exception {
        byte[] tar = new TarBuilder().dir("d").file("d/a", big(1 << 20, 'a')).file("d/b", big(3 << 20, 'b')).build();
        byte[] truncated = Arrays.copyOf(tar, tar.length - (2 << 20));
        long before = openDescriptors();
        for (int i = 0; i < 5; i++) {
            Path root = Files.createDirectory(temp.resolve("r" + i));
            assertThatThrownBy(() -> PARALLEL.extract("l", new ByteArrayInputStream(truncated), LayerCompression.NONE, root))
                    .isInstanceOf(LayerException.class);
        }
        assertThat(openDescriptors()).isLessThanOrEqualTo(before);
        assertThat(writerThreads()).isZero();
    }

    @Test
    void anInterruptedUnpackLeavesNoWriterThreadOrDescriptor() throws Exception {
        byte[] tar = new TarBuilder().dir("d").file("d/a", big(1 << 20, 'a')).file("d/b", big(3 << 20, 'b')).build();
        int stallAt = tar.length - (2 << 20);
        java.util.concurrent.CountDownLatch stalled = new java.util.concurrent.CountDownLatch(1);
        java.io.InputStream stalling = new java.io.InputStream() {
            int pos;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= stallAt) {
                    stalled.countDown();
                    try {
                        Thread.sleep(60_000); // a registry that stopped sending, until the pull is cancelled
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("cancelled");
                    }
                }
                int n = Math.min(len, stallAt - pos);
                System.arraycopy(tar, pos, b, off, n);
                pos += n;
                return n;
            }
        };
        long before = openDescriptors();
        Path root = Files.createDirectory(temp.resolve("root"));
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread unpack = Thread.ofPlatform().start(() -> {
            try {
                PARALLEL.extract("l", stalling, LayerCompression.NONE, root);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        assertThat(stalled.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        unpack.interrupt();
        unpack.join(30_000);

        assertThat(unpack.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(LayerException.class).hasMessageContaining("cancelled");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (writerThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(writerThreads()).isZero();
        assertThat(openDescriptors()).isLessThanOrEqualTo(before);
    }

    static long writerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("layer-write-")).count();
    }

    static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** Every entry's type, mode, owner, size, mtime, link count, symlink target and content hash, by path. */
    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.filter(p -> !p.equals(root)).toList()) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,nlink,lastModifiedTime",
                        LinkOption.NOFOLLOW_LINKS);
                String what = a.get("mode") + " " + a.get("uid") + ":" + a.get("gid") + " " + a.get("nlink") + " "
                        + a.get("lastModifiedTime");
                if (Files.isSymbolicLink(p)) {
                    what += " -> " + Files.readSymbolicLink(p);
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    what += " " + a.get("size") + " " + sha256(Files.readAllBytes(p));
                }
                out.put(root.relativize(p).toString(), what);
            }
        }
        return out;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
