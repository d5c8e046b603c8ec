package dev.j8s.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.Cluster;
import dev.j8s.api.PodEvent;
import dev.j8s.api.PodSource;
import dev.j8s.kubelet.images.FakeImageService;
import dev.j8s.kubelet.kuberuntime.FakeRuntime;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet as a whole against a fake API and a fake runtime: what it writes to the API, in what order. */
class KubeletTest {

    private static final String IMAGE = "docker.io/library/busybox:1.36";

    @TempDir
    Path dir;

    private Kubelet kubelet;
    private final FakeRuntime runtime = new FakeRuntime(Clock.systemUTC());

    @AfterEach
    void close() {
        if (kubelet != null) {
            kubelet.close();
        }
    }

    /**
     * An API that keeps the node and its lease in memory and records the pod status writes and the events in the
     * order they reach it; thread-safe.
     */
    static final class RecordingCluster implements Cluster {
        final List<String> writes = new CopyOnWriteArrayList<>();
        final CountDownLatch started = new CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicInteger versions = new java.util.concurrent.atomic.AtomicInteger(100);
        volatile Consumer<PodEvent> handler;
        volatile Node node;
        volatile Lease lease;

        @Override
        public PodSource watchPods(String nodeName, Consumer<PodEvent> handler) {
            this.handler = handler;
            return new PodSource() {
                @Override public boolean awaitSynced(Duration timeout) { return true; }
                @Override public List<Pod> pods() { return List.of(); }
                @Override public void close() { }
            };
        }

        @Override
        public Optional<Pod> updatePodStatus(String namespace, String name, String uid, PodStatus status) {
            if ("Running".equals(status.getPhase())) {
                try {
                    // an event of the sync sent before this write reaches the API meanwhile (it is asynchronous)
                    started.await(300, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String version = Integer.toString(versions.incrementAndGet());
            writes.add("status " + status.getPhase() + " ready=" + status.getConditions().stream()
                    .filter(c -> c.getType().equals("Ready")).map(c -> c.getStatus()).findFirst().orElse("-"));
            return Optional.of(new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).withUid(uid)
                    .withResourceVersion(version).endMetadata().withStatus(status)
                    .build());
        }

        @Override
        public Event createEvent(Event event) {
            writes.add("event " + event.getReason());
            if (event.getReason().equals("Started")) {
                started.countDown();
            }
            return event;
        }

        @Override public Event updateEvent(Event event) { return createEvent(event); }
        @Override public List<Service> services(String namespace) { return List.of(); }
        @Override public Optional<Node> node(String name) { return Optional.ofNullable(node); }
        @Override public Node createNode(Node n) {
            node = new NodeBuilder(n).editMetadata().withUid("node-uid").endMetadata().build();
            return node;
        }
        @Override public Node updateNode(Node n) { node = n; return n; }
        @Override public Node updateNodeStatus(Node n) { node = n; return n; }
        @Override public Optional<Lease> lease(String nodeName) { return Optional.ofNullable(lease); }
        @Override public Lease createLease(Lease l) { lease = l; return l; }
        @Override public Lease updateLease(Lease l) { lease = l; return l; }
        @Override public Optional<Pod> pod(String namespace, String name) { return Optional.empty(); }
        @Override public Optional<Secret> secret(String namespace, String name) { return Optional.empty(); }
        @Override public Optional<ConfigMap> configMap(String namespace, String name) { return Optional.empty(); }
        @Override public Optional<PersistentVolumeClaim> persistentVolumeClaim(String namespace, String name) { return Optional.empty(); }
        @Override public Optional<PersistentVolume> persistentVolume(String name) { return Optional.empty(); }
        @Override public Optional<ServiceAccount> serviceAccount(String namespace, String name) { return Optional.empty(); }
        @Override public TokenRequest createToken(String namespace, String serviceAccount, TokenRequest request) {
            throw new UnsupportedOperationException("no token volumes here");
        }
        @Override public boolean deletePod(String namespace, String name, String uid) { return true; }
        @Override public void close() { }
    }

    private RecordingCluster startKubelet() {
        RecordingCluster cluster = new RecordingCluster();
        FakeImageService images = new FakeImageService();
        images.add(IMAGE);
        Clock clock = Clock.systemUTC();
        kubelet = new Kubelet(KubeletConfig.of("box", dir.resolve("data"), dir.resolve("run"), dir.resolve("no-runc")),
                cluster, runtime, images, clock);
        kubelet.start();
        return cluster;
    }

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withNamespace("default").withName("web").withUid("uid-1").endMetadata()
                .withNewSpec().withNodeName("box").withAutomountServiceAccountToken(false).withEnableServiceLinks(false)
                .addNewContainer().withName("main").withImage("busybox:1.36").withImagePullPolicy("IfNotPresent")
                .endContainer().endSpec().withNewStatus().withPhase("Pending").endStatus().build();
    }

    private static void await(RecordingCluster cluster, Predicate<List<String>> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.test(cluster.writes)) {
            assertThat(System.nanoTime() - deadline).as("writes so far: " + cluster.writes).isNegative();
            Thread.sleep(5);
        }
    }

    @Test
    void aStartedPodsStatusIsWrittenBeforeTheEventsOfItsSyncWhichAllFollow() throws Exception {
        RecordingCluster cluster = startKubelet();

        cluster.handler.accept(new PodEvent.Added(pod()));

        await(cluster, w -> w.contains("event Started") && w.contains("status Running ready=True"));
        List<String> writes = List.copyOf(cluster.writes);
        assertThat(writes).containsSubsequence("status Running ready=True", "event Pulled")
                .containsSubsequence("status Running ready=True", "event Created")
                .containsSubsequence("status Running ready=True", "event Started");
    }

    @Test
    void theStartedEventIsWrittenWhileAPostStartHookRuns() throws Exception {
        RecordingCluster cluster = startKubelet();
        runtime.onExec(command -> {
            try {
                cluster.started.await(10, TimeUnit.SECONDS); // the hook ends once the Started event was written
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return FakeRuntime.Exec.ok();
        });
        Pod pod = new PodBuilder(pod()).editSpec().editFirstContainer().withNewLifecycle().withNewPostStart().withNewExec()
                .withCommand("sh", "-c", "touch /ready").endExec().endPostStart().endLifecycle().endContainer().endSpec()
                .build();

        cluster.handler.accept(new PodEvent.Added(pod));

        await(cluster, w -> w.contains("status Running ready=True"));
        assertThat(List.copyOf(cluster.writes)).containsSubsequence("event Started", "status Running ready=True");
    }

    @Test
    void onlyThePodsOwnStatusComingBackFromASyncsWriteNeedsNoSync() throws Exception {
        RecordingCluster cluster = startKubelet();
        Pod pod = pod();
        cluster.handler.accept(new PodEvent.Added(pod));
        await(cluster, w -> w.contains("status Running ready=True"));
        // the last write's version; the sync's writes are done once Running is written (no probe, nothing after it)
        String written = Integer.toString(cluster.versions.get());
        Pod echo = new PodBuilder(pod).editMetadata().withResourceVersion(written).endMetadata()
                .withNewStatus().withPhase("Running").endStatus().build();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (kubelet.needsSync(pod, echo)) { // recorded once the write returned to the sync
            assertThat(System.nanoTime() - deadline).as("the echo of version " + written + " needs a sync").isNegative();
            Thread.sleep(5);
        }
        assertThat(kubelet.needsSync(pod, new PodBuilder(echo).editMetadata().withResourceVersion("1" + written)
                .endMetadata().build())).as("another status write").isTrue();
        assertThat(kubelet.needsSync(pod, new PodBuilder(echo).editMetadata().addToLabels("tier", "web")
                .endMetadata().build())).as("a label too").isTrue();
        assertThat(kubelet.needsSync(pod, new PodBuilder(echo).editMetadata().withDeletionGracePeriodSeconds(0L)
                .endMetadata().build())).as("a deletion").isTrue();
        assertThat(kubelet.needsSync(pod, new PodBuilder(echo).editSpec().withActiveDeadlineSeconds(5L).endSpec()
                .build())).as("the spec").isTrue();
    }
}
