package dev.j8s.kubelet.container;

import io.fabric8.kubernetes.api.model.Container;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash that decides whether a running container still matches its spec (upstream
 * {@code HashContainer}); stateless and thread-safe.
 *
 * <p>Stable across j8s builds: it is {@code v1-} and the first 16 hex digits of the SHA-256 of a
 * canonical JSON written here by hand, not by a serializer whose field set or order could change with a
 * library upgrade. Like upstream since 1.31 it covers the name and the image only: every other container
 * field is immutable in a pod, so an image update is the one change that must recreate a container. A new
 * field set gets a new version prefix, and {@link #matches} accepts the hashes of older versions it can
 * still compute, so an upgrade restarts nothing.
 */
public final class ContainerHash {

  /** The current version prefix. */
  public static final String VERSION = "v1";

  private ContainerHash() {}

  /** The current-version hash of a container spec. */
  public static String of(Container container) {
    return VERSION + "-" + sha256Prefix(canonicalV1(container));
  }

  /** Whether a hash recorded on a running container (by this or an older build) matches the spec. */
  public static boolean matches(String recorded, Container container) {
    if (recorded.startsWith("v1-")) {
      return recorded.equals(of(container));
    }
    return false; // an unknown or future version: the caller treats the container as changed
  }

  static String canonicalV1(Container c) {
    return "{\"image\":" + jsonString(c.getImage() == null ? "" : c.getImage())
        + ",\"name\":" + jsonString(c.getName()) + "}";
  }

  private static String jsonString(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (ch < 0x20) {
            out.append(String.format("\\u%04x", (int) ch));
          } else {
            out.append(ch);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private static String sha256Prefix(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
