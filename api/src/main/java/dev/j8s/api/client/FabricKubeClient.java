package dev.j8s.api.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.ClusterException;
import dev.j8s.api.FabricClients;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * {@link KubeClient} over the fabric8 kubernetes-client with the JDK HTTP client; thread-safe. Watches are plain
 * HTTP watches; deletes go through the client's HTTP layer with a full DeleteOptions body (propagation and
 * preconditions, which the fabric8 DSL does not send together).
 */
final class FabricKubeClient implements KubeClient {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final KubernetesClient client;

  private FabricKubeClient(KubernetesClient client) {
    this.client = client;
  }

  static FabricKubeClient connect(Path kubeconfig) {
    return new FabricKubeClient(FabricClients.connect(kubeconfig));
  }

  @Override
  public <T extends HasMetadata> ResourceClient<T> resource(Kind<T> kind) {
    return new Verbs<>(kind);
  }

  @Override
  public void close() {
    client.close();
  }

  private final class Verbs<T extends HasMetadata> implements ResourceClient<T> {

    private final Kind<T> kind;
    private final MixedOperation<T, KubernetesResourceList<T>, Resource<T>> operation;

    Verbs(Kind<T> kind) {
      this.kind = kind;
      this.operation = client.resources(kind.type());
    }

    @Override
    public Kind<T> kind() {
      return kind;
    }

    private NonNamespaceOperation<T, KubernetesResourceList<T>, Resource<T>> in(String namespace) {
      return kind.namespaced() && !namespace.isEmpty() ? operation.inNamespace(namespace) : operation;
    }

    private Resource<T> named(String namespace, String name) {
      return in(namespace).withName(name);
    }

    @Override
    public Optional<T> get(String namespace, String name) {
      try {
        return Optional.ofNullable(call("get " + describe(namespace, name), () -> named(namespace, name).get()));
      } catch (ClusterException.NotFound e) {
        return Optional.empty();
      }
    }

    @Override
    public ObjectList<T> list(String namespace, ListOptions options) {
      var listOptions = new ListOptionsBuilder()
          .withLabelSelector(nullIfEmpty(options.labelSelector()))
          .withFieldSelector(nullIfEmpty(options.fieldSelector()))
          .build();
      KubernetesResourceList<T> list = call("list " + kind + " in " + scope(namespace), () -> kind.namespaced()
          && namespace.isEmpty() ? operation.inAnyNamespace().list(listOptions) : in(namespace).list(listOptions));
      String rv = list.getMetadata() == null || list.getMetadata().getResourceVersion() == null
          ? "" : list.getMetadata().getResourceVersion();
      return new ObjectList<>(list.getItems(), rv);
    }

    @Override
    public Watch watch(String namespace, ListOptions options, String resourceVersion, Watcher<T> watcher) {
      var listOptions = new ListOptionsBuilder()
          .withLabelSelector(nullIfEmpty(options.labelSelector()))
          .withFieldSelector(nullIfEmpty(options.fieldSelector()))
          .withResourceVersion(resourceVersion.isEmpty() ? "0" : resourceVersion)
          .withAllowWatchBookmarks(true)
          .build();
      AtomicBoolean closed = new AtomicBoolean();
      String action = "watch " + kind + " in " + scope(namespace);
      io.fabric8.kubernetes.client.Watcher<T> adapter = new io.fabric8.kubernetes.client.Watcher<>() {
        @Override
        public void eventReceived(Action action, T resource) {
          if (closed.get()) {
            return;
          }
          switch (action) {
            case ADDED -> watcher.event(new WatchEvent<>(WatchEvent.Type.ADDED, resource));
            case MODIFIED -> watcher.event(new WatchEvent<>(WatchEvent.Type.MODIFIED, resource));
            case DELETED -> watcher.event(new WatchEvent<>(WatchEvent.Type.DELETED, resource));
            default -> { } // bookmarks only move the resourceVersion, which the caller tracks from objects
          }
        }

        @Override
        public boolean reconnecting() {
          return false; // the caller (an informer) relists and watches again itself
        }

        @Override
        public void onClose(WatcherException cause) {
          if (closed.getAndSet(true)) {
            return;
          }
          ClusterException e = cause.isHttpGone()
              ? ClusterException.of(action + ": " + cause.getMessage(), 410, "Expired", cause)
              : cause.getCause() instanceof KubernetesClientException k ? ClusterException.of(action, k)
              : ClusterException.of(action + ": " + cause.getMessage(), 0, "", cause);
          watcher.ended(e);
        }

        @Override
        public void onClose() {
          if (!closed.getAndSet(true)) {
            watcher.ended(ClusterException.of(action + ": the server closed the watch", 0, "", null));
          }
        }
      };
      io.fabric8.kubernetes.client.Watch watch = call(action, () -> kind.namespaced() && namespace.isEmpty()
          ? operation.inAnyNamespace().watch(listOptions, adapter) : in(namespace).watch(listOptions, adapter));
      return () -> {
        closed.set(true);
        watch.close();
      };
    }

    @Override
    public T create(T object) {
      return call("create " + describe(object), () -> in(namespaceOf(object)).resource(object).create());
    }

    @Override
    public T update(T object) {
      return call("update " + describe(object), () -> in(namespaceOf(object)).resource(object).update());
    }

    @Override
    public T updateStatus(T object) {
      return call("update status of " + describe(object),
          () -> in(namespaceOf(object)).resource(object).updateStatus());
    }

    @Override
    public T updateSubresource(T object, String subresource) {
      return call("update " + subresource + " of " + describe(object),
          () -> in(namespaceOf(object)).resource(object).subresource(subresource).update());
    }

    @Override
    public T patch(String namespace, String name, PatchType type, String patch) {
      return call("patch " + describe(namespace, name),
          () -> named(namespace, name).patch(PatchContext.of(fabricType(type)), patch));
    }

    @Override
    public T patchStatus(String namespace, String name, PatchType type, String patch) {
      return call("patch status of " + describe(namespace, name),
          () -> named(namespace, name).subresource("status").patch(PatchContext.of(fabricType(type)), patch));
    }

    @Override
    public Optional<T> delete(String namespace, String name, DeleteOptions options) {
      String action = "delete " + describe(namespace, name);
      ObjectNode body = MAPPER.createObjectNode();
      body.put("kind", "DeleteOptions");
      body.put("apiVersion", "v1");
      if (options.propagation() != DeleteOptions.Propagation.DEFAULT) {
        body.put("propagationPolicy", options.propagation().value());
      }
      options.gracePeriodSeconds().ifPresent(g -> body.put("gracePeriodSeconds", g));
      if (!options.uid().isEmpty() || !options.resourceVersion().isEmpty()) {
        ObjectNode preconditions = body.putObject("preconditions");
        if (!options.uid().isEmpty()) {
          preconditions.put("uid", options.uid());
        }
        if (!options.resourceVersion().isEmpty()) {
          preconditions.put("resourceVersion", options.resourceVersion());
        }
      }
      String base = kind.group().isEmpty() ? "/api/" + kind.version() : "/apis/" + kind.group() + "/" + kind.version();
      String path = base + (kind.namespaced() ? "/namespaces/" + FabricClients.encode(namespace) : "") + "/" + kind.plural()
          + "/" + FabricClients.encode(name);
      FabricClients.RawResponse response = FabricClients.delete(client, path, body.toString(), action);
      JsonNode answer;
      try {
        answer = response.body().isEmpty() ? MAPPER.createObjectNode() : MAPPER.readTree(response.body());
      } catch (IOException e) {
        throw ClusterException.of(action + ": HTTP " + response.code() + " " + response.body(), response.code(), "", e);
      }
      if (response.code() == 200 || response.code() == 202) {
        if (answer.path("kind").asText().equals("Status")) {
          return Optional.empty();
        }
        T object = SERIALIZATION.convertValue(answer, kind.type());
        // A pod that is gone is answered as it last was: gone means no deletionTimestamp left pending.
        return object.getMetadata() != null && object.getMetadata().getDeletionTimestamp() != null
            ? Optional.of(object) : Optional.empty();
      }
      throw ClusterException.of(action + ": " + answer.path("message").asText(response.body()), response.code(),
          answer.path("reason").asText(""), null);
    }

    private String describe(T object) {
      return describe(namespaceOf(object), object.getMetadata() == null ? "" : object.getMetadata().getName());
    }

    private String describe(String namespace, String name) {
      return kind.kind().toLowerCase(java.util.Locale.ROOT) + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
    }
  }

  private static String scope(String namespace) {
    return namespace.isEmpty() ? "all namespaces" : namespace;
  }

  private static String namespaceOf(HasMetadata object) {
    String namespace = object.getMetadata() == null ? null : object.getMetadata().getNamespace();
    return namespace == null ? "" : namespace;
  }

  private static String nullIfEmpty(String s) {
    return s.isEmpty() ? null : s;
  }

  private static io.fabric8.kubernetes.client.dsl.base.PatchType fabricType(PatchType type) {
    return switch (type) {
      case JSON -> io.fabric8.kubernetes.client.dsl.base.PatchType.JSON;
      case MERGE -> io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE;
      case STRATEGIC_MERGE -> io.fabric8.kubernetes.client.dsl.base.PatchType.STRATEGIC_MERGE;
    };
  }

  private static <T> T call(String action, Supplier<T> call) {
    try {
      return call.get();
    } catch (KubernetesClientException e) {
      throw ClusterException.of(action, e);
    }
  }
}
