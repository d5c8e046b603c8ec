package dev.j8s.api;

import io.fabric8.kubernetes.api.model.Pod;

/** One change to the pods bound to a node, as a {@link PodSource} delivers it; immutable and thread-safe. */
public sealed interface PodEvent {

  /** The pod as it now is (for a deletion, as it last was). */
  Pod pod();

  /** A pod appeared (from the initial list, a relist or the watch). */
  record Added(Pod pod) implements PodEvent {}

  /** A pod changed. */
  record Updated(Pod old, Pod pod) implements PodEvent {}

  /**
   * A pod was deleted from the API.
   *
   * @param finalStateUnknown the deletion was inferred by a relist, so {@code pod} may be stale
   */
  record Deleted(Pod pod, boolean finalStateUnknown) implements PodEvent {}
}
