package dev.j8s.oci.manifest;

import java.util.List;

/**
 * The media types j8s speaks, and which of them are manifests, indexes, configs and layers.
 *
 * <p>Stateless and thread-safe.
 */
public final class MediaTypes {
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
    public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_FOREIGN_LAYER_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    public static final String OCI_LAYER_ND = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public static final String OCI_LAYER_ND_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public static final String OCI_LAYER_ND_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

    /** The {@code Accept} header value for manifest requests, most preferred first. */
    public static final String MANIFEST_ACCEPT = String.join(", ",
            List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST));

    private MediaTypes() {}

    /** Whether {@code mediaType} is a single-platform image manifest. */
    public static boolean isManifest(String mediaType) {
        return mediaType.equals(DOCKER_MANIFEST) || mediaType.equals(OCI_MANIFEST);
    }

    /** Whether {@code mediaType} is a multi-platform index or manifest list. */
    public static boolean isIndex(String mediaType) {
        return mediaType.equals(DOCKER_MANIFEST_LIST) || mediaType.equals(OCI_INDEX);
    }

    /** The compression of a layer of this media type; throws for media types that are not layers. */
    public static LayerCompression layerCompression(String mediaType) {
        return switch (mediaType) {
            case OCI_LAYER, OCI_LAYER_ND -> LayerCompression.NONE;
            case DOCKER_LAYER_GZIP, DOCKER_FOREIGN_LAYER_GZIP, OCI_LAYER_GZIP, OCI_LAYER_ND_GZIP -> LayerCompression.GZIP;
            case OCI_LAYER_ZSTD, OCI_LAYER_ND_ZSTD -> LayerCompression.ZSTD;
            default -> throw new ManifestException("unsupported layer media type " + quote(mediaType));
        };
    }

    static String quote(String s) {
        String shown = s.length() > 200 ? s.substring(0, 200) + "…" : s;
        return "\"" + shown.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
