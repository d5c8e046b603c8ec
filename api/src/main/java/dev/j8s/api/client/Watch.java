package dev.j8s.api.client;

/** A running watch; thread-safe. */
public interface Watch extends AutoCloseable {

  /** Stops delivery: no event and no {@link Watcher#ended} call follows once this returns. */
  @Override
  void close();
}
