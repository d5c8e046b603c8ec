package dev.j8s.api.client;

import dev.j8s.api.ClusterException;

/**
 * Receives the events of one watch, in order, on one thread the implementation owns; must not block for long
 * (an informer queues and returns).
 */
public interface Watcher<T> {

  void event(WatchEvent<T> event);

  /**
   * The watch ended without being closed by its owner: the connection dropped, or the server answered
   * {@link ClusterException.Gone} (the resourceVersion was compacted: relist). Called at most once, last.
   */
  void ended(ClusterException cause);
}
