package dev.j8s.api;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;

/** A running list+watch of the pods bound to one node (an informer); thread-safe. */
public interface PodSource extends AutoCloseable {

  /** Waits until the initial list has been delivered; false when {@code timeout} passed first. */
  boolean awaitSynced(Duration timeout);

  /** The pods currently known, from the informer's cache. */
  List<Pod> pods();

  /** Stops watching; no event is delivered after this returns. */
  @Override
  void close();
}
