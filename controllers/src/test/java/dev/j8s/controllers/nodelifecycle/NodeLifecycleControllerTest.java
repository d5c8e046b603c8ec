package dev.j8s.controllers.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.controllers.ControllerManager;
import dev.j8s.controllers.testing.Controllers;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node health, the readiness taints and taint eviction over a real API server: a node whose Lease stops being
 * renewed turns Unknown, is tainted unreachable, and its pods go once their tolerations run out.
 */
class NodeLifecycleControllerTest {

    private static final Duration GRACE = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private Controllers controllers;
    private KubeClient admin;

    @BeforeEach
    void setUp() {
        controllers = Controllers.start(dir, new ControllerManager.Options(Clock.systemUTC(), Duration.ofMinutes(10),
                100).withNodeMonitorGracePeriod(GRACE));
        admin = controllers.api().client();
    }

    @AfterEach
    void tearDown() {
        controllers.close();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private void register(String name) {
        admin.resource(Kind.NODES).create(new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withMessage("kubelet is posting ready status").withLastHeartbeatTime(now())
                .withLastTransitionTime(now()).endCondition().endStatus().build());
        renew(name);
    }

    private void renew(String name) {
        var leases = admin.resource(Kind.LEASES);
        ZonedDateTime at = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        Optional<Lease> lease = leases.get("kube-node-lease", name);
        if (lease.isEmpty()) {
            leases.create(new LeaseBuilder().withNewMetadata().withName(name).withNamespace("kube-node-lease")
                    .endMetadata().withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40)
                    .withRenewTime(at).endSpec().build());
        } else {
            leases.update(new LeaseBuilder(lease.get()).editSpec().withRenewTime(at).endSpec().build());
        }
    }

    private void pod(String name, String node, Long unreachableSeconds) {
        var spec = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox").endContainer();
        if (unreachableSeconds != null) {
            spec = spec.addNewToleration().withKey(NodeConditionTaints.UNREACHABLE).withOperator("Exists")
                    .withEffect("NoExecute").withTolerationSeconds(unreachableSeconds).endToleration();
        }
        admin.resource(Kind.PODS).create(spec.endSpec().build());
    }

    private Node node(String name) {
        return admin.resource(Kind.NODES).get("", name).orElseThrow();
    }

    private static List<Taint> taints(Node node) {
        return node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    }

    private static Optional<NodeCondition> ready(Node node) {
        return node.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst();
    }

    private static <T> T await(Duration timeout, Supplier<Optional<T>> condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            Optional<T> v = condition.get();
            if (v.isPresent()) {
                return v.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not met within " + timeout);
    }

    @Test
    void aNodeWhoseLeaseRunsOutIsUnknownTaintedAndItsPodsGoWhenTheirTolerationsEnd() throws Exception {
        register("alive");
        Instant lastRenewal = Instant.now();
        register("lost");
        pod("short", "lost", 1L);
        pod("patient", "lost", null); // the 300 s defaults of admission
        pod("elsewhere", "alive", 1L);
        await(Duration.ofSeconds(10), () -> admin.resource(Kind.PODS).get("default", "patient")
                .filter(p -> p.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready")
                        && c.getStatus().equals("True"))));
        // "alive" keeps renewing its lease; "lost" stops
        Thread renewer = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                renew("alive");
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            NodeCondition unknown = await(Duration.ofSeconds(15), () -> ready(node("lost"))
                    .filter(c -> c.getStatus().equals("Unknown")));
            assertThat(Duration.between(lastRenewal, Instant.now())).isGreaterThanOrEqualTo(GRACE);
            assertThat(unknown.getReason()).isEqualTo("NodeStatusUnknown");
            assertThat(unknown.getMessage()).isEqualTo("Kubelet stopped posting node status.");
            assertThat(node("lost").getStatus().getConditions()).extracting(NodeCondition::getType, NodeCondition::getStatus)
                    .contains(org.assertj.core.groups.Tuple.tuple("MemoryPressure", "Unknown"),
                            org.assertj.core.groups.Tuple.tuple("DiskPressure", "Unknown"),
                            org.assertj.core.groups.Tuple.tuple("PIDPressure", "Unknown"));
            List<Taint> taints = await(Duration.ofSeconds(10), () -> Optional.of(taints(node("lost"))).filter(t -> t.size() == 2));
            assertThat(taints).extracting(Taint::getKey, Taint::getEffect).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple(NodeConditionTaints.UNREACHABLE, "NoSchedule"),
                    org.assertj.core.groups.Tuple.tuple(NodeConditionTaints.UNREACHABLE, "NoExecute"));
            assertThat(taints.stream().filter(t -> t.getEffect().equals("NoExecute")).findFirst().orElseThrow()
                    .getTimeAdded()).isNotEmpty();

            // the pod with a 1 s toleration is evicted; the one tolerating 300 s is only marked not ready
            await(Duration.ofSeconds(10), () -> admin.resource(Kind.PODS).get("default", "short").isEmpty()
                    ? Optional.of(true) : Optional.empty());
            assertThat(controllers.events("default", "TaintManagerEviction")).extracting(e -> e.getMessage())
                    .containsExactly("Marking for deletion Pod default/short");
            Pod patient = admin.resource(Kind.PODS).get("default", "patient").orElseThrow();
            assertThat(patient.getMetadata().getDeletionTimestamp()).isNull();
            assertThat(patient.getStatus().getConditions()).anyMatch(c -> c.getType().equals("Ready")
                    && c.getStatus().equals("False"));
            assertThat(controllers.events("default", "NodeNotReady")).extracting(e -> e.getMessage())
                    .contains("Node is not ready");
            assertThat(ready(node("alive")).orElseThrow().getStatus()).isEqualTo("True");
            assertThat(taints(node("alive"))).isEmpty();
            assertThat(admin.resource(Kind.PODS).get("default", "elsewhere")).isPresent();
        } finally {
            renewer.interrupt();
        }
    }

    /** Renews the leases of {@code names} every 300 ms until interrupted. */
    private Thread renewing(String... names) {
        return Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (String name : names) {
                    renew(name);
                }
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    @Test
    void aKubeletReportingNotReadyGetsTheNotReadyTaintsAndReadyAgainRemovesThem() throws Exception {
        register("flaky");
        register("steady");
        Thread renewer = renewing("flaky", "steady");
        try {
            Node node = node("flaky");
            admin.resource(Kind.NODES).updateStatus(new NodeBuilder(node).editStatus().editFirstCondition()
                    .withStatus("False").withReason("KubeletNotReady").endCondition().endStatus().build());
            List<Taint> taints = await(Duration.ofSeconds(10), () -> Optional.of(taints(node("flaky")))
                    .filter(t -> t.size() == 2));
            assertThat(taints).extracting(t -> t.getKey() + ":" + t.getEffect()).containsExactlyInAnyOrder(
                    NodeConditionTaints.NOT_READY + ":NoSchedule", NodeConditionTaints.NOT_READY + ":NoExecute");
            node = node("flaky");
            admin.resource(Kind.NODES).updateStatus(new NodeBuilder(node).editStatus().editFirstCondition()
                    .withStatus("True").withReason("KubeletReady").endCondition().endStatus().build());
            await(Duration.ofSeconds(10), () -> Optional.of(taints(node("flaky"))).filter(List::isEmpty));
        } finally {
            renewer.interrupt();
        }
    }

    @Test
    void whenNoNodeIsReadyNothingIsEvictedAsInUpstreamsFullDisruption() throws Exception {
        register("only");
        pod("stays", "only", 1L);
        NodeCondition unknown = await(Duration.ofSeconds(15), () -> ready(node("only"))
                .filter(c -> c.getStatus().equals("Unknown")));
        assertThat(unknown.getReason()).isEqualTo("NodeStatusUnknown");
        List<Taint> taints = await(Duration.ofSeconds(10), () -> Optional.of(taints(node("only")))
                .filter(t -> !t.isEmpty()));
        assertThat(taints).extracting(t -> t.getKey() + ":" + t.getEffect())
                .containsExactly(NodeConditionTaints.UNREACHABLE + ":NoSchedule");
        // past the pod's 1 s toleration, had the NoExecute taint been there: the pod stays
        Thread.sleep(2_000);
        assertThat(admin.resource(Kind.PODS).get("default", "stays").orElseThrow().getMetadata()
                .getDeletionTimestamp()).isNull();
        assertThat(taints(node("only"))).extracting(Taint::getEffect).containsExactly("NoSchedule");
    }
}
