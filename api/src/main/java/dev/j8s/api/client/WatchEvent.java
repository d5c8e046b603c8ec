package dev.j8s.api.client;

import java.util.Objects;

/**
 * One change a watch delivers: the object after it (for {@link Type#DELETED}, its last state). Immutable.
 */
public record WatchEvent<T>(Type type, T object) {

  /** The event types of the Kubernetes watch protocol (bookmarks are consumed by the implementations). */
  public enum Type { ADDED, MODIFIED, DELETED }

  public WatchEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(object, "object");
  }
}
