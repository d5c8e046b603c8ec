package dev.j8s.oci.bench;

import dev.j8s.oci.reference.Digest;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * An image of real-world shape for the pull benchmark, built from trees already on this machine, each at its usual
 * path: a JDK, compilers, the packages' docs and perl, in eight gzip layers (≈ 292 MB gzip → 659 MB, 7.2k entries
 * here), the way an image builder writes them: parent directories first, PAX headers only where needed, hard links
 * as link entries, numeric owners, modes and mtimes as on disk, gzip at the default level. Images of this shape pay a
 * per-entry cost that few-large-file images hide. Not thread-safe; see bench/README-pull.md.
 */
final class RealWorldImage {
    /** The layers, each a list of trees (relative to /); a tree missing on this machine is left out and said so. */
    static final List<List<String>> LAYERS = List.of(
            List.of("usr/lib/jvm/temurin-25-jdk-amd64"),
            List.of("usr/lib/gcc"),
            List.of("usr/share/doc"),
            List.of("usr/libexec"),
            List.of("usr/lib/x86_64-linux-gnu/perl"),
            List.of("usr/lib/git-core"),
            List.of("usr/share/common-licenses"),
            List.of("usr/lib/x86_64-linux-gnu/perl5"));

    /** One layer written to {@code file}: its compressed digest and size, diff ID, unpacked size and entries. */
    record Layer(Path file, Digest digest, long compressed, Digest diffId, long uncompressed, int entries) {}

    private RealWorldImage() {}

    /** Writes the layers as gzip blobs under {@code dir}, two at a time. */
    static List<Layer> build(Path dir) throws Exception {
        for (List<String> trees : LAYERS) {
            for (String t : trees) {
                if (!Files.isDirectory(Path.of("/", t), LinkOption.NOFOLLOW_LINKS)) {
                    System.out.println("real-world image: /" + t + " is not on this machine, left out");
                }
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Layer>> futures = new ArrayList<>();
            for (int i = 0; i < LAYERS.size(); i++) {
                int n = i;
                futures.add(pool.submit(() -> layer(LAYERS.get(n), dir.resolve("layer-" + n + ".tar.gz"))));
            }
            List<Layer> out = new ArrayList<>();
            for (Future<Layer> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static Layer layer(List<String> trees, Path file) throws IOException {
        MessageDigest blobDigest = sha256();
        MessageDigest tarDigest = sha256();
        Hashing blob;
        Hashing tar;
        int[] entries = {0};
        try (OutputStream fileOut = Files.newOutputStream(file)) {
            blob = new Hashing(fileOut, blobDigest);
            GZIPOutputStream gz = new GZIPOutputStream(blob, 1 << 16);
            tar = new Hashing(gz, tarDigest);
            try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar, "UTF-8")) {
                out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                out.setAddPaxHeadersForNonAsciiNames(true);
                java.util.Set<String> parents = new java.util.HashSet<>();
                Map<Object, String> inodes = new HashMap<>();
                for (String t : trees) {
                    Path top = Path.of("/", t);
                    if (!Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    List<Path> chain = new ArrayList<>(); // the tree's parents, outermost first
                    for (Path p = Path.of(t).getParent(); p != null; p = p.getParent()) {
                        chain.addFirst(p);
                    }
                    for (Path p : chain) {
                        if (parents.add(p.toString())) {
                            entries[0]++;
                            out.putArchiveEntry(entry(Path.of("/").resolve(p), p + "/", TarConstants.LF_DIR));
                            out.closeArchiveEntry();
                        }
                    }
                    Files.walkFileTree(top, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                            entries[0]++;
                            out.putArchiveEntry(entry(d, name(d) + "/", TarConstants.LF_DIR));
                            out.closeArchiveEntry();
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                            entries[0]++;
                            String name = name(f);
                            if (a.isSymbolicLink()) {
                                TarArchiveEntry e = entry(f, name, TarConstants.LF_SYMLINK);
                                e.setLinkName(Files.readSymbolicLink(f).toString());
                                out.putArchiveEntry(e);
                            } else if (a.isRegularFile()) {
                                int links = (Integer) Files.getAttribute(f, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
                                String first = links > 1 ? inodes.putIfAbsent(a.fileKey(), name) : null;
                                if (first != null) {
                                    TarArchiveEntry e = entry(f, name, TarConstants.LF_LINK);
                                    e.setLinkName(first);
                                    out.putArchiveEntry(e);
                                } else {
                                    TarArchiveEntry e = entry(f, name, TarConstants.LF_NORMAL);
                                    e.setSize(a.size());
                                    out.putArchiveEntry(e);
                                    Files.copy(f, out);
                                }
                            } else {
                                entries[0]--; // sockets, devices: not in images
                                return FileVisitResult.CONTINUE;
                            }
                            out.closeArchiveEntry();
                            return FileVisitResult.CONTINUE;
                        }
                    });
                }
            }
        }
        return new Layer(file, new Digest("sha256", HexFormat.of().formatHex(blobDigest.digest())), blob.count,
                new Digest("sha256", HexFormat.of().formatHex(tarDigest.digest())), tar.count, entries[0]);
    }

    private static String name(Path p) {
        return Path.of("/").relativize(p).toString();
    }

    private static TarArchiveEntry entry(Path p, String name, byte type) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setMode((Integer) a.get("mode") & 07777);
        e.setUserId((Integer) a.get("uid"));
        e.setGroupId((Integer) a.get("gid"));
        e.setModTime(((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toMillis() / 1000 * 1000);
        return e;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hashes and counts what passes through. */
    private static final class Hashing extends FilterOutputStream {
        final MessageDigest md;
        long count;

        Hashing(OutputStream out, MessageDigest md) {
            super(out);
            this.md = md;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            md.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            md.update(b, off, len);
            count += len;
        }
    }
}
