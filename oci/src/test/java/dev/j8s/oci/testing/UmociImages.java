package dev.j8s.oci.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.oci.reference.Digest;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds an OCI image layout with umoci from the host's static busybox: tag {@code base} (amd64) with layers
 * {@code /bin/busybox} and {@code /etc/motd}, tag {@code arm} (same layers, arm64 config), and tag {@code multi},
 * an index of both with platforms.
 */
public final class UmociImages {
    public static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final ObjectMapper JSON = new ObjectMapper();

    public final Path layout;

    private UmociImages(Path layout) {
        this.layout = layout;
    }

    public static boolean available() {
        return Tools.available("umoci", "skopeo") && Files.isExecutable(BUSYBOX);
    }

    public static UmociImages build(Path dir) throws Exception {
        Path layout = dir.resolve("layout");
        Files.writeString(dir.resolve("motd"), "built by umoci\n");
        Tools.run(dir, "/usr/bin/umoci", "init", "--layout", layout.toString());
        Tools.run(dir, "/usr/bin/umoci", "new", "--image", layout + ":base");
        // umoci 0.4.7's `insert` writes a layer tar without padding and end-of-archive blocks, which strict
        // readers (ours, GNU tar) reject; unpack + repack writes proper tars, one layer per repack.
        Path bundle = dir.resolve("bundle");
        Tools.run(dir, "/usr/bin/umoci", "unpack", "--image", layout + ":base", bundle.toString());
        Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.copy(BUSYBOX, bundle.resolve("rootfs/bin/busybox"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Tools.run(dir, "/usr/bin/umoci", "repack", "--refresh-bundle", "--image", layout + ":base", bundle.toString());
        Files.createDirectories(bundle.resolve("rootfs/etc"));
        Files.copy(dir.resolve("motd"), bundle.resolve("rootfs/etc/motd"));
        Tools.run(dir, "/usr/bin/umoci", "repack", "--image", layout + ":base", bundle.toString());
        Tools.run(dir, "/usr/bin/umoci", "config", "--image", layout + ":base", "--config.env", "PATH=/bin",
                "--config.cmd", "/bin/busybox", "--config.cmd", "echo", "--architecture", "amd64", "--os", "linux");
        Tools.run(dir, "/usr/bin/umoci", "config", "--image", layout + ":base", "--tag", "arm", "--architecture", "arm64");
        UmociImages images = new UmociImages(layout);
        images.addIndex("multi", "base", "amd64", "arm", "arm64");
        return images;
    }

    /** The index.json entry for a tag. */
    public ObjectNode entry(String tag) throws Exception {
        for (var n : JSON.readTree(layout.resolve("index.json").toFile()).path("manifests")) {
            if (n.path("annotations").path("org.opencontainers.image.ref.name").asText().equals(tag)) {
                return (ObjectNode) n;
            }
        }
        throw new IllegalArgumentException("no tag " + tag);
    }

    public Digest manifestDigest(String tag) throws Exception {
        return Digest.parse(entry(tag).path("digest").asText());
    }

    /** The config digest (image ID) of a single-platform tag. */
    public Digest configDigest(String tag) throws Exception {
        Digest m = manifestDigest(tag);
        return Digest.parse(JSON.readTree(layout.resolve("blobs/sha256/" + m.hex()).toFile()).path("config").path("digest").asText());
    }

    private void addIndex(String tag, String tagA, String archA, String tagB, String archB) throws Exception {
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ArrayNode ms = index.putArray("manifests");
        for (String[] p : new String[][] {{tagB, archB}, {tagA, archA}}) {
            ObjectNode e = entry(p[0]).deepCopy();
            e.remove("annotations");
            e.putObject("platform").put("os", "linux").put("architecture", p[1]);
            ms.add(e);
        }
        byte[] bytes = JSON.writeValueAsBytes(index);
        Digest d = Digest.sha256(bytes);
        Files.write(layout.resolve("blobs/sha256/" + d.hex()), bytes);
        ObjectNode top = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
        ObjectNode e = ((ArrayNode) top.get("manifests")).addObject();
        e.put("mediaType", "application/vnd.oci.image.index.v1+json").put("digest", d.toString()).put("size", bytes.length);
        e.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
        Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(top));
    }
}
