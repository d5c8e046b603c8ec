package dev.j8s.kubelet.eviction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.kubelet.stats.Summary;
import dev.j8s.runtime.DiskUsage;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvictionManagerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long GI = 1L << 30;
    private static final long MI = 1L << 20;

    record Eviction(String pod, Duration grace, String message, boolean disruption) {}

    private final List<Eviction> evictions = new ArrayList<>();
    private final List<Signal> reclaims = new ArrayList<>();
    private long nodefsAvailable = 50 * GI;
    private long memoryWorkingSet = 2 * GI;
    private final Map<String, Summary.PodStats> podStats = new java.util.HashMap<>();

    private EvictionManager manager(String hard, String soft, String grace) {
        EvictionManager.Config config = new EvictionManager.Config(Threshold.parse(hard, soft, grace, ""),
                Duration.ofMinutes(5), Duration.ZERO, Duration.ofSeconds(10));
        return new EvictionManager(config,
                (pod, g, message, disruption) -> evictions.add(new Eviction(pod.getMetadata().getName(), g, message,
                        disruption)),
                reclaims::add,
                pods -> new Summary(new Summary.NodeStats(T0, 16 * GI, memoryWorkingSet,
                        new DiskUsage.Filesystem(100 * GI, nodefsAvailable, 1_000_000, 900_000),
                        new DiskUsage.Filesystem(100 * GI, nodefsAvailable, 1_000_000, 900_000), 32768, 500),
                        pods.stream().map(p -> podStats.get(p.getMetadata().getUid())).filter(s -> s != null).toList()));
    }

    private static PodBuilder pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withUid("u-" + name)
                .endMetadata().withNewSpec().addNewContainer().withName("c").endContainer().endSpec();
    }

    private void disk(String name, long rootfs, long logs, Map<String, Long> volumes) {
        Map<String, DiskUsage.Usage> v = new java.util.HashMap<>();
        volumes.forEach((k, b) -> v.put(k, new DiskUsage.Usage(b, 1)));
        podStats.put("u-" + name, new Summary.PodStats("u-" + name, 10 * MI, 3, List.of(new Summary.ContainerDisk("c",
                new DiskUsage.Usage(rootfs, 1), new DiskUsage.Usage(logs, 1))), v));
    }

    @Test
    void underDiskPressureTheBiggestConsumerIsEvictedWithUpstreamsMessageAfterReclaimDidNotHelp() {
        EvictionManager manager = manager("nodefs.available<10%", "", "");
        Pod small = pod("small").build();
        Pod big = pod("big").build();
        disk("small", 4096, 1024, Map.of());
        disk("big", 0, 4096, Map.of("cache", 9 * GI));
        nodefsAvailable = 5 * GI;

        List<Pod> evicted = manager.synchronize(List.of(small, big), T0);

        assertThat(evicted).extracting(p -> p.getMetadata().getName()).containsExactly("big");
        assertThat(reclaims).containsExactly(Signal.NODEFS_AVAILABLE);
        assertThat(evictions).containsExactly(new Eviction("big", Duration.ofSeconds(1),
                // 10% as Go computes it: a float32 fraction of the capacity, printed as the plain number it is
                "The node was low on resource: ephemeral-storage. Threshold quantity: 10737418400, available: 5Gi. "
                        + "Container c was using 4Ki, request is 0, has larger consumption of ephemeral-storage. ",
                true));
        assertThat(manager.nodeConditions()).containsExactly("DiskPressure");
    }

    @Test
    void aReclaimThatResolvesThePressureEvictsNothing() {
        EvictionManager manager = manager("nodefs.available<10%", "", "");
        disk("a", 4096, 0, Map.of());
        nodefsAvailable = 5 * GI;
        EvictionManager freeing = new EvictionManager(new EvictionManager.Config(
                Threshold.parse("nodefs.available<10%", "", "", ""), Duration.ofMinutes(5), Duration.ZERO,
                Duration.ofSeconds(10)), (p, g, m, d) -> evictions.add(new Eviction("x", g, m, d)),
                signal -> nodefsAvailable = 50 * GI, pods -> new Summary(new Summary.NodeStats(T0, 16 * GI, 2 * GI,
                        new DiskUsage.Filesystem(100 * GI, nodefsAvailable, 1_000_000, 900_000),
                        new DiskUsage.Filesystem(100 * GI, nodefsAvailable, 1_000_000, 900_000), 32768, 500), List.of()));

        assertThat(freeing.synchronize(List.of(pod("a").build()), T0)).isEmpty();
        assertThat(evictions).isEmpty();
        assertThat(manager.nodeConditions()).isEmpty();
    }

    @Test
    void aSoftThresholdWaitsForItsGracePeriodAndTheConditionOutlivesItForTheTransitionPeriod() {
        EvictionManager manager = manager("", "memory.available<15Gi", "memory.available=1m");
        Pod pod = pod("hog").build();
        disk("hog", 0, 0, Map.of());
        memoryWorkingSet = 2 * GI; // 14Gi available, below 15Gi

        assertThat(manager.synchronize(List.of(pod), T0)).isEmpty();
        assertThat(manager.nodeConditions()).containsExactly("MemoryPressure");
        assertThat(manager.synchronize(List.of(pod), T0.plusSeconds(61))).hasSize(1);
        assertThat(evictions.getFirst().grace()).as("the pod's own grace for a soft threshold")
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(evictions.getFirst().message()).startsWith("The node was low on resource: memory. Threshold"
                + " quantity: 15Gi, available: 14Gi. ");

        memoryWorkingSet = GI / 2;
        manager.synchronize(List.of(pod), T0.plusSeconds(120));
        assertThat(manager.nodeConditions()).as("within the transition period").containsExactly("MemoryPressure");
        manager.synchronize(List.of(pod), T0.plusSeconds(61 + 301));
        assertThat(manager.nodeConditions()).isEmpty();
    }

    @Test
    void podsOverTheirOwnLimitsAreEvictedAtOnceWhateverTheNode() {
        EvictionManager manager = manager("nodefs.available<10%", "", "");
        Pod emptyDir = pod("scratch").editSpec().addNewVolume().withName("cache").withNewEmptyDir()
                .withSizeLimit(new Quantity("20Mi")).endEmptyDir().endVolume().endSpec().build();
        Pod container = pod("writer").editSpec().editFirstContainer().withNewResources()
                .addToLimits("ephemeral-storage", new Quantity("1Mi")).endResources().endContainer().endSpec().build();
        disk("scratch", 0, 0, Map.of("cache", 21 * MI));
        disk("writer", 2 * MI, 0, Map.of());

        manager.synchronize(List.of(emptyDir, container), T0);

        assertThat(evictions).containsExactly(
                new Eviction("scratch", Duration.ZERO, "Usage of EmptyDir volume \"cache\" exceeds the limit \"20Mi\". ",
                        false),
                new Eviction("writer", Duration.ZERO, "Pod ephemeral local storage usage exceeds the total limit of"
                        + " containers 1Mi. ", false));
    }

    @Test
    void underPressureNewPodsAreRefusedAsUpstreamRefusesThem() {
        EvictionManager manager = manager("nodefs.available<10%", "", "");
        nodefsAvailable = 5 * GI;
        manager.synchronize(List.of(), T0);

        assertThat(manager.admit(pod("new").build())).contains("The node had condition: [DiskPressure]. ");
        assertThat(manager.admit(pod("critical").editSpec().withPriority(2_000_001_000).endSpec().build())).isEmpty();
    }

    @Test
    void criticalPodsAreNeverEvicted() {
        EvictionManager manager = manager("nodefs.available<10%", "", "");
        disk("critical", GI, 0, Map.of());
        nodefsAvailable = 5 * GI;

        assertThat(manager.synchronize(List.of(pod("critical").editSpec().withPriority(2_000_000_000).endSpec()
                .build()), T0)).isEmpty();
        assertThat(evictions).isEmpty();
    }
}
