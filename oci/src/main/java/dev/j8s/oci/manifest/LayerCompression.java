package dev.j8s.oci.manifest;

/** How a layer blob is compressed. */
public enum LayerCompression {
    NONE,
    GZIP,
    ZSTD
}
