package dev.j8s.apiserver.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.Cluster;
import dev.j8s.api.ClusterException;
import dev.j8s.api.PodEvent;
import dev.j8s.api.PodSource;
import dev.j8s.apiserver.admission.ServiceIpAllocator;
import dev.j8s.apiserver.controllers.Controllers;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import dev.j8s.apiserver.rest.DeleteOptions;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.storage.SqliteStore;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link InProcessCluster} against a real {@link ObjectService} over a SQLite store. */
class InProcessClusterTest {

    @TempDir
    Path dir;

    private SqliteStore store;
    private ObjectService objects;
    private InProcessCluster cluster;

    private void start(int retainedRevisions) {
        store = SqliteStore.open(dir.resolve("state.db"), retainedRevisions);
        objects = ObjectService.over(store, Resources.builtin(), new ServiceIpAllocator("10.96.0.0/12"), Set.of(),
                Clock.systemUTC());
        try (Controllers controllers = new Controllers(objects, "node1", "10.96.0.1", 6443, "",
                dev.j8s.apiserver.testing.TestTokens.over(store, Clock.systemUTC()))) {
            controllers.bootstrap(); // namespaces and their default service accounts
        }
        cluster = InProcessCluster.of(objects);
    }

    private void start() {
        start(SqliteStore.DEFAULT_RETAINED_REVISIONS);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private ResourceType pods() {
        return objects.resources().find("", "v1", "pods").orElseThrow();
    }

    private static Pod pod(String name, String node) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("main").withImage("busybox:1.36")
                .endContainer().endSpec().build();
    }

    /** Creates a pod as kubectl would, through the verbs (not the Cluster under test). */
    private Pod create(Pod pod) {
        return Trees.fromTree(objects.create(pods(), "default", Trees.toTree(pod), false), Pod.class);
    }

    private void relabel(String name, String step) {
        byte[] patch = ("{\"metadata\":{\"labels\":{\"step\":\"" + step + "\"}}}").getBytes();
        objects.patch(pods(), "default", name, dev.j8s.apiserver.patch.PatchType.MERGE_PATCH, patch, "", false);
    }

    private void remove(String name) {
        objects.delete(pods(), "default", name, DeleteOptions.defaults().withGracePeriod(0));
    }

    private static PodEvent next(LinkedBlockingQueue<PodEvent> events) throws InterruptedException {
        PodEvent event = events.poll(10, TimeUnit.SECONDS);
        assertThat(event).as("a pod event within 10 s").isNotNull();
        return event;
    }

    private static String describe(PodEvent event) {
        String name = event.pod().getMetadata().getName();
        return switch (event) {
            case PodEvent.Added a -> "Added " + name;
            case PodEvent.Updated u -> "Updated " + name;
            case PodEvent.Deleted d -> "Deleted " + name + (d.finalStateUnknown() ? " (final state unknown)" : "");
        };
    }

    // ---------------------------------------------------------------- the watch

    @Test
    void watchListsThisNodesPodsThenDeliversAddsUpdatesAndDeletesInOrder() throws Exception {
        start();
        create(pod("before-watch", "worker-a"));
        create(pod("elsewhere", "worker-b"));
        LinkedBlockingQueue<PodEvent> events = new LinkedBlockingQueue<>();
        try (PodSource source = cluster.watchPods("worker-a", events::add)) {
            assertThat(source.awaitSynced(Duration.ofSeconds(10))).isTrue();
            assertThat(describe(next(events))).isEqualTo("Added before-watch");
            assertThat(source.pods()).extracting(p -> p.getMetadata().getName()).containsExactly("before-watch");

            create(pod("during-watch", "worker-a"));
            create(pod("elsewhere-too", "worker-b"));
            relabel("during-watch", "1");
            remove("during-watch");

            PodEvent added = next(events);
            assertThat(describe(added)).isEqualTo("Added during-watch");
            PodEvent updated = next(events);
            assertThat(describe(updated)).isEqualTo("Updated during-watch");
            assertThat(updated.pod().getMetadata().getLabels()).containsEntry("step", "1");
            assertThat(((PodEvent.Updated) updated).old().getMetadata().getLabels()).isNullOrEmpty();
            PodEvent deleted = next(events);
            assertThat(describe(deleted)).isEqualTo("Deleted during-watch");
            assertThat(deleted.pod().getMetadata().getLabels()).containsEntry("step", "1");
            assertThat(events.poll(300, TimeUnit.MILLISECONDS)).as("nothing for worker-b's pods").isNull();
            assertThat(source.pods()).extracting(p -> p.getMetadata().getName()).containsExactly("before-watch");
        }
    }

    @Test
    void aPodBoundToTheNodeLaterArrivesAsAdded() throws Exception {
        start();
        create(pod("pending", null));
        LinkedBlockingQueue<PodEvent> events = new LinkedBlockingQueue<>();
        try (PodSource source = cluster.watchPods("worker-a", events::add)) {
            assertThat(source.awaitSynced(Duration.ofSeconds(10))).isTrue();
            assertThat(source.pods()).isEmpty();
            objects.bind("default", "pending", "worker-a");
            PodEvent event = next(events);
            assertThat(describe(event)).isEqualTo("Added pending");
            assertThat(event.pod().getSpec().getNodeName()).isEqualTo("worker-a");
            assertThat(event.pod().getStatus().getConditions()).extracting(c -> c.getType()).contains("PodScheduled");
        }
    }

    @Test
    void aWatchThatFallsBehindRelistsAndReportsPodsThatVanishedMeanwhileAsFinalStateUnknown() throws Exception {
        start();
        create(pod("stays", "worker-a"));
        create(pod("vanishes", "worker-a"));
        LinkedBlockingQueue<PodEvent> events = new LinkedBlockingQueue<>();
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> blockOn = new AtomicReference<>("");
        Consumer<PodEvent> handler = event -> {
            events.add(event);
            if (event.pod().getMetadata().getName().equals(blockOn.get())) {
                blocked.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (PodSource source = cluster.watchPods("worker-a", handler, 3)) {
            assertThat(source.awaitSynced(Duration.ofSeconds(10))).isTrue();
            assertThat(List.of(describe(next(events)), describe(next(events))))
                    .containsExactlyInAnyOrder("Added stays", "Added vanishes");
            blockOn.set("first");
            create(pod("first", "worker-a"));
            assertThat(blocked.await(10, TimeUnit.SECONDS)).as("the handler is busy with 'first'").isTrue();
            remove("vanishes");
            create(pod("later", "worker-a"));
            relabel("later", "1");
            relabel("later", "2"); // the fourth queued change overflows the queue of three
            release.countDown();

            assertThat(describe(next(events))).isEqualTo("Added first");
            List<String> relisted = List.of(describe(next(events)), describe(next(events)));
            assertThat(relisted).containsExactly("Deleted vanishes (final state unknown)", "Added later");
            assertThat(events.poll(300, TimeUnit.MILLISECONDS)).as("unchanged pods are not redelivered").isNull();
            assertThat(source.pods()).extracting(p -> p.getMetadata().getName())
                    .containsExactlyInAnyOrder("stays", "first", "later");

            relabel("stays", "after-relist");
            assertThat(describe(next(events))).as("the watch resumed after the relist").isEqualTo("Updated stays");
        }
    }

    @Test
    void aWatchWhoseRevisionWasCompactedRelistsAndDiffs() throws Exception {
        start(3);
        create(pod("vanishes", "worker-a"));
        LinkedBlockingQueue<PodEvent> events = new LinkedBlockingQueue<>();
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Consumer<PodEvent> handler = event -> {
            events.add(event);
            if (blocked.getCount() > 0) {
                blocked.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS); // holds the informer between its list and its watch
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (PodSource source = cluster.watchPods("worker-a", handler)) {
            assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
            remove("vanishes");
            create(pod("appears", "worker-a"));
            for (int i = 0; i < 4; i++) {
                relabel("appears", Integer.toString(i)); // more writes than the store retains
            }
            release.countDown();
            assertThat(source.awaitSynced(Duration.ofSeconds(10))).isTrue();
            assertThat(describe(next(events))).isEqualTo("Added vanishes");
            assertThat(describe(next(events))).isEqualTo("Deleted vanishes (final state unknown)");
            PodEvent appears = next(events);
            assertThat(describe(appears)).isEqualTo("Added appears");
            assertThat(appears.pod().getMetadata().getLabels()).as("the relisted state").containsEntry("step", "3");
            assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
            relabel("appears", "after-relist");
            assertThat(describe(next(events))).as("the watch resumed after the relist").isEqualTo("Updated appears");
        }
    }

    @Test
    void closeStopsDeliveryAndTheClusterClosesItsWatches() throws Exception {
        start();
        LinkedBlockingQueue<PodEvent> events = new LinkedBlockingQueue<>();
        PodSource source = cluster.watchPods("worker-a", events::add);
        assertThat(source.awaitSynced(Duration.ofSeconds(10))).isTrue();
        source.close();
        create(pod("after-close", "worker-a"));
        assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();

        PodSource second = cluster.watchPods("worker-a", events::add);
        assertThat(second.awaitSynced(Duration.ofSeconds(10))).isTrue();
        assertThat(describe(next(events))).isEqualTo("Added after-close");
        cluster.close();
        create(pod("after-cluster-close", "worker-a"));
        assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    // ---------------------------------------------------------------- pods

    @Test
    void podStatusIsOneMergePatchThatReplacesTheStatusAndIsSkippedForAnotherUid() {
        start();
        Pod created = create(pod("status-pod", "worker-c"));
        String uid = created.getMetadata().getUid();
        PodStatus status = new PodStatusBuilder().withPhase("Running").withHostIP("127.0.0.1")
                .addNewCondition().withType("Ready").withStatus("True").endCondition().build();

        Pod written = cluster.updatePodStatus("default", "status-pod", uid, status).orElseThrow();
        assertThat(written.getStatus().getPhase()).isEqualTo("Running");
        assertThat(written.getSpec().getContainers()).hasSize(1);
        assertThat(written.getMetadata().getResourceVersion()).isNotEqualTo(created.getMetadata().getResourceVersion());

        PodStatus withMessage = new PodStatusBuilder(status).withMessage("starting").withReason("Because").build();
        assertThat(cluster.updatePodStatus("default", "status-pod", uid, withMessage).orElseThrow()
                .getStatus().getMessage()).isEqualTo("starting");
        Pod replaced = cluster.updatePodStatus("default", "status-pod", uid, status).orElseThrow();
        assertThat(replaced.getStatus().getMessage()).as("fields the new status leaves out are cleared").isNull();
        assertThat(replaced.getStatus().getReason()).isNull();
        assertThat(replaced.getStatus().getConditions()).extracting(c -> c.getType()).containsExactly("Ready");

        assertThat(cluster.updatePodStatus("default", "status-pod", "another-uid", withMessage)).isEmpty();
        assertThat(cluster.pod("default", "status-pod").orElseThrow().getStatus().getMessage())
                .as("a status for another uid changes nothing").isNull();
        assertThat(cluster.updatePodStatus("default", "no-such-pod", uid, status)).isEmpty();
    }

    @Test
    void aStatusForAPodRecreatedUnderTheSameNameIsNotWritten() {
        start();
        String oldUid = create(pod("reborn", "worker-c")).getMetadata().getUid();
        remove("reborn");
        create(pod("reborn", "worker-c"));
        PodStatus status = new PodStatusBuilder().withPhase("Failed").build();
        assertThat(cluster.updatePodStatus("default", "reborn", oldUid, status)).isEmpty();
        assertThat(cluster.pod("default", "reborn").orElseThrow().getStatus().getPhase()).isEqualTo("Pending");
    }

    @Test
    void apiErrorsBecomeTheClusterExceptionsFabricClusterRaisesForTheSameStatus() {
        assertThat(InProcessCluster.translate("create node n", new ApiError.AlreadyExists("nodes", "n")))
                .isInstanceOf(ClusterException.AlreadyExists.class)
                .hasMessage("create node n: nodes \"n\" already exists");
        assertThat(InProcessCluster.translate("update node n", new ApiError.Conflict("nodes", "n")))
                .isInstanceOf(ClusterException.Conflict.class);
        assertThat(InProcessCluster.translate("get pod d/p", new ApiError.NotFound("pods", "p")))
                .isInstanceOf(ClusterException.NotFound.class).hasMessage("get pod d/p: pods \"p\" not found");
        assertThat(InProcessCluster.translate("x", new ApiError.BadRequest("no")).code()).isEqualTo(400);
    }

    @Test
    void anInvalidObjectIsRefusedByValidationWithTheApiServersMessage() {
        start();
        assertThatThrownBy(() -> cluster.createNode(new NodeBuilder().withNewMetadata().withName("Not_A_Name")
                .endMetadata().build()))
                .isInstanceOfSatisfying(ClusterException.Failed.class, e -> assertThat(e.code()).isEqualTo(422))
                .hasMessageStartingWith("create node Not_A_Name: Node \"Not_A_Name\" is invalid: metadata.name: Invalid value:");
        assertThatThrownBy(() -> cluster.createEvent(new EventBuilder().withNewMetadata().withName("no-namespace")
                .endMetadata().build()))
                .isInstanceOfSatisfying(ClusterException.Failed.class, e -> assertThat(e.code()).isEqualTo(405));
    }

    @Test
    void deleteWithTheWrongUidLeavesThePodAndAMissingPodIsNotAnError() {
        start();
        Pod created = create(pod("uid-guard", "worker-d"));
        assertThat(cluster.deletePod("default", "uid-guard", "00000000-0000-0000-0000-000000000000")).isFalse();
        assertThat(cluster.pod("default", "uid-guard")).isPresent();
        assertThat(cluster.deletePod("default", "uid-guard", created.getMetadata().getUid())).isTrue();
        assertThat(cluster.pod("default", "uid-guard")).isEmpty();
        assertThat(cluster.deletePod("default", "uid-guard", created.getMetadata().getUid())).isFalse();
    }

    @Test
    void deleteConfirmsAGracefulDeletionAtOnce() {
        start();
        Pod created = create(pod("graceful", "worker-d"));
        cluster.createLease(new LeaseBuilder().withNewMetadata().withName("worker-d")
                .withNamespace(Cluster.NODE_LEASE_NAMESPACE).endMetadata().withNewSpec().withHolderIdentity("worker-d")
                .withLeaseDurationSeconds(40).withRenewTime(ZonedDateTime.now()).endSpec().build());
        objects.delete(pods(), "default", "graceful", DeleteOptions.defaults()); // kubectl delete: 30 s grace
        assertThat(cluster.pod("default", "graceful").orElseThrow().getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(cluster.deletePod("default", "graceful", created.getMetadata().getUid())).isTrue();
        assertThat(cluster.pod("default", "graceful")).isEmpty();
    }

    // ---------------------------------------------------------------- reads

    @Test
    void secretsConfigMapsServiceAccountsAndServicesAreRead() {
        start();
        create(objects, "secrets", new SecretBuilder().withNewMetadata().withName("creds").endMetadata()
                .withStringData(Map.of("user", "me")).build());
        create(objects, "configmaps", new ConfigMapBuilder().withNewMetadata().withName("settings").endMetadata()
                .withData(Map.of("mode", "fast")).build());
        create(objects, "services", new ServiceBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().addNewPort().withPort(80).endPort().endSpec().build());

        assertThat(cluster.secret("default", "creds").orElseThrow().getData()).containsEntry("user", "bWU=");
        assertThat(cluster.configMap("default", "settings").orElseThrow().getData()).containsEntry("mode", "fast");
        assertThat(cluster.secret("default", "nope")).isEmpty();
        assertThat(cluster.configMap("default", "nope")).isEmpty();
        assertThat(cluster.services("default")).extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder("kubernetes", "web");
        assertThat(cluster.services("default")).filteredOn(s -> s.getMetadata().getName().equals("web"))
                .extracting(s -> s.getSpec().getClusterIP()).singleElement().asString().startsWith("10.");
        assertThat(cluster.serviceAccount("default", "default")).isPresent();
        assertThat(cluster.serviceAccount("default", "nope")).isEmpty();
    }

    private static void create(ObjectService objects, String plural, Object object) {
        objects.create(objects.resources().find("", "v1", plural).orElseThrow(), "default", Trees.toTree(object), false);
    }

    // ---------------------------------------------------------------- events, nodes, leases

    @Test
    void eventsAreCreatedAndThenUpdatedWithACount() {
        start();
        String now = ZonedDateTime.now(ZoneOffset.UTC).withNano(0).toInstant().toString();
        Event event = new EventBuilder().withNewMetadata().withName("busy.17f0a").withNamespace("default").endMetadata()
                .withNewInvolvedObject().withKind("Pod").withNamespace("default").withName("busy").withApiVersion("v1")
                .endInvolvedObject().withReason("Started").withMessage("Started container main").withType("Normal")
                .withCount(1).withFirstTimestamp(now).withLastTimestamp(now)
                .withNewSource().withComponent("kubelet").withHost("worker-e").endSource().build();
        Event created = cluster.createEvent(event);
        assertThat(created.getMetadata().getResourceVersion()).isNotBlank();
        assertThat(created.getFirstTimestamp()).isEqualTo(now);
        Event updated = cluster.updateEvent(new EventBuilder(created).withCount(2).build());
        assertThat(updated.getCount()).isEqualTo(2);
        assertThatThrownBy(() -> cluster.createEvent(event))
                .isInstanceOf(ClusterException.AlreadyExists.class)
                .hasMessage("create event default/busy.17f0a: events \"busy.17f0a\" already exists");
        assertThatThrownBy(() -> cluster.updateEvent(new EventBuilder(created).withCount(3).build()))
                .as("stale resourceVersion").isInstanceOf(ClusterException.Conflict.class);
    }

    @Test
    void nodesAreRegisteredUpdatedAndTheirStatusWrittenSeparately() {
        start();
        assertThat(cluster.node("agent-1")).isEmpty();
        Node created = cluster.createNode(new NodeBuilder().withNewMetadata().withName("agent-1")
                .addToLabels("kubernetes.io/hostname", "agent-1").endMetadata().build());
        assertThatThrownBy(() -> cluster.createNode(new NodeBuilder().withNewMetadata().withName("agent-1")
                .endMetadata().build()))
                .isInstanceOf(ClusterException.AlreadyExists.class)
                .hasMessage("create node agent-1: nodes \"agent-1\" already exists");

        Node labelled = cluster.updateNode(new NodeBuilder(created).editMetadata()
                .addToLabels("kubernetes.io/os", "linux").endMetadata().build());
        assertThat(labelled.getMetadata().getLabels()).containsEntry("kubernetes.io/os", "linux");

        Node withStatus = cluster.updateNodeStatus(new NodeBuilder(labelled).withNewStatus()
                .addToConditions(new NodeConditionBuilder().withType("Ready").withStatus("True")
                        .withReason("KubeletReady").withMessage("kubelet is posting ready status").build())
                .addToCapacity("cpu", new Quantity("2")).addToCapacity("memory", new Quantity("4012Mi"))
                .endStatus().build());
        assertThat(withStatus.getStatus().getConditions()).extracting(c -> c.getReason()).containsExactly("KubeletReady");
        Node read = cluster.node("agent-1").orElseThrow();
        assertThat(read.getStatus().getCapacity()).containsEntry("memory", new Quantity("4012Mi"));
        assertThat(Json.text(objects.store().get("nodes", "", "agent-1").orElseThrow(), "status.capacity.memory"))
                .as("quantities are stored as upstream writes them").isEqualTo("4012Mi");

        assertThatThrownBy(() -> cluster.updateNode(created)).as("stale resourceVersion")
                .isInstanceOf(ClusterException.Conflict.class)
                .hasMessageStartingWith("update node agent-1: Operation cannot be fulfilled on nodes \"agent-1\"");
    }

    @Test
    void nodeLeasesAreCreatedRenewedAndGuardedByResourceVersion() {
        start();
        assertThat(cluster.lease("agent-2")).isEmpty();
        ZonedDateTime renewTime = ZonedDateTime.of(2026, 3, 4, 5, 6, 7, 123_456_000, ZoneOffset.UTC);
        Lease lease = cluster.createLease(new LeaseBuilder().withNewMetadata().withName("agent-2")
                .withNamespace(Cluster.NODE_LEASE_NAMESPACE).endMetadata().withNewSpec().withHolderIdentity("agent-2")
                .withLeaseDurationSeconds(40).withRenewTime(renewTime).endSpec().build());
        assertThat(Json.text(objects.store().get("leases.coordination.k8s.io", Cluster.NODE_LEASE_NAMESPACE, "agent-2")
                .orElseThrow(), "spec.renewTime")).as("MicroTime as upstream writes it")
                .isEqualTo("2026-03-04T05:06:07.123456Z");
        assertThat(lease.getSpec().getRenewTime()).isEqualTo(renewTime);
        Lease renewed = cluster.updateLease(new LeaseBuilder(lease).editSpec()
                .withRenewTime(renewTime.plusSeconds(10)).endSpec().build());
        assertThat(renewed.getMetadata().getResourceVersion()).isNotEqualTo(lease.getMetadata().getResourceVersion());
        assertThat(cluster.lease("agent-2").orElseThrow().getSpec().getRenewTime()).isEqualTo(renewTime.plusSeconds(10));
        assertThatThrownBy(() -> cluster.updateLease(lease)).isInstanceOf(ClusterException.Conflict.class);
        assertThatThrownBy(() -> cluster.createLease(new LeaseBuilder(lease).editMetadata().withNamespace("default")
                .withResourceVersion(null).endMetadata().build()))
                .isInstanceOfSatisfying(ClusterException.Failed.class, e -> assertThat(e.code()).isEqualTo(400))
                .hasMessage("create lease default/agent-2: the namespace of the provided object does not match"
                        + " the namespace sent on the request");
    }

    // ---------------------------------------------------------------- conversion

    @Test
    void podsRoundTripThroughTheServersTreesWithQuantitiesAndTimestamps() {
        start();
        Pod pod = new PodBuilder(pod("resources", "worker-f")).editSpec().editFirstContainer().withNewResources()
                .addToRequests("cpu", new Quantity("100m")).addToLimits("memory", new Quantity("64Mi"))
                .endResources().endContainer().endSpec().build();
        Pod created = create(pod);
        ObjectNode stored = objects.store().get("pods", "default", "resources").orElseThrow();
        assertThat(stored.at("/spec/containers/0/resources/requests/cpu").asText()).isEqualTo("100m");
        assertThat(stored.at("/spec/containers/0/resources/limits/memory").asText()).isEqualTo("64Mi");
        Pod read = cluster.pod("default", "resources").orElseThrow();
        assertThat(read).isEqualTo(created);
        assertThat(read.getSpec().getContainers().getFirst().getResources().getRequests())
                .containsEntry("cpu", new Quantity("100m"));
        assertThat(read.getMetadata().getCreationTimestamp()).isEqualTo(Json.text(stored, "metadata.creationTimestamp"));
        assertThat(Trees.toTree(read)).isEqualTo(stored);
    }

    @Test
    void eventsWithAMicroTimeRoundTrip() {
        start();
        Event event = new EventBuilder().withNewMetadata().withName("micro.1").withNamespace("default").endMetadata()
                .withNewInvolvedObject().withKind("Pod").withNamespace("default").withName("busy").endInvolvedObject()
                .withReason("Pulled").withMessage("pulled").withType("Normal")
                .withEventTime(new MicroTime("2026-03-04T05:06:07.123456Z"))
                .withReportingComponent("kubelet").withReportingInstance("worker-e").withAction("Pull")
                .build();
        Event created = cluster.createEvent(event);
        assertThat(created.getEventTime().getTime()).isEqualTo("2026-03-04T05:06:07.123456Z");
    }
}
