package dev.j8s.runtime;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** A container as the runtime sees it (CRI {@code ContainerStatus}); immutable and thread-safe. */
public record ContainerStatus(
    String id,
    String sandboxId,
    String name,
    int attempt,
    String image,
    ContainerState state,
    Instant createdAt,
    Path logPath,
    Map<String, String> labels,
    Map<String, String> annotations) {

  public ContainerStatus {
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
  }
}
