package dev.j8s.oci.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.oci.reference.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Reads and atomically replaces {@code images.json} (temp file, fsync, rename, fsync of the directory).
 *
 * <p>Stateless and thread-safe; callers serialize writes.
 */
final class RecordsFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int VERSION = 1;

    private RecordsFile() {}

    static Map<Digest, StoredImage> read(Path file) {
        Map<Digest, StoredImage> out = ImageStore.newImageMap();
        JsonNode doc;
        try {
            doc = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("read image records " + file, e);
        }
        for (JsonNode n : doc.path("images")) {
            List<String> refs = new ArrayList<>();
            n.path("references").forEach(r -> refs.add(r.asText()));
            List<Digest> blobs = new ArrayList<>();
            n.path("blobs").forEach(b -> blobs.add(Digest.parse(b.asText())));
            List<StoredImage.Layer> layers = new ArrayList<>();
            n.path("layers").forEach(l -> layers.add(new StoredImage.Layer(Digest.parse(l.path("chainId").asText()),
                    Digest.parse(l.path("diffId").asText()), l.path("size").asLong())));
            List<PullRecord> pulls = new ArrayList<>();
            n.path("pulls").forEach(p -> pulls.add(new PullRecord(p.path("registryHost").asText(),
                    p.path("repository").asText(), p.path("credentialIdentity").asText(), Instant.parse(p.path("at").asText()))));
            StoredImage i = new StoredImage(Digest.parse(n.path("id").asText()), Digest.parse(n.path("manifestDigest").asText()),
                    refs, blobs, layers, pulls, Instant.parse(n.path("firstSeen").asText()), Instant.parse(n.path("lastUsed").asText()));
            out.put(i.id(), i);
        }
        return out;
    }

    static void write(Path file, Collection<StoredImage> images) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("version", VERSION);
        ArrayNode arr = doc.putArray("images");
        for (StoredImage i : images) {
            ObjectNode n = arr.addObject();
            n.put("id", i.id().toString());
            n.put("manifestDigest", i.manifestDigest().toString());
            ArrayNode refs = n.putArray("references");
            i.references().forEach(refs::add);
            ArrayNode blobs = n.putArray("blobs");
            i.blobs().forEach(b -> blobs.add(b.toString()));
            ArrayNode layers = n.putArray("layers");
            for (StoredImage.Layer l : i.layers()) {
                layers.addObject().put("chainId", l.chainId().toString()).put("diffId", l.diffId().toString()).put("size", l.size());
            }
            ArrayNode pulls = n.putArray("pulls");
            for (PullRecord p : i.pulls()) {
                pulls.addObject().put("registryHost", p.registryHost()).put("repository", p.repository())
                        .put("credentialIdentity", p.credentialIdentity()).put("at", p.at().toString());
            }
            n.put("firstSeen", i.firstSeen().toString());
            n.put("lastUsed", i.lastUsed().toString());
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("write image records " + file, e);
        }
    }
}
