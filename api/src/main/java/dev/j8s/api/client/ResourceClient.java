package dev.j8s.api.client;

import dev.j8s.api.ClusterException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Optional;

/**
 * The verbs on one resource, typed; implementations are thread-safe.
 *
 * <p>{@code namespace} is the object's namespace, or the empty string for cluster-scoped resources and, in
 * {@link #list} and {@link #watch}, for every namespace. Reads of a missing object return an empty
 * {@link Optional}; every other failure raises a {@link ClusterException} of the kind the server answered
 * ({@link ClusterException.Conflict} for a stale resourceVersion or a failed precondition). Objects passed in are
 * never mutated.
 */
public interface ResourceClient<T extends HasMetadata> {

  Kind<T> kind();

  Optional<T> get(String namespace, String name);

  /** The matching objects and the resourceVersion they were read at. */
  ObjectList<T> list(String namespace, ListOptions options);

  /**
   * Watches changes after {@code resourceVersion} (from a {@link #list}; empty or {@code "0"} first delivers
   * every current object as {@link WatchEvent.Type#ADDED}). An object that stops matching {@code options} is
   * delivered as DELETED, one that starts matching as ADDED. {@link ClusterException.Gone} (raised here or
   * passed to {@link Watcher#ended}) means the version is too old: list again.
   */
  Watch watch(String namespace, ListOptions options, String resourceVersion, Watcher<T> watcher);

  /** Creates the object in its {@code metadata.namespace}; {@link ClusterException.AlreadyExists} when taken. */
  T create(T object);

  /** Replaces the object; when it carries a resourceVersion that is no longer current, Conflict. */
  T update(T object);

  /** Replaces the object's status through the status subresource (optimistic concurrency as {@link #update}). */
  T updateStatus(T object);

  /**
   * Replaces the object through another subresource that takes the whole object ({@code approval} of
   * CertificateSigningRequests), with optimistic concurrency as {@link #update}. Clients that serve no such
   * subresource refuse.
   */
  default T updateSubresource(T object, String subresource) {
    throw new UnsupportedOperationException("update " + subresource + " of " + kind() + " is not served by this client");
  }

  /** Patches the object (the main resource). */
  T patch(String namespace, String name, PatchType type, String patch);

  /** Patches the object's status subresource. */
  T patchStatus(String namespace, String name, PatchType type, String patch);

  /**
   * Deletes the object. The object as it now is when its deletion is pending (finalizers, or a pod's grace
   * period); empty when it is gone. NotFound when it was not there; Conflict when a precondition failed.
   */
  Optional<T> delete(String namespace, String name, DeleteOptions options);
}
