package dev.j8s.kubelet.status;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A pod's QoS class (Guaranteed, Burstable, BestEffort), as upstream's {@code GetPodQOS}; stateless. */
public final class QosClass {

  private static final Set<String> COMPUTE = Set.of("cpu", "memory");

  private QosClass() {}

  /** {@code Guaranteed}, {@code Burstable} or {@code BestEffort}. */
  public static String of(PodSpec spec) {
    Map<String, BigDecimal> requests = new HashMap<>();
    Map<String, BigDecimal> limits = new HashMap<>();
    boolean guaranteed = true;
    List<Container> all = new ArrayList<>(spec.getContainers());
    all.addAll(spec.getInitContainers());
    for (Container c : all) {
      var resources = c.getResources();
      Map<String, Quantity> req = resources == null || resources.getRequests() == null
          ? Map.of() : resources.getRequests();
      Map<String, Quantity> lim = resources == null || resources.getLimits() == null
          ? Map.of() : resources.getLimits();
      req.forEach((name, q) -> add(requests, name, q));
      Set<String> found = new HashSet<>();
      lim.forEach((name, q) -> {
        if (add(limits, name, q)) {
          found.add(name);
        }
      });
      if (!found.containsAll(COMPUTE)) {
        guaranteed = false;
      }
    }
    if (requests.isEmpty() && limits.isEmpty()) {
      return "BestEffort";
    }
    if (guaranteed) {
      for (var e : requests.entrySet()) {
        BigDecimal limit = limits.get(e.getKey());
        if (limit == null || limit.compareTo(e.getValue()) != 0) {
          guaranteed = false;
          break;
        }
      }
    }
    return guaranteed && requests.size() == limits.size() ? "Guaranteed" : "Burstable";
  }

  private static boolean add(Map<String, BigDecimal> sums, String name, Quantity q) {
    if (!COMPUTE.contains(name)) {
      return false;
    }
    BigDecimal amount = q.getNumericalAmount();
    if (amount.signum() <= 0) {
      return false;
    }
    sums.merge(name, amount, BigDecimal::add);
    return true;
  }
}
