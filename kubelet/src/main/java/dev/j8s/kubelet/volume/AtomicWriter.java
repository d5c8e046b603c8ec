package dev.j8s.kubelet.volume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Upstream's atomic writer ({@code pkg/volume/util/atomic_writer.go}): a volume's files are written into a fresh
 * {@code ..<timestamp>} directory, {@code ..data} is switched to it by renaming a symlink over it (one atomic
 * step, so a reader sees the old set or the new one, never a mix), each top-level name is a link
 * {@code name -> ..data/name}, and the previous directory is removed. Writing the same payload again changes
 * nothing. Not thread-safe: one writer per volume directory.
 */
public final class AtomicWriter {

    static final String DATA = "..data";
    static final String DATA_TMP = "..data_tmp";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss")
            .withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One file of a payload: its bytes, mode (permission bits) and owner ({@code fsUser}, -1 to keep the
     * kubelet's).
     */
    public record FileProjection(byte[] data, int mode, long fsUser) {
        public FileProjection(byte[] data, int mode) {
            this(data, mode, -1);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FileProjection f && f.mode == mode && f.fsUser == fsUser && Arrays.equals(f.data, data);
        }

        @Override
        public int hashCode() {
            return (Arrays.hashCode(data) * 31 + mode) * 31 + Long.hashCode(fsUser);
        }

        @Override
        public String toString() {
            return "FileProjection[" + data.length + " bytes, mode " + Integer.toOctalString(mode)
                    + (fsUser >= 0 ? ", owner " + fsUser : "") + "]";
        }
    }

    private final Path dir;
    private final Clock clock;

    public AtomicWriter(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /**
     * Makes the directory hold exactly {@code payload} (relative path to file).
     *
     * @return whether anything changed
     * @throws VolumeException for a path upstream refuses ({@code invalid path: …})
     */
    public boolean write(Map<String, FileProjection> payload) {
        SortedMap<String, FileProjection> files = new TreeMap<>();
        payload.forEach((path, file) -> files.put(validate(path), file));
        try {
            Files.createDirectories(dir);
            Optional<String> old = currentDir();
            if (old.isPresent() && unchanged(dir.resolve(old.get()), files)) {
                return false;
            }
            String stamp = ".." + STAMP.format(clock.instant()) + "." + Math.abs(RANDOM.nextLong() % 10_000_000_000L);
            Path fresh = dir.resolve(stamp);
            Files.createDirectory(fresh);
            Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rwxr-xr-x"));
            for (var e : files.entrySet()) {
                Path file = fresh.resolve(e.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, e.getValue().data());
                Files.setPosixFilePermissions(file, permissions(e.getValue().mode()));
                if (e.getValue().fsUser() >= 0) {
                    Files.setAttribute(file, "unix:uid", (int) e.getValue().fsUser(), LinkOption.NOFOLLOW_LINKS);
                }
            }
            Set<String> top = new HashSet<>();
            files.keySet().forEach(p -> top.add(Path.of(p).getName(0).toString()));
            for (String name : top) {
                Path link = dir.resolve(name);
                if (!Files.isSymbolicLink(link)) {
                    Files.deleteIfExists(link);
                    Files.createSymbolicLink(link, Path.of(DATA, name));
                }
            }
            Path tmp = dir.resolve(DATA_TMP);
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, Path.of(stamp));
            Files.move(tmp, dir.resolve(DATA), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path p : entries.toList()) {
                    String name = p.getFileName().toString();
                    if (!name.startsWith("..") && !top.contains(name)) {
                        Files.deleteIfExists(p); // a user-visible link no longer in the payload
                    }
                }
            }
            if (old.isPresent()) {
                deleteTree(dir.resolve(old.get()));
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("write the files of volume " + dir, e);
        }
    }

    /** The timestamped directory {@code ..data} points to. */
    Optional<String> currentDir() throws IOException {
        Path data = dir.resolve(DATA);
        if (!Files.isSymbolicLink(data)) {
            return Optional.empty();
        }
        String target = Files.readSymbolicLink(data).toString();
        return target.startsWith("..") && !target.contains("/") ? Optional.of(target) : Optional.empty();
    }

    private static boolean unchanged(Path current, SortedMap<String, FileProjection> files) throws IOException {
        List<Path> existing;
        try (Stream<Path> walk = Files.walk(current)) {
            existing = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        if (existing.size() != files.size()) {
            return false;
        }
        for (var e : files.entrySet()) {
            Path file = current.resolve(e.getKey());
            // content only, as upstream: ownership (fsGroup) may have widened the modes since
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                    || !Arrays.equals(Files.readAllBytes(file), e.getValue().data())) {
                return false;
            }
        }
        return true;
    }

    /** Upstream {@code validatePath}: the path rules of a payload's files. */
    static String validate(String path) {
        if (path.isEmpty()) {
            throw new VolumeException("invalid path: must not be empty: \"" + path + "\"");
        }
        if (path.startsWith("/")) {
            throw new VolumeException("invalid path: must be relative path: " + path);
        }
        if (path.length() > 4096) {
            throw new VolumeException("invalid path: must be less than or equal to 4096 characters");
        }
        String[] items = path.split("/");
        for (String item : items) {
            if (item.length() > 255) {
                throw new VolumeException("invalid path: must not contain a file name longer than 255 characters: "
                        + path);
            }
            if (item.equals("..")) {
                throw new VolumeException("invalid path: must not contain '..': " + path);
            }
        }
        if (items[0].startsWith("..")) {
            throw new VolumeException("invalid path: must not start with '..': " + path);
        }
        return Path.of(path).normalize().toString();
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = new HashSet<>();
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
