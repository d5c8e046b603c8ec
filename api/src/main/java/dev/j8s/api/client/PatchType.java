package dev.j8s.api.client;

/** The patch formats a client sends, by their Content-Type. */
public enum PatchType {
  /** RFC 6902 JSON Patch. */
  JSON("application/json-patch+json"),
  /** RFC 7386 JSON merge patch. */
  MERGE("application/merge-patch+json"),
  /** Kubernetes strategic merge patch (lists merged by their keys). */
  STRATEGIC_MERGE("application/strategic-merge-patch+json");

  private final String mediaType;

  PatchType(String mediaType) {
    this.mediaType = mediaType;
  }

  public String mediaType() {
    return mediaType;
  }
}
