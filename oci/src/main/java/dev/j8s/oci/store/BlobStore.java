package dev.j8s.oci.store;

import dev.j8s.oci.reference.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A content-addressed store of verified blobs under {@code <root>/blobs/<algorithm>/<hex>}: content becomes
 * visible only after its size and digest were checked, through temp file, fsync and atomic rename.
 *
 * <p>Thread-safe: concurrent writers of the same digest race harmlessly (identical content, atomic rename).
 */
public final class BlobStore {
    private final Path blobs;
    private final Path tmp;

    private BlobStore(Path root) {
        this.blobs = root.resolve("blobs");
        this.tmp = root.resolve("tmp");
    }

    /** Opens (creating if needed) a store rooted at {@code root}, removing temp files left by a crash. */
    public static BlobStore open(Path root) {
        BlobStore store = new BlobStore(root);
        try {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(store.blobs);
            Files.createDirectories(store.tmp);
            try (Stream<Path> leftovers = Files.list(store.tmp)) {
                for (Path p : leftovers.toList()) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("open blob store " + root, e);
        }
        return store;
    }

    /** Where the blob lives (whether or not it exists); the digest was validated, so the path is safe. */
    public Path path(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex());
    }

    /** Whether the blob is present. */
    public boolean contains(Digest digest) {
        return Files.isRegularFile(path(digest));
    }

    /** Size of a present blob. */
    public Optional<Long> size(Digest digest) {
        try {
            return Optional.of(Files.size(path(digest)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores {@code bytes} under their digest with {@code algorithm}, returning it. */
    public Digest put(String algorithm, byte[] bytes) {
        Digest d = Digest.of(algorithm, bytes);
        write(d, bytes.length, new java.io.ByteArrayInputStream(bytes));
        return d;
    }

    /**
     * Copies exactly {@code size} bytes with digest {@code digest} from {@code in} into the store; on any
     * mismatch or failure nothing becomes visible and the temp file is removed. Does not close {@code in}.
     */
    public Path write(Digest digest, long size, InputStream in) {
        Path target = path(digest);
        if (Files.isRegularFile(target)) {
            return target;
        }
        Path temp = tmp.resolve(digest.hex() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
                new VerifyingInputStream(in, digest, size).transferTo(out);
                ch.force(true);
            }
            Files.createDirectories(target.getParent());
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new ContentException("blob store tmp and blobs must be on one file system", e);
            }
            fsyncDirectory(target.getParent());
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("write blob " + digest, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort; open() removes leftovers
            }
        }
    }

    /** Opens a present blob for reading. */
    public InputStream open(Digest digest) {
        try {
            return Files.newInputStream(path(digest));
        } catch (IOException e) {
            throw new UncheckedIOException("open blob " + digest, e);
        }
    }

    /** Reads a present blob of at most {@code max} bytes, verifying its digest again. */
    public byte[] read(Digest digest, int max) {
        try {
            long size = Files.size(path(digest));
            if (size > max) {
                throw new ContentException("blob " + digest + " has " + size + " bytes, more than " + max);
            }
            byte[] bytes = Files.readAllBytes(path(digest));
            if (!Digest.of(digest.algorithm(), bytes).equals(digest)) {
                throw new ContentException("blob " + digest + " is corrupt on disk");
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("read blob " + digest, e);
        }
    }

    /** Removes a blob if present. */
    public boolean delete(Digest digest) {
        try {
            return Files.deleteIfExists(path(digest));
        } catch (IOException e) {
            throw new UncheckedIOException("delete blob " + digest, e);
        }
    }

    /** Every stored blob's digest. */
    public List<Digest> list() {
        List<Digest> out = new ArrayList<>();
        try (Stream<Path> algs = Files.list(blobs)) {
            for (Path alg : algs.toList()) {
                try (Stream<Path> files = Files.list(alg)) {
                    for (Path f : files.toList()) {
                        try {
                            out.add(new Digest(alg.getFileName().toString(), f.getFileName().toString()));
                        } catch (IllegalArgumentException ignored) {
                            // not ours
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list blobs", e);
        }
        return out;
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
