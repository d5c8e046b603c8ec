package dev.j8s.oci.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.InvalidReferenceException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parses manifest and index documents received from a registry or an OCI layout, rejecting schema 1,
 * unknown media types, ambiguous documents (CVE-2021-41190), oversized documents and hostile descriptors.
 *
 * <p>Stateless and thread-safe.
 */
public final class Manifests {
    /** Largest manifest, index or config document accepted (4 MiB). */
    public static final int MAX_DOCUMENT_BYTES = 4 << 20;
    /** Most descriptors accepted in one manifest or index. */
    public static final int MAX_DESCRIPTORS = 1024;

    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxNumberLength(64)
                    .maxStringLength(1 << 20)
                    .maxDocumentLength(MAX_DOCUMENT_BYTES)
                    .build())
            .build());

    private Manifests() {}

    /**
     * Parses {@code body} received with {@code contentType} (may be empty or generic such as
     * {@code application/json}); the digest is computed over {@code body} with {@code algorithm}.
     */
    public static Manifest parse(String contentType, byte[] body, String algorithm) {
        if (body.length > MAX_DOCUMENT_BYTES) {
            throw new ManifestException("rejecting " + body.length + " byte manifest: larger than " + MAX_DOCUMENT_BYTES);
        }
        Digest digest = Digest.of(algorithm, body);
        JsonNode doc;
        try {
            doc = JSON.readTree(body);
        } catch (IOException e) {
            throw new ManifestException("manifest " + digest + " is not valid JSON: " + e.getMessage(), e);
        }
        if (doc == null || !doc.isObject()) {
            throw new ManifestException("manifest " + digest + " is not a JSON object");
        }
        String declared = text(doc, "mediaType");
        String type = stripParams(contentType);
        if (type.equals(MediaTypes.DOCKER_SCHEMA1) || type.equals(MediaTypes.DOCKER_SCHEMA1_SIGNED)
                || declared.equals(MediaTypes.DOCKER_SCHEMA1) || declared.equals(MediaTypes.DOCKER_SCHEMA1_SIGNED)
                || doc.path("schemaVersion").asInt(0) == 1) {
            throw new ManifestException("media type \"" + MediaTypes.DOCKER_SCHEMA1
                    + "\" (Docker image manifest schema 1) is not supported, please rebuild the image as \""
                    + MediaTypes.DOCKER_MANIFEST + "\" or \"" + MediaTypes.OCI_MANIFEST + "\"");
        }
        boolean hasManifests = doc.has("manifests");
        if (hasManifests && (doc.has("layers") || doc.has("config"))) {
            throw new ManifestException("manifest " + digest + " is ambiguous: it has both \"manifests\" and \"layers\" or \"config\"");
        }
        boolean generic = type.isEmpty() || type.equals("application/json") || type.equals("text/plain")
                || type.equals("application/octet-stream");
        String mediaType;
        if (!generic) {
            if (!declared.isEmpty() && !declared.equals(type)) {
                throw new ManifestException("manifest " + digest + " declares media type " + MediaTypes.quote(declared)
                        + " but was served as " + MediaTypes.quote(type));
            }
            mediaType = type;
        } else if (!declared.isEmpty()) {
            mediaType = declared;
        } else {
            mediaType = hasManifests ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        if (MediaTypes.isIndex(mediaType)) {
            if (!hasManifests) {
                throw new ManifestException("index " + digest + " has no \"manifests\"");
            }
            return new ImageIndex(mediaType, digest, descriptors(doc.get("manifests"), digest, true), body);
        }
        if (MediaTypes.isManifest(mediaType)) {
            if (hasManifests || !doc.has("config")) {
                throw new ManifestException("manifest " + digest + " has no \"config\"");
            }
            Descriptor config = descriptor(doc.get("config"), digest, false);
            List<Descriptor> layers = descriptors(doc.path("layers"), digest, false);
            for (Descriptor layer : layers) {
                MediaTypes.layerCompression(layer.mediaType());
            }
            return new ImageManifest(mediaType, digest, config, layers, body);
        }
        throw new ManifestException("unsupported manifest media type " + MediaTypes.quote(mediaType));
    }

    private static List<Descriptor> descriptors(JsonNode array, Digest owner, boolean platforms) {
        if (array.isMissingNode() || array.isNull()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw new ManifestException("manifest " + owner + ": descriptor list is not an array");
        }
        if (array.size() > MAX_DESCRIPTORS) {
            throw new ManifestException("manifest " + owner + " has " + array.size() + " descriptors, more than " + MAX_DESCRIPTORS);
        }
        List<Descriptor> out = new ArrayList<>(array.size());
        for (JsonNode n : array) {
            out.add(descriptor(n, owner, platforms));
        }
        return out;
    }

    private static Descriptor descriptor(JsonNode n, Digest owner, boolean platforms) {
        if (!n.isObject()) {
            throw new ManifestException("manifest " + owner + ": descriptor is not an object");
        }
        String mediaType = text(n, "mediaType");
        Digest digest;
        try {
            digest = Digest.parse(text(n, "digest"));
        } catch (InvalidReferenceException e) {
            throw new ManifestException("manifest " + owner + ": descriptor digest "
                    + MediaTypes.quote(text(n, "digest")) + ": " + e.getMessage(), e);
        }
        JsonNode size = n.get("size");
        if (size == null || !size.canConvertToExactIntegral() || !size.canConvertToLong() || size.asLong() < 0) {
            throw new ManifestException("manifest " + owner + ": descriptor " + digest + " has no valid size");
        }
        Optional<Platform> platform = Optional.empty();
        JsonNode p = n.get("platform");
        if (platforms && p != null && p.isObject()) {
            String variant = text(p, "variant");
            platform = Optional.of(new Platform(text(p, "os"), text(p, "architecture"),
                    variant.isEmpty() ? Optional.empty() : Optional.of(variant)));
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        n.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
        return new Descriptor(mediaType, digest, size.asLong(), platform, annotations);
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? v.asText() : "";
    }

    private static String stripParams(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(java.util.Locale.ROOT);
    }
}
