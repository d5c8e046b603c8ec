package dev.j8s.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.api.Cluster;
import dev.j8s.api.ClusterException;
import dev.j8s.api.PodEvent;
import dev.j8s.api.PodSource;
import dev.j8s.apiserver.ApiServer;
import dev.j8s.apiserver.testing.TlsApiServer;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Cluster} must do, against a real j8s API server with a second, independent fabric8
 * client over HTTPS playing kubectl; each implementation runs these in a subclass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClusterContract {

  private static final String TOKEN = "fabric-cluster-token-0123456789";

  /** Each subclass's run gets its own (JUnit sets a static TempDir per test class). */
  @TempDir
  static Path dir;

  ApiServer server;
  Cluster cluster;
  /** A second, independent client playing kubectl. */
  private KubernetesClient admin;

  /** The implementation under test, for {@code server}, whose kubeconfig (the kubelet's token) is {@code kubeconfig}. */
  abstract Cluster connect(ApiServer server, Path kubeconfig);

  @BeforeAll
  void start() throws Exception {
    server = TlsApiServer.start(dir, TOKEN);
    String kubeconfig = TlsApiServer.kubeconfig(server, TOKEN);
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, kubeconfig);
    cluster = connect(server, file);
    admin = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig))
        .withHttpClientFactory(new JdkHttpClientFactory()).build();
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static Pod pod(String name, String node) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withNodeName(node).addNewContainer().withName("main").withImage("busybox:1.36")
        .endContainer().endSpec().build();
  }

  private static PodEvent next(LinkedBlockingQueue<PodEvent> events) throws InterruptedException {
    PodEvent event = events.poll(20, TimeUnit.SECONDS);
    assertThat(event).as("a pod event within 20 s").isNotNull();
    return event;
  }

  @Test
  void watchDeliversOnlyThisNodesPodsInOrderAndResumesAcrossChanges() throws Exception {
    admin.pods().inNamespace("default").resource(pod("before-watch", "worker-a")).create();
    admin.pods().inNamespace("default").resource(pod("elsewhere", "worker-b")).create();
    LinkedBlockingQueue<PodEvent> events = new LinkedBlockingQueue<>();
    try (PodSource source = cluster.watchPods("worker-a", events::add)) {
      assertThat(source.awaitSynced(Duration.ofSeconds(20))).isTrue();
      PodEvent first = next(events);
      assertThat(first).isInstanceOf(PodEvent.Added.class);
      assertThat(first.pod().getMetadata().getName()).isEqualTo("before-watch");
      assertThat(source.pods()).extracting(p -> p.getMetadata().getName()).containsExactly("before-watch");

      admin.pods().inNamespace("default").resource(pod("during-watch", "worker-a")).create();
      PodEvent added = next(events);
      assertThat(added).isInstanceOf(PodEvent.Added.class);
      assertThat(added.pod().getMetadata().getName()).isEqualTo("during-watch");

      admin.pods().inNamespace("default").withName("during-watch")
          .edit(p -> new PodBuilder(p).editMetadata().addToLabels("step", "1").endMetadata().build());
      PodEvent updated = next(events);
      assertThat(updated).isInstanceOf(PodEvent.Updated.class);
      assertThat(updated.pod().getMetadata().getLabels()).containsEntry("step", "1");
      assertThat(((PodEvent.Updated) updated).old().getMetadata().getLabels()).doesNotContainKey("step");

      Pod current = cluster.pod("default", "during-watch").orElseThrow();
      assertThat(cluster.deletePod("default", "during-watch", current.getMetadata().getUid())).isTrue();
      PodEvent deleted = next(events);
      assertThat(deleted).isInstanceOf(PodEvent.Deleted.class);
      assertThat(deleted.pod().getMetadata().getName()).isEqualTo("during-watch");
      assertThat(events.poll(500, TimeUnit.MILLISECONDS)).as("no event for worker-b's pod").isNull();
    }
  }

  @Test
  void podStatusIsWrittenThroughTheStatusSubresourceAndSkippedForAnotherUid() {
    Pod created = admin.pods().inNamespace("default").resource(pod("status-pod", "worker-c")).create();
    String uid = created.getMetadata().getUid();
    var status = new PodStatusBuilder().withPhase("Running").withHostIP("127.0.0.1")
        .addNewCondition().withType("Ready").withStatus("True").endCondition().build();

    Pod written = cluster.updatePodStatus("default", "status-pod", uid, status).orElseThrow();
    assertThat(written.getStatus().getPhase()).isEqualTo("Running");
    Pod read = admin.pods().inNamespace("default").withName("status-pod").get();
    assertThat(read.getStatus().getHostIP()).isEqualTo("127.0.0.1");
    assertThat(read.getSpec().getContainers()).hasSize(1);

    var withMessage = new PodStatusBuilder(status).withMessage("starting").withReason("Because").build();
    assertThat(cluster.updatePodStatus("default", "status-pod", uid, withMessage).orElseThrow().getStatus()
        .getMessage()).isEqualTo("starting");
    Pod replaced = cluster.updatePodStatus("default", "status-pod", uid, status).orElseThrow();
    assertThat(replaced.getStatus().getMessage()).as("fields the new status leaves out are cleared").isNull();
    assertThat(replaced.getStatus().getReason()).isNull();
    assertThat(replaced.getStatus().getConditions()).extracting(c -> c.getType()).containsExactly("Ready");

    assertThat(cluster.updatePodStatus("default", "status-pod", "another-uid", withMessage)).isEmpty();
    assertThat(admin.pods().inNamespace("default").withName("status-pod").get().getStatus().getMessage())
        .as("a status for another uid changes nothing").isNull();
    assertThat(cluster.updatePodStatus("default", "no-such-pod", uid, status)).isEmpty();
  }

  @Test
  void deleteWithTheWrongUidLeavesThePodAndAMissingPodIsNotAnError() {
    Pod created = admin.pods().inNamespace("default").resource(pod("uid-guard", "worker-d")).create();
    assertThat(cluster.deletePod("default", "uid-guard", "00000000-0000-0000-0000-000000000000")).isFalse();
    assertThat(cluster.pod("default", "uid-guard")).isPresent();
    assertThat(cluster.deletePod("default", "uid-guard", created.getMetadata().getUid())).isTrue();
    assertThat(cluster.pod("default", "uid-guard")).isEmpty();
    assertThat(cluster.deletePod("default", "uid-guard", created.getMetadata().getUid())).isFalse();
  }

  @Test
  void secretsConfigMapsServiceAccountsAndServicesAreRead() {
    admin.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("creds")
        .endMetadata().withStringData(Map.of("user", "me")).build()).create();
    admin.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
        .withName("settings").endMetadata().withData(Map.of("mode", "fast")).build()).create();
    admin.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("web")
        .endMetadata().withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create();

    assertThat(cluster.secret("default", "creds").orElseThrow().getData()).containsKey("user");
    assertThat(cluster.configMap("default", "settings").orElseThrow().getData()).containsEntry("mode", "fast");
    assertThat(cluster.secret("default", "nope")).isEmpty();
    assertThat(cluster.configMap("default", "nope")).isEmpty();
    assertThat(cluster.services("default")).extracting(s -> s.getMetadata().getName()).contains("web");
    // The ServiceAccount controller creates "default" shortly after the namespace exists.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (cluster.serviceAccount("default", "default").isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(cluster.serviceAccount("default", "default")).isPresent();
    assertThat(cluster.serviceAccount("default", "nope")).isEmpty();
  }

  @Test
  void eventsAreCreatedAndThenUpdatedWithACount() {
    String now = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).toInstant().toString();
    Event event = new EventBuilder().withNewMetadata().withName("busy.17f0a").withNamespace("default").endMetadata()
        .withNewInvolvedObject().withKind("Pod").withNamespace("default").withName("busy").withApiVersion("v1")
        .endInvolvedObject().withReason("Started").withMessage("Started container main").withType("Normal")
        .withCount(1).withFirstTimestamp(now).withLastTimestamp(now)
        .withNewSource().withComponent("kubelet").withHost("worker-e").endSource().build();
    Event created = cluster.createEvent(event);
    assertThat(created.getMetadata().getResourceVersion()).isNotBlank();
    Event updated = cluster.updateEvent(new EventBuilder(created).withCount(2).build());
    assertThat(updated.getCount()).isEqualTo(2);
    assertThat(admin.v1().events().inNamespace("default").withName("busy.17f0a").get().getCount()).isEqualTo(2);
    assertThatThrownBy(() -> cluster.createEvent(event)).isInstanceOf(ClusterException.AlreadyExists.class);
  }

  @Test
  void nodesAreRegisteredUpdatedAndTheirStatusWrittenSeparately() {
    assertThat(cluster.node("agent-1")).isEmpty();
    Node created = cluster.createNode(new NodeBuilder().withNewMetadata().withName("agent-1")
        .addToLabels("kubernetes.io/hostname", "agent-1").endMetadata().build());
    assertThatThrownBy(() -> cluster.createNode(new NodeBuilder().withNewMetadata().withName("agent-1").endMetadata().build())).isInstanceOf(ClusterException.AlreadyExists.class);

    Node labelled = cluster.updateNode(new NodeBuilder(created).editMetadata()
        .addToLabels("kubernetes.io/os", "linux").endMetadata().build());
    assertThat(labelled.getMetadata().getLabels()).containsEntry("kubernetes.io/os", "linux");

    Node withStatus = cluster.updateNodeStatus(new NodeBuilder(labelled).withNewStatus()
        .addToConditions(new NodeConditionBuilder().withType("Ready").withStatus("True")
            .withReason("KubeletReady").withMessage("kubelet is posting ready status").build())
        .endStatus().build());
    assertThat(withStatus.getStatus().getConditions()).extracting(c -> c.getReason()).containsExactly("KubeletReady");
    assertThat(cluster.node("agent-1").orElseThrow().getStatus().getConditions()).hasSize(1);

    assertThatThrownBy(() -> cluster.updateNode(created)).as("stale resourceVersion")
        .isInstanceOf(ClusterException.Conflict.class);
  }

  @Test
  void nodeLeasesAreCreatedRenewedAndGuardedByResourceVersion() {
    assertThat(cluster.lease("agent-2")).isEmpty();
    Lease lease = cluster.createLease(new LeaseBuilder().withNewMetadata().withName("agent-2")
        .withNamespace(Cluster.NODE_LEASE_NAMESPACE).endMetadata().withNewSpec().withHolderIdentity("agent-2")
        .withLeaseDurationSeconds(40).withRenewTime(ZonedDateTime.now()).endSpec().build());
    Lease renewed = cluster.updateLease(new LeaseBuilder(lease).editSpec()
        .withRenewTime(ZonedDateTime.now().plusSeconds(10)).endSpec().build());
    assertThat(renewed.getMetadata().getResourceVersion()).isNotEqualTo(lease.getMetadata().getResourceVersion());
    assertThat(cluster.lease("agent-2").orElseThrow().getSpec().getHolderIdentity()).isEqualTo("agent-2");
    assertThatThrownBy(() -> cluster.updateLease(lease)).isInstanceOf(ClusterException.Conflict.class);
  }
}
