package dev.j8s.oci.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.oci.manifest.Descriptor;
import dev.j8s.oci.manifest.ImageConfig;
import dev.j8s.oci.manifest.ImageIndex;
import dev.j8s.oci.manifest.ImageManifest;
import dev.j8s.oci.manifest.LayerCompression;
import dev.j8s.oci.manifest.Manifest;
import dev.j8s.oci.manifest.Manifests;
import dev.j8s.oci.manifest.MediaTypes;
import dev.j8s.oci.manifest.Platform;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.reference.InvalidReferenceException;
import dev.j8s.oci.store.VerifyingInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Imports one image from an OCI image layout (directory or tar) or a {@code docker save} archive. A tar is
 * unpacked with the layer extractor (same escape checks and limits) into a scratch directory under the store;
 * every file read afterwards must resolve inside that directory.
 *
 * <p>Not thread-safe: one import per instance.
 */
final class ArchiveImporter {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String CONTAINERD_NAME = "io.containerd.image.name";
    static final String OCI_REF_NAME = "org.opencontainers.image.ref.name";

    private final ImageStore store;
    private final Path archive;

    ArchiveImporter(ImageStore store, Path archive) {
        this.store = store;
        this.archive = archive;
    }

    ImageRecord run() {
        Path scratch = null;
        try {
            Path dir;
            if (Files.isDirectory(archive)) {
                dir = archive.toRealPath();
            } else {
                scratch = store.scratchDir();
                try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
                    store.extractor.extract("archive " + archive.getFileName(), in, sniff(in), scratch);
                }
                dir = scratch.toRealPath();
            }
            if (Files.isRegularFile(dir.resolve("index.json"))) {
                return importLayout(dir);
            }
            if (Files.isRegularFile(dir.resolve("manifest.json"))) {
                return importDockerSave(dir);
            }
            throw new PullException(PullException.Kind.INVALID_IMAGE,
                    "neither an OCI image layout (index.json) nor a docker save archive (manifest.json)");
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        } finally {
            if (scratch != null) {
                LayerCache.deleteTree(scratch);
            }
        }
    }

    static LayerCompression sniff(InputStream in) throws IOException {
        in.mark(4);
        byte[] head = in.readNBytes(4);
        in.reset();
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return LayerCompression.GZIP;
        }
        if (head.length == 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return LayerCompression.ZSTD;
        }
        return LayerCompression.NONE;
    }

    /** A file named by the (untrusted) archive, refused unless it resolves inside {@code dir}. */
    static Path inside(Path dir, String relative) throws IOException {
        Path p = dir.resolve(relative).normalize();
        if (!p.startsWith(dir) || !Files.exists(p)) {
            throw new PullException(PullException.Kind.INVALID_IMAGE, "archive entry " + quote(relative) + " does not exist");
        }
        Path real = p.toRealPath();
        if (!real.startsWith(dir) || !Files.isRegularFile(real)) {
            throw new PullException(PullException.Kind.INVALID_IMAGE, "archive entry " + quote(relative)
                    + " is not a regular file inside the archive");
        }
        return real;
    }

    private static byte[] readSmall(Path file) throws IOException {
        if (Files.size(file) > Manifests.MAX_DOCUMENT_BYTES) {
            throw new PullException(PullException.Kind.INVALID_IMAGE, "archive document " + file.getFileName()
                    + " is larger than " + Manifests.MAX_DOCUMENT_BYTES + " bytes");
        }
        return Files.readAllBytes(file);
    }

    private static Path blobPath(Path dir, Digest d) throws IOException {
        return inside(dir, "blobs/" + d.algorithm() + "/" + d.hex());
    }

    private static byte[] readBlob(Path dir, Descriptor d) throws IOException {
        byte[] b = readSmall(blobPath(dir, d.digest()));
        if (b.length != d.size() || !Digest.of(d.digest().algorithm(), b).equals(d.digest())) {
            throw new PullException(PullException.Kind.INVALID_IMAGE, "blob " + d.digest() + " does not match its descriptor");
        }
        return b;
    }

    // ------------------------------------------------------------------------------- OCI layout

    private ImageRecord importLayout(Path dir) throws IOException {
        Manifest index = Manifests.parse(MediaTypes.OCI_INDEX, readSmall(inside(dir, "index.json")), "sha256");
        if (!(index instanceof ImageIndex idx) || idx.manifests().isEmpty()) {
            throw new PullException(PullException.Kind.INVALID_IMAGE, "index.json lists no images");
        }
        Descriptor top = idx.manifests().stream().anyMatch(d -> d.platform().isPresent())
                ? idx.select(Platform.current()) : idx.manifests().getFirst();
        Optional<ImageReference> name = nameOf(top);
        Manifest m = Manifests.parse(top.mediaType(), readBlob(dir, top), top.digest().algorithm());
        List<Digest> stored = new ArrayList<>(List.of(top.digest()));
        store.blobs().put(top.digest().algorithm(), m.raw());
        for (int depth = 0; m instanceof ImageIndex nested; depth++) {
            if (depth > 2) {
                throw new PullException(PullException.Kind.INVALID_IMAGE, "indexes nested too deeply");
            }
            Descriptor d = nested.select(Platform.current());
            m = Manifests.parse(d.mediaType(), readBlob(dir, d), d.digest().algorithm());
            store.blobs().put(d.digest().algorithm(), m.raw());
            stored.add(d.digest());
        }
        ImageManifest manifest = (ImageManifest) m;
        byte[] configBytes = readBlob(dir, manifest.config());
        ImageConfig config = ImageConfig.parse(configBytes);
        ImageStore.checkLayerCount(manifest, config);
        store.blobs().put(manifest.config().digest().algorithm(), configBytes);
        stored.add(manifest.config().digest());

        List<Digest> chain = LayerCache.chainIds(config.diffIds());
        store.pin(chain);
        try {
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < chain.size(); i++) {
                Descriptor layer = manifest.layers().get(i);
                Path blob = blobPath(dir, layer.digest());
                futures.add(store.layers().ensure(chain.get(i), config.diffIds().get(i), layer.digest().toString(),
                        MediaTypes.layerCompression(layer.mediaType()),
                        () -> new VerifyingInputStream(new BufferedInputStream(Files.newInputStream(blob), 1 << 16), layer.digest(), layer.size()),
                        () -> { }, p -> { }));
            }
            List<Long> sizes = ImageStore.awaitAll(futures, archive);
            Set<String> refs = new LinkedHashSet<>();
            name.ifPresent(n -> {
                refs.add(n.withDefaultTag().toString());
                refs.add(n.repository() + "@" + top.digest());
            });
            return store.commit(manifest.config().digest(), top.digest(), refs, List.copyOf(new LinkedHashSet<>(stored)),
                    config, chain, sizes, Optional.empty());
        } finally {
            store.unpin(chain);
        }
    }

    /** The containerd name annotation, else a fully qualified OCI ref name; a bare tag names nothing. */
    static Optional<ImageReference> nameOf(Descriptor d) {
        for (String key : List.of(CONTAINERD_NAME, OCI_REF_NAME)) {
            String v = d.annotations().getOrDefault(key, "");
            if (v.contains("/")) {
                try {
                    return Optional.of(ImageReference.parse(v));
                } catch (InvalidReferenceException ignored) {
                    // not a full name
                }
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------- docker save

    private ImageRecord importDockerSave(Path dir) throws IOException {
        JsonNode doc = JSON.readTree(readSmall(inside(dir, "manifest.json")));
        if (!doc.isArray() || doc.isEmpty() || !doc.get(0).isObject()) {
            throw new PullException(PullException.Kind.INVALID_IMAGE, "manifest.json lists no images");
        }
        JsonNode entry = doc.get(0);
        byte[] configBytes = readSmall(inside(dir, entry.path("Config").asText()));
        Digest id = Digest.sha256(configBytes);
        ImageConfig config = ImageConfig.parse(configBytes);
        JsonNode layerNames = entry.path("Layers");
        if (layerNames.size() != config.diffIds().size()) {
            throw new PullException(PullException.Kind.INVALID_IMAGE, "manifest.json lists " + layerNames.size()
                    + " layers but the config lists " + config.diffIds().size() + " diff IDs");
        }
        store.blobs().put("sha256", configBytes);
        List<Digest> chain = LayerCache.chainIds(config.diffIds());
        store.pin(chain);
        try {
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < chain.size(); i++) {
                Path layer = inside(dir, layerNames.get(i).asText());
                LayerCompression c;
                try (InputStream probe = new BufferedInputStream(Files.newInputStream(layer), 8)) {
                    c = sniff(probe);
                }
                futures.add(store.layers().ensure(chain.get(i), config.diffIds().get(i),
                        layerNames.get(i).asText(), c,
                        () -> new BufferedInputStream(Files.newInputStream(layer), 1 << 16), () -> { }, p -> { }));
            }
            List<Long> sizes = ImageStore.awaitAll(futures, archive);
            // docker save carries no manifest: describe the uncompressed layers as an OCI manifest and keep it.
            StringBuilder layers = new StringBuilder();
            for (int i = 0; i < chain.size(); i++) {
                layers.append(i == 0 ? "" : ",").append("{\"mediaType\":\"").append(MediaTypes.OCI_LAYER)
                        .append("\",\"digest\":\"").append(config.diffIds().get(i)).append("\",\"size\":").append(sizes.get(i)).append('}');
            }
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
                    + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + id + "\",\"size\":" + configBytes.length + "},\"layers\":["
                    + layers + "]}").getBytes(StandardCharsets.UTF_8);
            Digest manifestDigest = store.blobs().put("sha256", manifest);
            Set<String> refs = new LinkedHashSet<>();
            for (JsonNode t : entry.path("RepoTags")) {
                try {
                    ImageReference r = ImageReference.parse(t.asText());
                    refs.add(r.withDefaultTag().toString());
                    refs.add(r.repository() + "@" + manifestDigest);
                } catch (InvalidReferenceException e) {
                    throw new PullException(PullException.Kind.INVALID_IMAGE, "manifest.json RepoTags: " + e.getMessage(), e);
                }
            }
            return store.commit(id, manifestDigest, refs, List.of(manifestDigest, id), config, chain, sizes, Optional.empty());
        } finally {
            store.unpin(chain);
        }
    }

    static String quote(String s) {
        String shown = s.length() > 200 ? s.substring(0, 200) + "…" : s;
        return "\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
