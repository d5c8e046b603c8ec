package dev.j8s.oci.layer;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.j8s.oci.manifest.LayerCompression;
import dev.j8s.oci.reference.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveStructSparse;

/**
 * Unpacks one image layer in a single streaming pass into an empty directory that becomes an overlayfs
 * lower dir: OCI whiteouts become overlay whiteouts (char device 0:0) and opaque directories
 * ({@code trusted.overlay.opaque=y}); ownership, modes incl. setuid, {@code user.*} xattrs, file capabilities
 * ({@code security.capability}) and mtimes are kept.
 *
 * <p>A symlink is data: its target is stored verbatim, as containerd and moby store it, whether it is absolute,
 * dangling or a relative path that climbs above the root ({@code lib/x.so -> ../../../other/x.so}); it resolves
 * inside the container's root at run time, and host-side code never follows it (parents are walked without
 * following links, and the runtime resolves container paths with {@code RootPath}). What a symlink could
 * redirect is refused instead: every file, directory, hardlink or whiteout whose path goes through a symlink,
 * names with {@code ..} above the root or absolute names, hardlinks to anything outside the layer, and device
 * nodes other than whiteouts — each with a {@link LayerException} naming the layer and entry. Because each layer
 * is unpacked alone into a fresh directory owned by this process, no other writer can swap a directory for a
 * symlink during extraction.
 *
 * <p>Sparse files (old GNU, PAX 0.x and 1.0) are written with their holes: only the stored data regions are
 * written, and the file is extended to its real size.
 *
 * <p>Thread-safe: each call works on its own destination; the instance holds only limits.
 */
public final class LayerExtractor {
    private static final System.Logger LOG = System.getLogger(LayerExtractor.class.getName());
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final String OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final String CAPABILITY_XATTR = "security.capability";
    private static final int MAX_XATTR_NAME = 255;
    private static final int MAX_XATTR_VALUE = 65536;
    private static final long FREE_SPACE_CHECK_EVERY = 64L << 20;
    private static final long RATIO_GRACE_BYTES = 16L << 20;
    /** Compressed bytes per inflate refill. */
    static final int INPUT_BUFFER = 128 * 1024;
    /** Uncompressed bytes per read and per file write: few inflate calls, few write(2)s, large digest updates. */
    static final int COPY_BUFFER = 256 * 1024;

    /**
     * Threads writing one layer's files ({@link FileWriters}): one per core, at most four; the system property
     * {@code j8s.oci.writeThreads=0} writes them on the unpacking thread (the pull benchmark's A/B).
     */
    static int writeThreads() {
        return Integer.getInteger("j8s.oci.writeThreads",
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
    }

    /** How gzip layers are inflated. */
    enum Gzip {
        /** In process by ISA-L's {@code libisal.so.2} through FFM ({@link IsalGunzip}). */
        ISAL_LIBRARY,
        /** By ISA-L's {@code igzip} tool in a child process ({@link ExternalGunzip}). */
        IGZIP_TOOL,
        /** In process by {@code java.util.zip} (zlib). */
        JAVA_ZIP;

        /**
         * The fastest one that works here: the library if it loaded and passed its self-test, else the tool, else
         * java.util.zip. The system property {@code j8s.oci.gzip} ({@code isal-library}, {@code igzip} or
         * {@code java}) overrides the choice where that one is usable (an operator's escape hatch, and the A/B
         * switch of the pull benchmark).
         */
        static Gzip detect() {
            String forced = System.getProperty("j8s.oci.gzip", "");
            boolean library = IsalGunzip.usable();
            boolean tool = ExternalGunzip.detect().isPresent();
            return switch (forced) {
                case "java" -> JAVA_ZIP;
                case "igzip" -> tool ? IGZIP_TOOL : JAVA_ZIP;
                default -> library ? ISAL_LIBRARY : tool ? IGZIP_TOOL : JAVA_ZIP;
            };
        }
    }

    private final UnpackLimits limits;
    private final Gzip gzip;
    private final int writeThreads;

    /**
     * An extractor with these limits; gzip layers are inflated in process by ISA-L ({@code libisal.so.2}, Debian
     * package {@code libisal2}) when it loads and passes a self-test, else by its {@code igzip} tool when installed
     * (both about 2.5 to 3 times faster than {@code java.util.zip}), else by {@code java.util.zip}.
     */
    public LayerExtractor(UnpackLimits limits) {
        this(limits, Gzip.detect());
    }

    /** As {@link #LayerExtractor(UnpackLimits)} with the {@code igzip} tool if given, else {@code java.util.zip}. */
    LayerExtractor(UnpackLimits limits, Optional<Path> gunzip) {
        this(limits, gunzip.isPresent() ? Gzip.IGZIP_TOOL : Gzip.JAVA_ZIP);
    }

    /** As {@link #LayerExtractor(UnpackLimits)} with an explicit gzip inflater. */
    LayerExtractor(UnpackLimits limits, Gzip gzip) {
        this(limits, gzip, writeThreads());
    }

    /** As {@link #LayerExtractor(UnpackLimits, Gzip)} with {@code writeThreads} file writers per layer (0: none). */
    LayerExtractor(UnpackLimits limits, Gzip gzip, int writeThreads) {
        this.limits = limits;
        this.gzip = gzip;
        this.writeThreads = writeThreads;
    }

    /** The gzip inflater in use. */
    Gzip gzip() {
        return gzip;
    }

    /**
     * Decompresses and unpacks {@code compressed} into {@code dest} (an existing, empty directory) and reads the
     * uncompressed stream to its end so the returned diff ID covers all of it. Does not close {@code compressed};
     * on failure {@code dest} holds a partial tree that the caller must discard.
     *
     * @param layer the layer's name for messages, e.g. its digest
     */
    public LayerStats extract(String layer, InputStream compressed, LayerCompression compression, Path dest) {
        Counting raw = new Counting(new NonClosing(compressed));
        try {
            checkFreeSpace(layer, dest);
            Run run = new Run(layer, dest.toRealPath());
            MessageDigest diff = sha256();
            // The in-process inflate stage also hashes what it inflates (the diff ID), so the unpacking thread,
            // the busiest of the three, only parses and writes. Every stage is a platform thread: the reader blocks
            // on the download, and a virtual one would wait for a carrier behind the layers' native calls.
            boolean hashedByStage = compression == LayerCompression.GZIP && gzip == Gzip.ISAL_LIBRARY;
            InputStream decompressed = switch (compression) {
                case NONE -> raw;
                case GZIP -> switch (gzip) {
                    case ISAL_LIBRARY -> new ReadAheadStream(Thread.ofPlatform().daemon().name("isal-inflate"),
                            IsalGunzip.OUT_SIZE, 4, () -> new IsalGunzip(new ReadAheadStream(
                                    Thread.ofPlatform().daemon().name("layer-read"), INPUT_BUFFER, 4,
                                    () -> ReadAheadStream.reading(raw))).hashedBy(diff));
                    case IGZIP_TOOL -> ExternalGunzip.start(ExternalGunzip.IGZIP, raw);
                    case JAVA_ZIP -> new GZIPInputStream(raw, INPUT_BUFFER);
                };
                case ZSTD -> new ZstdInputStreamNoFinalizer(raw);
            };
            Bounded tarStream = new Bounded(layer, hashedByStage ? decompressed : new Digesting(decompressed, diff), raw);
            run.tap = new PaxXattrTap(tarStream);
            try (run; TarArchiveInputStream tar = new TarArchiveInputStream(run.tap, 10240, 512, "UTF-8", false)) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    if (++run.entries > limits.maxEntries()) {
                        throw new LayerException("layer " + layer + ": more than " + limits.maxEntries() + " entries");
                    }
                    run.apply(entry, tar);
                    if (tarStream.count >= run.nextFreeSpaceCheck) {
                        checkFreeSpace(layer, dest);
                        run.nextFreeSpaceCheck = tarStream.count + FREE_SPACE_CHECK_EVERY;
                    }
                }
                // Hash the rest of the uncompressed stream (padding) so the diff ID is complete; bounded by limits.
                while (tarStream.read(run.heap, 0, run.heap.length) >= 0) {
                    // discard
                }
                if (run.writers != null) {
                    run.writers.finish(); // every file written and closed before the directories get their times
                }
            }
            run.finishDirectories();
            Digest diffId = new Digest("sha256", HexFormat.of().formatHex(diff.digest()));
            return new LayerStats(diffId, raw.count, tarStream.count, run.entries);
        } catch (IOException e) {
            throw new LayerException("layer " + layer + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new LayerException("layer " + layer + ": " + e.getCause().getMessage(), e);
        }
    }

    /**
     * Makes everything written on the file system holding {@code dir} durable, with one {@code syncfs(2)}: cheaper
     * than an {@code fsync} per unpacked file, since the layer's files are written back together. Call it before
     * renaming an unpacked layer into place, so that a power loss cannot leave a complete-looking layer with
     * truncated files.
     *
     * @throws UncheckedIOException when the file system reports a write-back error
     */
    public static void syncFileSystem(Path dir) {
        try {
            Native.syncfs(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void checkFreeSpace(String layer, Path dest) throws IOException {
        long free = Files.getFileStore(dest).getUsableSpace();
        if (free < limits.minFreeBytes()) {
            throw new LayerException("layer " + layer + ": only " + free + " bytes free on the image file system, need "
                    + limits.minFreeBytes());
        }
    }

    /** State of one extraction; on the calling thread only. */
    private final class Run implements AutoCloseable {
        final String layer;
        final Path root;
        final List<Map.Entry<Path, FileTime>> dirTimes = new ArrayList<>();
        final byte[] heap = new byte[COPY_BUFFER];
        final ByteBuffer direct = ByteBuffer.allocateDirect(COPY_BUFFER);
        final Native.Writer writer = new Native.Writer(COPY_BUFFER);
        /**
         * Directories (relative paths) this run created or found to be real directories: no other writer touches the
         * fresh destination, and every replacement or removal goes through {@link #remove}, which forgets the removed
         * path and everything below it, so a known directory needs no {@code lstat} on the next entry's walk.
         */
        final java.util.Set<String> knownDirs = new java.util.HashSet<>();
        /** Writes files' content and metadata on other threads; null to write them here. */
        final FileWriters writers;
        long entries;
        long nextFreeSpaceCheck = FREE_SPACE_CHECK_EVERY;
        PaxXattrTap tap;

        Run(String layer, Path root) {
            this.layer = layer;
            this.root = root;
            this.writers = writeThreads > 0 ? new FileWriters(writeThreads, COPY_BUFFER, 16, 64) : null;
        }

        @Override
        public void close() {
            if (writers != null) {
                writers.close();
            }
            writer.close();
        }

        /** Removes what is at {@code target} (a whole tree for a directory) and forgets the directories it held. */
        void remove(Path target) throws IOException {
            String rel = root.relativize(target).toString();
            knownDirs.removeIf(d -> d.equals(rel) || d.startsWith(rel) && d.charAt(rel.length()) == '/');
            removeExisting(target);
        }

        LayerException refuse(TarArchiveEntry e, String why) {
            return new LayerException("layer " + layer + ": entry " + quote(e.getName()) + ": " + why);
        }

        void apply(TarArchiveEntry e, InputStream data) throws IOException {
            if (e.isGlobalPaxHeader() || e.isPaxHeader()) {
                return;
            }
            List<String> parts = clean(e, e.getName());
            if (parts.isEmpty()) {
                return; // the root itself ("./"): nothing to create
            }
            String base = parts.getLast();
            List<String> parentParts = parts.subList(0, parts.size() - 1);

            if (base.equals(OPAQUE)) {
                Path dir = parent(e, parentParts);
                Native.lsetxattr(dir, OVERLAY_OPAQUE_XATTR, "y".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            if (base.startsWith(WHITEOUT)) {
                String hidden = base.substring(WHITEOUT.length());
                if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..") || hidden.contains("/")) {
                    throw refuse(e, "invalid whiteout entry");
                }
                Path target = parent(e, parentParts).resolve(hidden);
                remove(target);
                Native.mknod(target, Native.S_IFCHR, 0, 0);
                owner(target, e);
                return;
            }

            Path parent = parent(e, parentParts);
            Path target = parent.resolve(base);
            if (e.isFile() && !e.isDirectory() && !e.isSymbolicLink() && !e.isLink() && !e.isCharacterDevice()
                    && !e.isBlockDevice() && !e.isFIFO() && !e.isStarSparse() && !e.isGNUSparse()) {
                writeFile(e, target, data);
                return;
            }
            // A directory or symlink is created first and whatever holds the name looked at only when the creation
            // says it exists: a new name, the usual case in a fresh layer directory, costs no lstat. The rarer kinds
            // below remove whatever holds the name first.
            if (!e.isDirectory() && !e.isSymbolicLink() && lstat(target) != null) {
                remove(target);
            }
            if (e.isDirectory()) {
                String rel = String.join("/", parts);
                if (!knownDirs.contains(rel) && !createdDirectory(target)) {
                    BasicFileAttributes existing = lstat(target);
                    if (existing == null || !existing.isDirectory()) {
                        remove(target);
                        Files.createDirectory(target);
                    }
                }
                knownDirs.add(rel);
            } else if (e.isSymbolicLink()) {
                String link = e.getLinkName();
                checkLinkText(e, link);
                try {
                    Files.createSymbolicLink(target, Path.of(link)); // verbatim: data, resolved in the container
                } catch (FileAlreadyExistsException exists) {
                    remove(target);
                    Files.createSymbolicLink(target, Path.of(link));
                }
            } else if (e.isLink()) {
                String link = e.getLinkName();
                checkLinkText(e, link);
                List<String> linkParts = cleanOrRefuse(e, link.replaceFirst("^/+", ""),
                        "hardlink target " + quote(link) + " points outside the layer");
                if (linkParts.isEmpty()) {
                    throw refuse(e, "hardlink to the layer root");
                }
                Path linkParent = walk(e, linkParts.subList(0, linkParts.size() - 1), false);
                Path source = linkParent.resolve(linkParts.getLast());
                BasicFileAttributes sa = lstat(source);
                if (sa == null) {
                    throw refuse(e, "hardlink target " + quote(link) + " does not exist in this layer");
                }
                if (sa.isDirectory()) {
                    throw refuse(e, "hardlink to a directory");
                }
                Files.createLink(target, source); // link(2): links a symlink itself, never its target
                return; // a hardlink shares the target's metadata
            } else if (e.isCharacterDevice() || e.isBlockDevice()) {
                throw refuse(e, "device nodes are not allowed in image layers");
            } else if (e.isFIFO()) {
                Native.mknod(target, Native.S_IFIFO | 0600, 0, 0);
            } else if (e.isStarSparse() && !e.isGNUSparse()) {
                throw refuse(e, "star sparse files are not supported (GNU sparse formats are)");
            } else if (e.isGNUSparse()) {
                try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS)) {
                    copySparse(e, data, out);
                }
                Native.truncate(target, e.getRealSize()); // the final hole, if any
            } else {
                throw refuse(e, "unsupported tar entry type");
            }
            owner(target, e);
            if (!e.isSymbolicLink()) {
                Native.chmod(target, e.getMode() & 07777);
            }
            xattrs(e, (name, value) -> Native.lsetxattr(target, name, value));
            FileTime mtime = e.getLastModifiedTime();
            if (e.isDirectory()) {
                dirTimes.add(Map.entry(target, mtime));
            } else {
                setTimes(target, mtime);
            }
        }

        /**
         * A regular file: created with {@code O_EXCL|O_NOFOLLOW} (whatever was at the name is removed first, which
         * the creation's {@code EEXIST} tells, so a new name costs no {@code lstat}), its content streamed in
         * {@link #COPY_BUFFER} pieces, then owner, mode, xattrs and times set on the descriptor.
         */
        void writeFile(TarArchiveEntry e, Path target, InputStream data) throws IOException {
            long uid = e.getLongUserId();
            long gid = e.getLongGroupId();
            if (uid < 0 || uid > 0xfffffffeL || gid < 0 || gid > 0xfffffffeL) {
                throw refuse(e, "uid/gid out of range");
            }
            int fd = writer.create(target);
            if (fd < 0) {
                remove(target);
                fd = writer.create(target);
                if (fd < 0) {
                    throw new IOException("create " + target + ": exists after its removal");
                }
            }
            if (writers != null) {
                handOver(e, target, fd, data, (int) uid, (int) gid);
                return;
            }
            boolean closed = false;
            try {
                int n;
                while ((n = data.readNBytes(heap, 0, heap.length)) > 0) {
                    writer.write(fd, heap, 0, n, target);
                    if (n < heap.length) {
                        break; // readNBytes returns short only at the end of the entry
                    }
                }
                writer.owner(fd, (int) uid, (int) gid, e.getMode() & 07777, target);
                int file = fd;
                xattrs(e, (name, value) -> writer.setxattr(file, name, value, target));
                writer.times(fd, e.getLastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), target);
                closed = true;
                writer.close(fd, target);
            } finally {
                if (!closed) {
                    try {
                        writer.close(fd, target);
                    } catch (IOException ignored) {
                        // the first failure is the one reported
                    }
                }
            }
        }

        /** Streams the file's content to {@link #writers}, which write it and set its metadata on {@code fd}. */
        void handOver(TarArchiveEntry e, Path target, int fd, InputStream data, int uid, int gid) throws IOException {
            FileWriters.File file;
            try {
                file = writers.start(target, fd);
            } catch (IOException | RuntimeException ex) {
                try {
                    writer.close(fd, target);
                } catch (IOException ignored) {
                    // the first failure is the one reported
                }
                throw ex;
            }
            int n;
            do {
                byte[] buffer = writers.buffer();
                n = data.readNBytes(buffer, 0, buffer.length);
                if (n > 0) {
                    writers.add(file, buffer, n);
                } else {
                    writers.recycle(buffer);
                }
            } while (n == writers.chunkSize()); // readNBytes returns short only at the end of the entry
            List<FileWriters.Xattr> xattrs = new ArrayList<>(0);
            xattrs(e, (name, value) -> xattrs.add(new FileWriters.Xattr(name, value)));
            writers.end(file, new FileWriters.Meta(uid, gid, e.getMode() & 07777, xattrs,
                    e.getLastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS)));
        }

        /**
         * Writes only the data regions of a sparse entry, each at its offset, and skips the holes in between (the
         * tar stream returns them as zeros, which are not read: its skip is free for holes), so the file keeps
         * its holes on disk.
         */
        void copySparse(TarArchiveEntry e, InputStream data, FileChannel out) throws IOException {
            List<TarArchiveStructSparse> regions = e.getOrderedSparseHeaders();
            // The regions' data must lie within the entry (after the map, for PAX 1.0, which takes at least one
            // record); Commons Compress 1.28 would read past the entry into the next headers.
            long stored = 0;
            for (TarArchiveStructSparse region : regions) {
                stored += region.getNumbytes();
            }
            if (stored + (e.isPaxGNU1XSparse() ? 512 : 0) > e.getSize()) {
                throw refuse(e, "sparse map claims " + stored + " bytes of data but the entry stores " + e.getSize());
            }
            long position = 0;
            for (TarArchiveStructSparse region : regions) {
                long hole = region.getOffset() - position;
                if (hole > 0 && data.skip(hole) != hole) {
                    throw refuse(e, "sparse map does not match the data");
                }
                position = region.getOffset();
                long left = region.getNumbytes();
                while (left > 0) {
                    int n = data.readNBytes(heap, 0, (int) Math.min(heap.length, left));
                    if (n == 0) {
                        throw refuse(e, "sparse data ends early");
                    }
                    direct.clear().put(heap, 0, n).flip();
                    while (direct.hasRemaining()) {
                        position += out.write(direct, position);
                    }
                    left -= n;
                }
            }
        }

        /** Resolves and creates (as 0755 directories) the parent components, refusing any symlink on the way. */
        Path parent(TarArchiveEntry e, List<String> parts) throws IOException {
            return walk(e, parts, true);
        }

        Path walk(TarArchiveEntry e, List<String> parts, boolean create) throws IOException {
            Path p = root;
            StringBuilder rel = new StringBuilder();
            for (String part : parts) {
                p = p.resolve(part);
                if (!rel.isEmpty()) {
                    rel.append('/');
                }
                rel.append(part);
                String key = rel.toString();
                if (knownDirs.contains(key)) {
                    continue;
                }
                BasicFileAttributes a = lstat(p);
                if (a == null) {
                    if (!create) {
                        throw refuse(e, "link target parent " + quote(root.relativize(p).toString()) + " does not exist");
                    }
                    Files.createDirectory(p);
                } else if (a.isSymbolicLink()) {
                    throw refuse(e, "path goes through symlink " + quote(root.relativize(p).toString()));
                } else if (!a.isDirectory()) {
                    throw refuse(e, "path goes through non-directory " + quote(root.relativize(p).toString()));
                }
                knownDirs.add(key);
            }
            return p;
        }

        void checkLinkText(TarArchiveEntry e, String link) {
            if (link.isEmpty() || link.indexOf('\0') >= 0) {
                throw refuse(e, "empty link target");
            }
            if (link.getBytes(StandardCharsets.UTF_8).length > limits.maxPathBytes()) {
                throw refuse(e, "link target longer than " + limits.maxPathBytes() + " bytes");
            }
        }

        List<String> clean(TarArchiveEntry e, String name) {
            if (name.isEmpty()) {
                throw refuse(e, "empty name");
            }
            if (name.indexOf('\0') >= 0) {
                throw refuse(e, "name contains NUL");
            }
            if (name.getBytes(StandardCharsets.UTF_8).length > limits.maxPathBytes()) {
                throw refuse(e, "name longer than " + limits.maxPathBytes() + " bytes");
            }
            if (name.startsWith("/")) {
                throw refuse(e, "absolute path");
            }
            return cleanOrRefuse(e, name, "path escapes the layer root");
        }

        List<String> cleanOrRefuse(TarArchiveEntry e, String name, String why) {
            Deque<String> stack = new ArrayDeque<>();
            for (String part : name.split("/")) {
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                if (part.equals("..")) {
                    if (stack.isEmpty()) {
                        throw refuse(e, why);
                    }
                    stack.removeLast();
                    continue;
                }
                if (part.getBytes(StandardCharsets.UTF_8).length > 255) {
                    throw refuse(e, "name component longer than 255 bytes");
                }
                stack.addLast(part);
            }
            return new ArrayList<>(stack);
        }

        void owner(Path p, TarArchiveEntry e) throws IOException {
            long uid = e.getLongUserId();
            long gid = e.getLongGroupId();
            if (uid < 0 || uid > 0xfffffffeL || gid < 0 || gid > 0xfffffffeL) {
                throw refuse(e, "uid/gid out of range");
            }
            // chown before chmod: chown clears setuid/setgid bits.
            Native.lchown(p, (int) uid, (int) gid);
        }

        /**
         * Applies {@code user.*} xattrs and, on regular files, {@code security.capability} (file capabilities, as
         * containerd and moby apply them when unpacking as root); never {@code trusted.*} (overlay redirects and
         * opaque markers steer the overlay), other {@code security.*} or {@code system.*}. Names longer than
         * {@value #MAX_XATTR_NAME} bytes and values longer than {@value #MAX_XATTR_VALUE} bytes are not applied.
         */
        void xattrs(TarArchiveEntry e, XattrSetter set) throws IOException {
            for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
                String key = h.getKey();
                if (!key.startsWith("SCHILY.xattr.")) {
                    continue;
                }
                String name = key.substring("SCHILY.xattr.".length());
                boolean user = name.startsWith("user.");
                boolean capability = name.equals(CAPABILITY_XATTR);
                if ((!user && !capability) || name.getBytes(StandardCharsets.UTF_8).length > MAX_XATTR_NAME) {
                    skipped(e, name, "not an applied namespace or name too long");
                    continue;
                }
                if (user) {
                    if (e.isSymbolicLink()) {
                        continue; // user.* xattrs are not permitted on symlinks
                    }
                    byte[] value = h.getValue().getBytes(StandardCharsets.UTF_8);
                    if (value.length > MAX_XATTR_VALUE) {
                        skipped(e, name, "value too long");
                        continue;
                    }
                    set.apply(name, value);
                    continue;
                }
                if (!e.isFile()) {
                    skipped(e, name, "file capabilities apply to regular files only");
                    continue;
                }
                // Commons Compress decodes PAX values as UTF-8, which loses binary bytes: take the raw value the tap
                // saw for this entry, provided it decodes to the very string Commons Compress reported.
                byte[] raw = tap.xattrs().get(name);
                if (raw == null || !new String(raw, StandardCharsets.UTF_8).equals(h.getValue())) {
                    skipped(e, name, "raw value not recovered from the PAX header");
                    continue;
                }
                set.apply(name, FileCapability.forHost(raw).orElseThrow(
                        () -> refuse(e, "invalid " + CAPABILITY_XATTR + " xattr (" + raw.length + " bytes)")));
            }
        }

        void skipped(TarArchiveEntry e, String name, String why) {
            LOG.log(System.Logger.Level.DEBUG, "xattr not applied layer={0} entry={1} xattr={2} reason={3}",
                    layer, e.getName(), name, why);
        }

        void finishDirectories() throws IOException {
            for (int i = dirTimes.size() - 1; i >= 0; i--) {
                setTimes(dirTimes.get(i).getKey(), dirTimes.get(i).getValue());
            }
        }
    }

    /** Sets one xattr on the entry just created (by path or on its descriptor). */
    @FunctionalInterface
    private interface XattrSetter {
        void apply(String name, byte[] value) throws IOException;
    }

    private static void setTimes(Path p, FileTime t) throws IOException {
        Native.lutimes(p, t.to(java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    /** {@code mkdir(2)}: true when it made the directory, false when the name exists (as anything). */
    private static boolean createdDirectory(Path p) throws IOException {
        try {
            Files.createDirectory(p);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    private static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Removes a file, link or whole directory tree inside the layer, never following symlinks. */
    static void removeExisting(Path target) throws IOException {
        BasicFileAttributes a = lstat(target);
        if (a == null) {
            return;
        }
        if (!a.isDirectory()) {
            Files.delete(target);
            return;
        }
        Files.walkFileTree(target, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                try {
                    Files.delete(dir);
                } catch (DirectoryNotEmptyException ex) {
                    throw new IOException("cannot remove " + dir, ex);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static MessageDigest sha256() {
        return Digest.newSha256();
    }

    static String quote(String s) {
        String shown = s.length() > 300 ? s.substring(0, 300) + "…" : s;
        return "\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Counts bytes read. */
    private static final class Counting extends FilterInputStream {
        volatile long count; // written by an external inflater's feeder thread, read by the ratio check

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** Ignores close so the caller keeps control of its stream (it must still drain and verify it). */
    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {}
    }

    /** Hashes what is read through it. */
    private static final class Digesting extends FilterInputStream {
        final MessageDigest md;

        Digesting(InputStream in, MessageDigest md) {
            super(in);
            this.md = md;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                md.update(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 64 * 1024)];
            int r = read(buf, 0, buf.length);
            return Math.max(r, 0);
        }
    }

    /** The uncompressed stream (hashed for the diff ID below it): bounded in size and expansion ratio. */
    private final class Bounded extends FilterInputStream {
        final String layer;
        final Counting raw;
        long count;

        Bounded(String layer, InputStream in, Counting raw) {
            super(in);
            this.layer = layer;
            this.raw = raw;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
                if (count > limits.maxUncompressedBytes()) {
                    throw new LayerException("layer " + layer + ": uncompressed size exceeds the limit of "
                            + limits.maxUncompressedBytes() + " bytes");
                }
                if (count > RATIO_GRACE_BYTES && count / Math.max(1, raw.count) > limits.maxRatio()) {
                    throw new LayerException("layer " + layer + ": expands more than " + limits.maxRatio()
                            + " times (" + raw.count + " compressed bytes gave " + count + "); refusing a decompression bomb");
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(n, 64 * 1024)];
            int r = read(buf, 0, buf.length);
            return Math.max(r, 0);
        }
    }
}
