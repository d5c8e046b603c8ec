package dev.j8s.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.ObjectList;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.api.client.Watch;
import dev.j8s.api.client.WatchEvent;
import dev.j8s.api.client.Watcher;
import dev.j8s.apiserver.ApiServer;
import dev.j8s.apiserver.testing.TlsApiServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link KubeClient} must do, against a real j8s API server; each implementation runs these in a
 * subclass (the in-process one {@code j8s server}'s controllers use, the fabric8 one over HTTPS).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KubeClientContract {

  private static final String TOKEN = "kube-client-token-0123456789";

  @TempDir
  static Path dir;

  ApiServer server;
  KubeClient client;
  private ResourceClient<ConfigMap> configMaps;
  private ResourceClient<Pod> pods;

  /** The implementation under test, for {@code server}, whose kubeconfig is {@code kubeconfig}. */
  abstract KubeClient connect(ApiServer server, Path kubeconfig);

  @BeforeAll
  void start() throws Exception {
    server = TlsApiServer.start(dir, TOKEN);
    String kubeconfig = TlsApiServer.kubeconfig(server, TOKEN);
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, kubeconfig);
    client = connect(server, file);
    configMaps = client.resource(Kind.CONFIG_MAPS);
    pods = client.resource(Kind.PODS);
  }

  @AfterAll
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static ConfigMap configMap(String name, String app) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace("default")
        .addToLabels("app", app).endMetadata().addToData("k", "v").build();
  }

  private static <T> WatchEvent<T> next(LinkedBlockingQueue<WatchEvent<T>> events) throws InterruptedException {
    WatchEvent<T> event = events.poll(20, TimeUnit.SECONDS);
    assertThat(event).as("a watch event within 20 s").isNotNull();
    return event;
  }

  @Test
  void createGetListAndSelectorsWork() {
    ConfigMap created = configMaps.create(configMap("crud-a", "crud"));
    configMaps.create(configMap("crud-b", "other"));
    assertThat(created.getMetadata().getUid()).isNotEmpty();
    assertThat(created.getMetadata().getResourceVersion()).isNotEmpty();

    assertThat(configMaps.get("default", "crud-a")).map(c -> c.getData().get("k")).contains("v");
    assertThat(configMaps.get("default", "absent")).isEmpty();
    ObjectList<ConfigMap> selected = configMaps.list("default", ListOptions.labels("app=crud"));
    assertThat(selected.items()).extracting(c -> c.getMetadata().getName()).containsExactly("crud-a");
    assertThat(Long.parseLong(selected.resourceVersion()))
        .isGreaterThanOrEqualTo(Long.parseLong(created.getMetadata().getResourceVersion()));
    assertThat(configMaps.list("", ListOptions.fields("metadata.name=crud-b")).items()).hasSize(1);
    assertThatThrownBy(() -> configMaps.create(configMap("crud-a", "crud")))
        .isInstanceOf(ClusterException.AlreadyExists.class);
  }

  @Test
  void anUpdateFromAStaleResourceVersionIsAConflict() {
    ConfigMap first = configMaps.create(configMap("stale", "x"));
    ConfigMap changed = configMaps.update(new ConfigMapBuilder(first).addToData("k", "w").build());
    assertThat(changed.getData()).containsEntry("k", "w");

    assertThatThrownBy(() -> configMaps.update(new ConfigMapBuilder(first).addToData("k", "z").build()))
        .isInstanceOf(ClusterException.Conflict.class);
    assertThat(configMaps.get("default", "stale").orElseThrow().getData()).containsEntry("k", "w");
  }

  @Test
  void patchesOfEachTypeAndTheStatusSubresource() {
    pods.create(new PodBuilder().withNewMetadata().withName("patched").withNamespace("default").endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage("busybox:1.36").endContainer().endSpec()
        .build());
    Pod smp = pods.patch("default", "patched", PatchType.STRATEGIC_MERGE,
        "{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"busybox:1.37\"}]}}");
    assertThat(smp.getSpec().getContainers()).singleElement()
        .satisfies(c -> assertThat(c.getImage()).isEqualTo("busybox:1.37"));
    Pod merged = pods.patch("default", "patched", PatchType.MERGE, "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
    assertThat(merged.getMetadata().getLabels()).containsEntry("a", "b");
    Pod json = pods.patch("default", "patched", PatchType.JSON,
        "[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"c\":\"d\"}}]");
    assertThat(json.getMetadata().getAnnotations()).containsEntry("c", "d");

    Pod status = pods.patchStatus("default", "patched", PatchType.MERGE,
        "{\"status\":{\"phase\":\"Running\"},\"spec\":{\"activeDeadlineSeconds\":5}}");
    assertThat(status.getStatus().getPhase()).isEqualTo("Running");
    assertThat(status.getSpec().getActiveDeadlineSeconds()).as("a status write keeps the spec").isNull();
    Pod updated = pods.updateStatus(new PodBuilder(status)
        .withStatus(new PodStatusBuilder(status.getStatus()).withPhase("Succeeded").build()).build());
    assertThat(updated.getStatus().getPhase()).isEqualTo("Succeeded");
  }

  @Test
  void theApprovalSubresourceOfACertificateSigningRequestTakesItsConditions() {
    ResourceClient<CertificateSigningRequest> requests = client.resource(Kind.CERTIFICATE_SIGNING_REQUESTS);
    CertificateSigningRequest created = requests.create(new CertificateSigningRequestBuilder().withNewMetadata()
        .withName("approved-" + getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT)).endMetadata()
        .withNewSpec().withRequest(java.util.Base64.getEncoder().encodeToString(
            dev.j8s.apiserver.testing.TestCertificates.requestPem(dev.j8s.apiserver.testing.TestCertificates.newKey(),
                "CN=someone"))).withSignerName("example.com/signer").withUsages("client auth").endSpec().build());

    CertificateSigningRequest approved = requests.updateSubresource(new CertificateSigningRequestBuilder(created)
        .editOrNewStatus().addNewCondition().withType("Approved").withStatus("True").withReason("Test")
        .endCondition().endStatus().build(), "approval");

    assertThat(approved.getStatus().getConditions()).singleElement()
        .satisfies(c -> assertThat(c.getType()).isEqualTo("Approved"));
    assertThat(approved.getSpec().getRequest()).isEqualTo(created.getSpec().getRequest());
    assertThat(requests.get("", created.getMetadata().getName()).orElseThrow().getStatus().getConditions())
        .hasSize(1);
  }

  @Test
  void aDeleteWithFinalizersIsPendingAndPreconditionsAreHonoured() {
    ConfigMap held = configMaps.create(new ConfigMapBuilder(configMap("held", "x")).editMetadata()
        .addToFinalizers("example.com/hold").endMetadata().build());
    assertThatThrownBy(() -> configMaps.delete("default", "held", DeleteOptions.defaults().withUid("not-its-uid")))
        .isInstanceOf(ClusterException.Conflict.class);

    var pending = configMaps.delete("default", "held", DeleteOptions.defaults().withUid(held.getMetadata().getUid()));
    assertThat(pending).isPresent();
    assertThat(pending.get().getMetadata().getDeletionTimestamp()).isNotNull();

    configMaps.patch("default", "held", PatchType.MERGE, "{\"metadata\":{\"finalizers\":null}}");
    assertThat(configMaps.get("default", "held")).isEmpty();

    configMaps.create(configMap("plain", "x"));
    assertThat(configMaps.delete("default", "plain", DeleteOptions.defaults())).isEmpty();
    assertThatThrownBy(() -> configMaps.delete("default", "plain", DeleteOptions.defaults()))
        .isInstanceOf(ClusterException.NotFound.class);
  }

  @Test
  void aWatchFromAListDeliversEveryLaterChangeInOrderAndSelectsLikeTheServer() throws Exception {
    ObjectList<ConfigMap> listed = configMaps.list("default", ListOptions.labels("app=watched"));
    LinkedBlockingQueue<WatchEvent<ConfigMap>> events = new LinkedBlockingQueue<>();
    try (Watch ignored = configMaps.watch("default", ListOptions.labels("app=watched"), listed.resourceVersion(),
        new Watcher<>() {
          @Override
          public void event(WatchEvent<ConfigMap> event) {
            events.add(event);
          }

          @Override
          public void ended(ClusterException cause) {
          }
        })) {
      configMaps.create(configMap("w1", "watched"));
      configMaps.create(configMap("unrelated", "not-watched"));
      configMaps.patch("default", "w1", PatchType.MERGE, "{\"data\":{\"k\":\"2\"}}");
      configMaps.patch("default", "w1", PatchType.MERGE, "{\"metadata\":{\"labels\":{\"app\":\"moved\"}}}");
      configMaps.patch("default", "unrelated", PatchType.MERGE, "{\"metadata\":{\"labels\":{\"app\":\"watched\"}}}");

      assertThat(next(events)).satisfies(e -> {
        assertThat(e.type()).isEqualTo(WatchEvent.Type.ADDED);
        assertThat(e.object().getMetadata().getName()).isEqualTo("w1");
      });
      assertThat(next(events)).satisfies(e -> {
        assertThat(e.type()).isEqualTo(WatchEvent.Type.MODIFIED);
        assertThat(e.object().getData()).containsEntry("k", "2");
      });
      assertThat(next(events).type()).as("no longer selected").isEqualTo(WatchEvent.Type.DELETED);
      assertThat(next(events)).satisfies(e -> {
        assertThat(e.type()).as("newly selected").isEqualTo(WatchEvent.Type.ADDED);
        assertThat(e.object().getMetadata().getName()).isEqualTo("unrelated");
      });
    }
  }
}
