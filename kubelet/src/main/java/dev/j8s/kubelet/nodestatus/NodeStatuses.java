package dev.j8s.kubelet.nodestatus;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds this node's Node object and status as upstream's nodestatus setters do (labels, addresses,
 * capacity and allocatable, node info, the four conditions with upstream reasons and messages);
 * stateless and thread-safe.
 */
public final class NodeStatuses {

  /** Upstream's hard eviction threshold {@code memory.available<100Mi}, subtracted from allocatable. */
  static final long EVICTION_MEMORY = 100L * 1024 * 1024;
  /** {@code nodefs.available<10%}. */
  static final double EVICTION_NODEFS = 0.10;
  static final int MAX_PODS = 110;

  private NodeStatuses() {}

  /**
   * What the kubelet itself knows about its readiness and the pressure its eviction manager sees.
   *
   * @param pressure the pressure conditions that hold ({@code MemoryPressure}, {@code DiskPressure},
   *     {@code PIDPressure})
   */
  public record Health(boolean runtimeReady, String notReadyMessage, Set<String> pressure) {
    public Health {
      pressure = Set.copyOf(pressure);
    }

    /** No pressure. */
    public Health(boolean runtimeReady, String notReadyMessage) {
      this(runtimeReady, notReadyMessage, Set.of());
    }

    public static Health ready() {
      return new Health(true, "");
    }
  }

  /** The Node to create at registration: metadata (labels) and status. */
  public static Node node(String nodeName, HostFacts facts, String kubeletVersion, int kubeletPort,
      Health health, Instant now) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("beta.kubernetes.io/arch", facts.architecture());
    labels.put("beta.kubernetes.io/os", "linux");
    labels.put("kubernetes.io/arch", facts.architecture());
    labels.put("kubernetes.io/hostname", nodeName);
    labels.put("kubernetes.io/os", "linux");
    return new NodeBuilder().withNewMetadata().withName(nodeName).withLabels(labels)
        .addToAnnotations("node.alpha.kubernetes.io/ttl", "0").endMetadata()
        .withStatus(status(Optional.empty(), facts, kubeletVersion, kubeletPort, health, now))
        .build();
  }

  /** The node's allocatable resources: its capacity less upstream's hard eviction thresholds. */
  public static Map<String, Quantity> allocatable(HostFacts facts) {
    Map<String, Quantity> allocatable = new LinkedHashMap<>(capacity(facts));
    allocatable.put("ephemeral-storage",
        new Quantity(Long.toString((long) (facts.storageBytes() * (1 - EVICTION_NODEFS)))));
    allocatable.put("memory", new Quantity(Math.max(0, facts.memoryBytes() - EVICTION_MEMORY) / 1024 + "Ki"));
    return allocatable;
  }

  private static Map<String, Quantity> capacity(HostFacts facts) {
    Map<String, Quantity> capacity = new LinkedHashMap<>();
    capacity.put("cpu", new Quantity(Integer.toString(facts.cpus())));
    capacity.put("ephemeral-storage", new Quantity(facts.storageBytes() / 1024 + "Ki"));
    capacity.put("hugepages-1Gi", new Quantity("0"));
    capacity.put("hugepages-2Mi", new Quantity("0"));
    capacity.put("memory", new Quantity(facts.memoryBytes() / 1024 + "Ki"));
    capacity.put("pods", new Quantity(Integer.toString(MAX_PODS)));
    return capacity;
  }

  /**
   * The status to write; conditions keep their {@code lastTransitionTime} from {@code previous} while
   * their status stays, and all carry {@code now} as heartbeat.
   */
  public static NodeStatus status(Optional<NodeStatus> previous, HostFacts facts, String kubeletVersion,
      int kubeletPort, Health health, Instant now) {
    Map<String, Quantity> capacity = capacity(facts);
    Map<String, Quantity> allocatable = allocatable(facts);

    // the eviction manager decides, with its thresholds, grace periods and transition period
    boolean memoryPressure = health.pressure().contains("MemoryPressure");
    boolean diskPressure = health.pressure().contains("DiskPressure");
    List<NodeCondition> conditions = new ArrayList<>();
    conditions.add(memoryPressure
        ? condition("MemoryPressure", true, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available")
        : condition("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"));
    conditions.add(diskPressure
        ? condition("DiskPressure", true, "KubeletHasDiskPressure", "kubelet has disk pressure")
        : condition("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"));
    conditions.add(health.pressure().contains("PIDPressure")
        ? condition("PIDPressure", true, "KubeletHasInsufficientPID", "kubelet has insufficient PID available")
        : condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"));
    conditions.add(health.runtimeReady()
        ? condition("Ready", true, "KubeletReady", "kubelet is posting ready status")
        : condition("Ready", false, "KubeletNotReady", health.notReadyMessage()));

    String stamp = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
    List<NodeCondition> stamped = new ArrayList<>();
    for (NodeCondition c : conditions) {
      String transition = previous.flatMap(p -> p.getConditions().stream()
              .filter(o -> o.getType().equals(c.getType()) && o.getStatus().equals(c.getStatus())).findFirst())
          .map(NodeCondition::getLastTransitionTime).orElse(stamp);
      stamped.add(new NodeConditionBuilder(c).withLastHeartbeatTime(stamp).withLastTransitionTime(transition)
          .build());
    }
    return new NodeStatusBuilder()
        .withCapacity(capacity)
        .withAllocatable(allocatable)
        .withConditions(stamped)
        .withAddresses(new NodeAddressBuilder().withType("InternalIP").withAddress(facts.internalIp()).build(),
            new NodeAddressBuilder().withType("Hostname").withAddress(facts.hostname()).build())
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(kubeletPort).endKubeletEndpoint()
        .endDaemonEndpoints()
        .withNewNodeInfo()
        .withMachineID(facts.machineId()).withSystemUUID(facts.systemUuid()).withBootID(facts.bootId())
        .withKernelVersion(facts.kernelVersion()).withOsImage(facts.osImage())
        .withContainerRuntimeVersion(facts.containerRuntimeVersion())
        .withKubeletVersion(kubeletVersion).withKubeProxyVersion("")
        .withOperatingSystem("linux").withArchitecture(facts.architecture())
        .endNodeInfo()
        .build();
  }

  /** Whether two statuses differ in anything but heartbeat times (upstream reports changes at once). */
  public static boolean changed(NodeStatus a, NodeStatus b) {
    return !withoutHeartbeats(a).equals(withoutHeartbeats(b));
  }

  private static NodeStatus withoutHeartbeats(NodeStatus s) {
    return new NodeStatusBuilder(s).withConditions(s.getConditions().stream()
        .map(c -> new NodeConditionBuilder(c).withLastHeartbeatTime(null).build()).toList()).build();
  }

  private static NodeCondition condition(String type, boolean status, String reason, String message) {
    return new NodeConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason)
        .withMessage(message).build();
  }
}
