package dev.j8s.api;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The narrow set of Kubernetes API calls a kubelet makes, in fabric8 model types; implementations are
 * thread-safe.
 *
 * <p>The kubelet reaches the API only through this interface, exactly as it would a remote API server,
 * so the in-process kubelet of {@code j8s server} and {@code j8s agent} are the same code. Reads of a
 * missing object return an empty {@link Optional}; other failures raise a {@link ClusterException}.
 * Objects passed in are never mutated.
 */
public interface Cluster extends AutoCloseable {

  /** The namespace node leases live in. */
  String NODE_LEASE_NAMESPACE = "kube-node-lease";

  /** Connects to the API server a kubeconfig file names (its current context), over the JDK HTTP client. */
  static Cluster connect(Path kubeconfig) {
    return FabricCluster.connect(kubeconfig);
  }

  /**
   * Starts a list+watch of the pods bound to {@code nodeName} ({@code fieldSelector=spec.nodeName=…}) that
   * resumes after a disconnect and relists when its resourceVersion expired; {@code handler} receives the
   * events one at a time, in order, on one thread.
   */
  PodSource watchPods(String nodeName, Consumer<PodEvent> handler);

  Optional<Pod> pod(String namespace, String name);

  Optional<Secret> secret(String namespace, String name);

  Optional<ConfigMap> configMap(String namespace, String name);

  /** A pod's claim, read for its persistentVolumeClaim volumes. */
  Optional<PersistentVolumeClaim> persistentVolumeClaim(String namespace, String name);

  /** The volume a bound claim names. */
  Optional<PersistentVolume> persistentVolume(String name);

  Optional<ServiceAccount> serviceAccount(String namespace, String name);

  /**
   * Asks for a token of the service account {@code namespace/serviceAccount} (the {@code serviceaccounts/token}
   * subresource), e.g. bound to a pod for its projected token volume; the answer carries the token in its status.
   */
  TokenRequest createToken(String namespace, String serviceAccount, TokenRequest request);

  /** The services of one namespace (for service-link environment variables). */
  List<Service> services(String namespace);

  /**
   * Writes {@code status} to the pod's status subresource; on a Conflict it refetches the pod and
   * retries a bounded number of times. Empty when the pod is gone or its UID is no longer {@code uid}.
   */
  Optional<Pod> updatePodStatus(String namespace, String name, String uid, PodStatus status);

  /**
   * Deletes the pod with grace period 0 and a UID precondition, the kubelet's final confirmation that
   * the pod stopped; false when it was already gone or is now another pod with the same name.
   */
  boolean deletePod(String namespace, String name, String uid);

  Event createEvent(Event event);

  Event updateEvent(Event event);

  Optional<Node> node(String name);

  /** Creates a node; raises {@link ClusterException.AlreadyExists} when it exists. */
  Node createNode(Node node);

  /** Replaces a node's metadata and spec (optimistic concurrency on its resourceVersion). */
  Node updateNode(Node node);

  /** Replaces a node's status through the status subresource. */
  Node updateNodeStatus(Node node);

  /** The node lease named {@code nodeName} in {@value #NODE_LEASE_NAMESPACE}. */
  Optional<Lease> lease(String nodeName);

  Lease createLease(Lease lease);

  /** Replaces a lease (optimistic concurrency on its resourceVersion). */
  Lease updateLease(Lease lease);

  /** Stops every watch and releases the connections. */
  @Override
  void close();
}
