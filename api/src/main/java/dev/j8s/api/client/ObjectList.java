package dev.j8s.api.client;

import java.util.List;
import java.util.Objects;

/**
 * A list result: the objects and the resourceVersion the list was read at, from which a watch continues
 * without missing a change. Immutable.
 */
public record ObjectList<T>(List<T> items, String resourceVersion) {

  public ObjectList {
    items = List.copyOf(items);
    Objects.requireNonNull(resourceVersion, "resourceVersion");
  }
}
