package dev.j8s.oci.layer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The escape oracle: a work dir with {@code root/} (the extraction target) and sentinels around it, snapshotted
 * before and after; anything outside {@code root/} that changed, appeared or vanished is an escape.
 */
final class SentinelTree {
    /** Host paths hostile cases aim at; none may exist after a run. */
    static final List<Path> HOST_TARGETS = List.of(Path.of("/etc/unbroken"), Path.of("/etc/emptied"),
            Path.of("/tmp/breakout-j8s"), Path.of("/victim"), Path.of("/pwned"), Path.of("/etc/passwd-j8s"));

    final Path work;
    final Path root;

    SentinelTree(Path work) throws IOException {
        this.work = work;
        this.root = Files.createDirectories(work.resolve("root"));
        Path victim = Files.createDirectories(work.resolve("victim"));
        Files.writeString(victim.resolve("hello"), "hello");
        Files.setAttribute(victim.resolve("hello"), "unix:mode", 0400);
        Path evil = Files.createDirectories(work.resolve("root-evil"));
        Files.writeString(evil.resolve("secret"), "secret");
        Files.writeString(work.resolve("sentinel"), "sentinel");
        Files.createSymbolicLink(work.resolve("link-to-victim"), victim);
    }

    Map<String, String> snapshot() {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(work)) {
            for (Path p : all.filter(p -> !p.startsWith(root) || p.equals(root)).toList()) {
                out.put(work.relativize(p).toString(), describe(p));
            }
            Path parent = work.getParent();
            try (Stream<Path> siblings = Files.list(parent)) {
                out.put("<parent>", String.join(",", siblings.map(s -> s.getFileName().toString()).sorted().toList()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path host : HOST_TARGETS) {
            out.put("host:" + host, String.valueOf(Files.exists(host, LinkOption.NOFOLLOW_LINKS)));
        }
        return out;
    }

    private static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,ino", LinkOption.NOFOLLOW_LINKS);
        String content = "";
        if (Files.isSymbolicLink(p)) {
            content = "->" + Files.readSymbolicLink(p);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            try {
                content = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        if (p.getFileName() != null && p.getFileName().toString().equals("root")) {
            a = Map.of("mode", a.get("mode"), "ino", a.get("ino"));
        }
        return a + content;
    }
}
