package dev.j8s.oci.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.oci.reference.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The runtime-relevant part of an image config (OCI image-spec {@code config.md}): what to run, as whom,
 * where, and the uncompressed layer digests. All of it is untrusted input; callers must resolve
 * {@code workingDir}, {@code volumes} and {@code user} inside the container root.
 *
 * <p>Immutable and thread-safe.
 */
public record ImageConfig(Platform platform, List<String> env, List<String> entrypoint, List<String> cmd,
                          String workingDir, String user, Set<String> exposedPorts, Map<String, String> labels,
                          String stopSignal, Set<String> volumes, List<Digest> diffIds) {
    public ImageConfig {
        env = List.copyOf(env);
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        exposedPorts = Set.copyOf(exposedPorts);
        labels = Map.copyOf(labels);
        volumes = Set.copyOf(volumes);
        diffIds = List.copyOf(diffIds);
    }

    /** Parses a config blob (≤ 4 MiB). */
    public static ImageConfig parse(byte[] body) {
        if (body.length > Manifests.MAX_DOCUMENT_BYTES) {
            throw new ManifestException("rejecting " + body.length + " byte image config: larger than " + Manifests.MAX_DOCUMENT_BYTES);
        }
        JsonNode doc;
        try {
            doc = Manifests.JSON.readTree(body);
        } catch (IOException e) {
            throw new ManifestException("image config is not valid JSON: " + e.getMessage(), e);
        }
        if (doc == null || !doc.isObject()) {
            throw new ManifestException("image config is not a JSON object");
        }
        JsonNode c = doc.path("config");
        String variant = Manifests.text(doc, "variant");
        Platform platform = new Platform(Manifests.text(doc, "os"), Manifests.text(doc, "architecture"),
                variant.isEmpty() ? Optional.empty() : Optional.of(variant));
        List<Digest> diffIds = new ArrayList<>();
        for (JsonNode d : doc.path("rootfs").path("diff_ids")) {
            try {
                diffIds.add(Digest.parse(d.asText()));
            } catch (IllegalArgumentException e) {
                throw new ManifestException("image config: diff id " + MediaTypes.quote(d.asText()) + ": " + e.getMessage(), e);
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        c.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        return new ImageConfig(platform, strings(c.path("Env")), strings(c.path("Entrypoint")), strings(c.path("Cmd")),
                Manifests.text(c, "WorkingDir"), Manifests.text(c, "User"), keys(c.path("ExposedPorts")), labels,
                Manifests.text(c, "StopSignal"), keys(c.path("Volumes")), diffIds);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        } else if (array.isTextual()) {
            out.add(array.asText());
        }
        return out;
    }

    private static Set<String> keys(JsonNode object) {
        Set<String> out = new LinkedHashSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
