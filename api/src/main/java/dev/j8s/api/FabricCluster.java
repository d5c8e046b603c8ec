package dev.j8s.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link Cluster} over the fabric8 kubernetes-client with the JDK HTTP client; thread-safe.
 *
 * <p>Pod watches are fabric8 informers (list, then watch from the list's resourceVersion, re-watch on
 * disconnect, relist on 410 Gone), as client-go's reflector does for the upstream kubelet.
 */
final class FabricCluster implements Cluster {

  private static final System.Logger LOG = System.getLogger(FabricCluster.class.getName());
  private static final ObjectMapper STATUS_MAPPER = new ObjectMapper();

  private final KubernetesClient client;

  FabricCluster(KubernetesClient client) {
    this.client = client;
  }

  static FabricCluster connect(Path kubeconfig) {
    return new FabricCluster(FabricClients.connect(kubeconfig));
  }

  @Override
  public PodSource watchPods(String nodeName, Consumer<PodEvent> handler) {
    SharedIndexInformer<Pod> informer = client.pods().inAnyNamespace()
        .withField("spec.nodeName", nodeName)
        .runnableInformer(0);
    informer.exceptionHandler((started, t) -> {
      LOG.log(Level.WARNING, "pod watch failed, retrying node={0} error={1}", nodeName, t.toString());
      return true;
    });
    informer.addEventHandler(new ResourceEventHandler<Pod>() {
      @Override
      public void onAdd(Pod pod) {
        deliver(handler, new PodEvent.Added(pod));
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        deliver(handler, new PodEvent.Updated(old, pod));
      }

      @Override
      public void onDelete(Pod pod, boolean finalStateUnknown) {
        deliver(handler, new PodEvent.Deleted(pod, finalStateUnknown));
      }
    });
    CompletableFuture<Void> synced = informer.start().toCompletableFuture();
    return new InformerPodSource(informer, synced);
  }

  private static void deliver(Consumer<PodEvent> handler, PodEvent event) {
    try {
      handler.accept(event);
    } catch (RuntimeException e) {
      // One failing handler call must not end the watch.
      LOG.log(Level.ERROR, "pod event handler failed pod=" + key(event.pod()), e);
    }
  }

  private record InformerPodSource(SharedIndexInformer<Pod> informer, CompletableFuture<Void> synced)
      implements PodSource {

    @Override
    public boolean awaitSynced(Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        synced.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return false;
      } catch (ExecutionException e) {
        // The first start failed; the exception handler keeps the informer retrying.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      while (!informer.hasSynced()) {
        if (System.nanoTime() >= deadline) {
          return false;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }

    @Override
    public List<Pod> pods() {
      return List.copyOf(informer.getStore().list());
    }

    @Override
    public void close() {
      informer.close();
    }
  }

  @Override
  public Optional<Pod> pod(String namespace, String name) {
    return get("get pod " + namespace + "/" + name,
        () -> client.pods().inNamespace(namespace).withName(name).get());
  }

  @Override
  public Optional<Secret> secret(String namespace, String name) {
    return get("get secret " + namespace + "/" + name,
        () -> client.secrets().inNamespace(namespace).withName(name).get());
  }

  @Override
  public Optional<ConfigMap> configMap(String namespace, String name) {
    return get("get configmap " + namespace + "/" + name,
        () -> client.configMaps().inNamespace(namespace).withName(name).get());
  }

  @Override
  public Optional<PersistentVolumeClaim> persistentVolumeClaim(String namespace, String name) {
    return get("get persistentvolumeclaim " + namespace + "/" + name,
        () -> client.persistentVolumeClaims().inNamespace(namespace).withName(name).get());
  }

  @Override
  public Optional<PersistentVolume> persistentVolume(String name) {
    return get("get persistentvolume " + name, () -> client.persistentVolumes().withName(name).get());
  }

  @Override
  public Optional<ServiceAccount> serviceAccount(String namespace, String name) {
    return get("get serviceaccount " + namespace + "/" + name,
        () -> client.serviceAccounts().inNamespace(namespace).withName(name).get());
  }

  @Override
  public TokenRequest createToken(String namespace, String serviceAccount, TokenRequest request) {
    return call("create token for serviceaccount " + namespace + "/" + serviceAccount,
        () -> client.serviceAccounts().inNamespace(namespace).withName(serviceAccount).tokenRequest(request));
  }

  @Override
  public List<Service> services(String namespace) {
    return call("list services in " + namespace,
        () -> List.copyOf(client.services().inNamespace(namespace).list().getItems()));
  }

  /** One {@link PodStatusPatch} of the status subresource. */
  @Override
  public Optional<Pod> updatePodStatus(String namespace, String name, String uid, PodStatus status) {
    String action = "update status of pod " + namespace + "/" + name;
    String patch = statusPatch(uid, status);
    try {
      return Optional.of(call(action, () -> client.pods().inNamespace(namespace).withName(name)
          .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch)));
    } catch (ClusterException.NotFound e) {
      return Optional.empty();
    } catch (ClusterException e) {
      // 422 (uid immutable) or 409 (a server checking the uid as a precondition): another pod now.
      Optional<Pod> current = pod(namespace, name);
      if (current.isEmpty() || !uid.equals(current.get().getMetadata().getUid())) {
        return Optional.empty();
      }
      throw e;
    }
  }

  static String statusPatch(String uid, PodStatus status) {
    try {
      return STATUS_MAPPER.writeValueAsString(PodStatusPatch.of(uid, STATUS_MAPPER.valueToTree(status)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("serialize pod status", e);
    }
  }

  @Override
  public boolean deletePod(String namespace, String name, String uid) {
    // The DSL has no UID precondition, so this one call goes through the client's HTTP layer (same auth).
    String action = "delete pod " + namespace + "/" + name;
    String body = "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":0,"
        + "\"preconditions\":{\"uid\":\"" + uid.replace("\"", "") + "\"}}";
    FabricClients.RawResponse response = FabricClients.delete(client,
        "/api/v1/namespaces/" + FabricClients.encode(namespace) + "/pods/" + FabricClients.encode(name), body,
        action);
    int code = response.code();
    if (code == 200 || code == 202) {
      return true;
    }
    if (code == 404 || code == 409) {
      return false; // gone, or the name now belongs to another pod (UID precondition failed)
    }
    throw new ClusterException.Failed(action + ": HTTP " + code + " " + response.body(), code, null);
  }

  @Override
  public Event createEvent(Event event) {
    return call("create event " + key(event),
        () -> client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create());
  }

  @Override
  public Event updateEvent(Event event) {
    return call("update event " + key(event),
        () -> client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).update());
  }

  @Override
  public Optional<Node> node(String name) {
    return get("get node " + name, () -> client.nodes().withName(name).get());
  }

  @Override
  public Node createNode(Node node) {
    return call("create node " + node.getMetadata().getName(), () -> client.nodes().resource(node).create());
  }

  @Override
  public Node updateNode(Node node) {
    return call("update node " + node.getMetadata().getName(), () -> client.nodes().resource(node).update());
  }

  @Override
  public Node updateNodeStatus(Node node) {
    return call("update status of node " + node.getMetadata().getName(),
        () -> client.nodes().resource(node).updateStatus());
  }

  @Override
  public Optional<Lease> lease(String nodeName) {
    return get("get lease " + NODE_LEASE_NAMESPACE + "/" + nodeName,
        () -> client.leases().inNamespace(NODE_LEASE_NAMESPACE).withName(nodeName).get());
  }

  @Override
  public Lease createLease(Lease lease) {
    return call("create lease " + key(lease),
        () -> client.leases().inNamespace(NODE_LEASE_NAMESPACE).resource(lease).create());
  }

  @Override
  public Lease updateLease(Lease lease) {
    return call("update lease " + key(lease),
        () -> client.leases().inNamespace(NODE_LEASE_NAMESPACE).resource(lease).update());
  }

  @Override
  public void close() {
    client.close();
  }

  private static <T> Optional<T> get(String action, Supplier<T> read) {
    try {
      return Optional.ofNullable(call(action, read));
    } catch (ClusterException.NotFound e) {
      return Optional.empty();
    }
  }

  private static <T> T call(String action, Supplier<T> call) {
    try {
      return call.get();
    } catch (KubernetesClientException e) {
      throw ClusterException.of(action, e);
    }
  }

  private static String key(HasMetadata object) {
    var meta = object.getMetadata();
    return meta == null ? "?" : (meta.getNamespace() == null ? "" : meta.getNamespace() + "/") + meta.getName();
  }
}
