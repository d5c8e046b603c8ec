package dev.j8s.oci.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.oci.reference.Digest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * An OCI image layout of odd-but-legal layers, written by GNU tar (the tool that makes the formats real: GNU long
 * names, PAX records, GNU and PAX sparse maps) over a busybox base, for the tests that prove j8s accepts what other
 * runtimes accept. Tag {@value #ODD}: base, then a GNU-format layer, then a PAX-format layer that deletes, hides and
 * replaces parts of the one below; tag {@value #HOSTILE}: base, then a layer that writes through a climbing symlink,
 * which must still be refused. Every file name and content is a constant here, so tests state what a container sees.
 * Immutable once built.
 */
public final class OddLayers {
    public static final String ODD = "odd";
    public static final String HOSTILE = "hostile";
    /** Applets linked to {@code /bin/busybox} in the base layer. */
    public static final List<String> APPLETS = List.of("sh", "ls", "stat", "readlink", "cat", "find", "du", "wc",
            "test", "echo", "sleep", "md5sum", "head", "tail", "tr", "printf", "sed", "cut", "grep", "pwd");
    /** A relative symlink whose target climbs above {@code /} (the example, from an image with flattened paths). */
    public static final String CLIMBING_LINK = "lib/libatk-wrapper.so";
    public static final String CLIMBING_TARGET = "../../../x86_64-linux-gnu/jni/libatk-wrapper.so";
    /** A 220-byte name in the GNU layer (a GNU long-name record) and 240-byte names in the PAX layer. */
    public static final String GNU_LONG_NAME = "long/" + "g".repeat(220);
    public static final String PAX_LONG_NAME = "pax/" + "p".repeat(240) + "/" + "q".repeat(240) + "/file";
    /** Sparse files: 8 MiB apparent size, data only at offset 0 and at 4 MiB. */
    public static final long SPARSE_SIZE = 8L << 20;
    public static final long SPARSE_SECOND_OFFSET = 4L << 20;
    /** The hostile layer's entries: a symlink climbing out, then a file through it. */
    public static final String HOSTILE_LINK = "up";
    public static final String HOSTILE_ENTRY = "up/tmp/breakout-j8s";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final String MTIME = "--mtime=@1600000000";

    public final Path layout;
    private final Map<String, List<Digest>> layers = new LinkedHashMap<>();

    private OddLayers(Path layout) {
        this.layout = layout;
    }

    /** Whether GNU tar and a busybox binary are here. */
    public static boolean available() {
        return Files.isExecutable(Path.of("/bin/tar")) && Files.isExecutable(BUSYBOX);
    }

    /** Builds the layout under {@code dir} (staging trees, tars and {@code layout/}). */
    public static OddLayers build(Path dir) {
        try {
            OddLayers odd = new OddLayers(Files.createDirectories(dir.resolve("layout")));
            Files.createDirectories(odd.layout.resolve("blobs/sha256"));
            Files.writeString(odd.layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            Layer base = odd.base(dir);
            Layer gnu = odd.gnuLayer(dir);
            Layer pax = odd.paxLayer(dir);
            Layer hostile = odd.hostileLayer(dir);
            ArrayNode index = JSON.createArrayNode();
            index.add(odd.image(ODD, List.of(base, gnu, pax)));
            index.add(odd.image(HOSTILE, List.of(base, hostile)));
            ObjectNode top = JSON.createObjectNode();
            top.put("schemaVersion", 2);
            top.set("manifests", index);
            Files.write(odd.layout.resolve("index.json"), JSON.writeValueAsBytes(top));
            return odd;
        } catch (IOException e) {
            throw new UncheckedIOException("build the odd-layers image layout in " + dir, e);
        }
    }

    /** The compressed digests of a tag's layers, base first. */
    public List<Digest> layers(String tag) {
        return layers.get(tag);
    }

    /** The MD5 (hex) of the sparse files' content, as {@code md5sum} in a container prints it. */
    public static String sparseMd5() {
        try {
            java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
            byte[] zeros = new byte[1 << 16];
            byte[] head = "sparse-head\n".getBytes(StandardCharsets.UTF_8);
            byte[] middle = "sparse-middle\n".getBytes(StandardCharsets.UTF_8);
            md5.update(head);
            long written = head.length;
            while (written < SPARSE_SECOND_OFFSET) {
                int n = (int) Math.min(zeros.length, SPARSE_SECOND_OFFSET - written);
                md5.update(zeros, 0, n);
                written += n;
            }
            md5.update(middle);
            written += middle.length;
            while (written < SPARSE_SIZE) {
                int n = (int) Math.min(zeros.length, SPARSE_SIZE - written);
                md5.update(zeros, 0, n);
                written += n;
            }
            return java.util.HexFormat.of().formatHex(md5.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------------------------ layers

    private record Layer(Digest digest, Digest diffId, long size) {}

    /** The numeric owner a path of a staging tree is archived with. */
    private record Owner(int uid, int gid) {}

    private Layer base(Path dir) throws IOException {
        Path s = Files.createDirectories(dir.resolve("stage-base"));
        Path bin = Files.createDirectories(s.resolve("bin"));
        Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : APPLETS) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        return tar(dir, s, "base", List.of("--format=gnu"), Map.of());
    }

    /** GNU format: long names, old GNU sparse, and the entries the PAX layer later deletes, hides and replaces. */
    private Layer gnuLayer(Path dir) throws IOException {
        Path s = Files.createDirectories(dir.resolve("stage-gnu"));
        write(s, "x86_64-linux-gnu/jni/libatk-wrapper.so", "atk-wrapper\n");
        link(s, CLIMBING_LINK, CLIMBING_TARGET);
        write(s, "etc/motd", "motd\n");
        link(s, "etc/motd-link", "/etc/motd");
        write(s, "etc/motd-to-delete", "doomed\n");
        link(s, "dangling", "/does/not/exist");
        write(s, "data/hard-a", "one inode, two names\n");
        Files.createLink(s.resolve("data/hard-b"), s.resolve("data/hard-a"));
        write(s, GNU_LONG_NAME, "gnu long name\n");
        write(s, "bin/suid", "setuid\n");
        Files.setAttribute(s.resolve("bin/suid"), "unix:mode", 04755);
        write(s, "bin/sgid", "setgid\n");
        Files.setAttribute(s.resolve("bin/sgid"), "unix:mode", 02755);
        Files.createDirectories(s.resolve("run"));
        Tools.run(s, "mkfifo", "-m", "0640", "run/pipe");
        write(s, "home/user/file", "owned by 1234:5678\n");
        Files.setAttribute(s.resolve("home/user"), "unix:mode", 0700);
        Files.setAttribute(s.resolve("home/user/file"), "unix:mode", 0640);
        sparse(s.resolve("var/sparse.img"));
        write(s, "gone-dir/a", "a\n");
        write(s, "gone-dir/sub/b", "b\n");
        write(s, "opaque/old-file", "hidden by the opaque marker above\n");
        write(s, "swap-dir/inner", "a directory that becomes a file\n");
        write(s, "swap-file", "a file that becomes a directory\n");
        return tar(dir, s, "gnu", List.of("--format=gnu", "--sparse"), Map.of(
                "home/user", new Owner(1234, 5678), "home/user/file", new Owner(1234, 5678),
                "bin/sgid", new Owner(0, 42)));
    }

    /** PAX format: long names, PAX 1.0 sparse, whiteouts of a file and a directory, an opaque directory, swaps. */
    private Layer paxLayer(Path dir) throws IOException {
        Path s = Files.createDirectories(dir.resolve("stage-pax"));
        write(s, PAX_LONG_NAME, "pax long name\n");
        sparse(s.resolve("var/pax-sparse.img"));
        write(s, "etc/.wh.motd-to-delete", "");
        write(s, ".wh.gone-dir", "");
        write(s, "opaque/.wh..wh..opq", "");
        write(s, "opaque/new-file", "the only file left\n");
        write(s, "swap-dir", "now a file\n");
        write(s, "swap-file/inside", "now a directory\n");
        return tar(dir, s, "pax", List.of("--format=posix", "--sparse", "--sparse-version=1.0",
                "--pax-option=delete=atime,delete=ctime"), Map.of());
    }

    /** A symlink climbing out of the root, then a file whose path goes through it (renamed in by --transform). */
    private Layer hostileLayer(Path dir) throws IOException {
        Path s = Files.createDirectories(dir.resolve("stage-hostile"));
        link(s, HOSTILE_LINK, "../../..");
        write(s, "zz-payload", "must never be written\n"); // sorts after the link
        return tar(dir, s, "hostile", List.of("--format=posix", "--transform=s,^zz-payload$," + HOSTILE_ENTRY + ","),
                Map.of());
    }

    /**
     * GNU tar over every path of the staging tree, sorted, owned by root unless {@code owners} says otherwise (those
     * are appended with their own owner); then gzip into a blob.
     */
    private Layer tar(Path dir, Path staging, String name, List<String> format, Map<String, Owner> owners)
            throws IOException {
        List<String> all;
        try (Stream<Path> walk = Files.walk(staging)) {
            all = walk.filter(p -> !p.equals(staging)).map(p -> staging.relativize(p).toString()).sorted().toList();
        }
        Map<Owner, List<String>> byOwner = new LinkedHashMap<>();
        byOwner.put(new Owner(0, 0), new ArrayList<>());
        for (String path : all) {
            byOwner.computeIfAbsent(owners.getOrDefault(path, new Owner(0, 0)), o -> new ArrayList<>()).add(path);
        }
        Path tar = dir.resolve(name + ".tar");
        boolean first = true;
        for (Map.Entry<Owner, List<String>> group : byOwner.entrySet()) {
            Path list = dir.resolve(name + "-" + group.getKey().uid() + "-" + group.getKey().gid() + ".list");
            Files.write(list, group.getValue());
            List<String> cmd = new ArrayList<>(List.of("/bin/tar", "-C", staging.toString()));
            cmd.addAll(format);
            cmd.addAll(List.of("--numeric-owner", "--owner=" + group.getKey().uid(), "--group=" + group.getKey().gid(),
                    MTIME, "--no-recursion", first ? "-cf" : "-rf", tar.toString(), "-T", list.toString()));
            Tools.run(dir, cmd.toArray(String[]::new));
            first = false;
        }
        byte[] raw = Files.readAllBytes(tar);
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(raw);
        }
        byte[] blob = gz.toByteArray();
        Digest digest = Digest.sha256(blob);
        Files.write(layout.resolve("blobs/sha256").resolve(digest.hex()), blob);
        return new Layer(digest, Digest.sha256(raw), blob.length);
    }

    private ObjectNode image(String tag, List<Layer> parts) throws IOException {
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "amd64");
        config.put("os", "linux");
        ObjectNode c = config.putObject("config");
        c.putArray("Env").add("PATH=/bin");
        c.putArray("Cmd").add("sh");
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        parts.forEach(l -> diffIds.add(l.diffId().toString()));
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.set("config", descriptor("application/vnd.oci.image.config.v1+json", blob(JSON.writeValueAsBytes(config))));
        ArrayNode ls = manifest.putArray("layers");
        for (Layer l : parts) {
            ls.add(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", l));
        }
        layers.put(tag, parts.stream().map(Layer::digest).toList());
        ObjectNode entry = descriptor("application/vnd.oci.image.manifest.v1+json", blob(JSON.writeValueAsBytes(manifest)));
        entry.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
        return entry;
    }

    private Layer blob(byte[] bytes) throws IOException {
        Digest d = Digest.sha256(bytes);
        Files.write(layout.resolve("blobs/sha256").resolve(d.hex()), bytes);
        return new Layer(d, d, bytes.length);
    }

    private static ObjectNode descriptor(String mediaType, Layer blob) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", blob.digest().toString());
        d.put("size", blob.size());
        return d;
    }

    // ------------------------------------------------------------------------------------------ staging

    private static void write(Path staging, String path, String content) throws IOException {
        Path file = staging.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static void link(Path staging, String path, String target) throws IOException {
        Path link = staging.resolve(path);
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, Path.of(target));
    }

    private static void sparse(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write("sparse-head\n".getBytes(StandardCharsets.UTF_8));
            f.seek(SPARSE_SECOND_OFFSET);
            f.write("sparse-middle\n".getBytes(StandardCharsets.UTF_8));
            f.setLength(SPARSE_SIZE);
        }
    }
}
