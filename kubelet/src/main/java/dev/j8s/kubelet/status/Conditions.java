package dev.j8s.kubelet.status;

import static dev.j8s.kubelet.status.PodStatusGenerator.condition;
import static dev.j8s.kubelet.status.PodStatusGenerator.find;
import static dev.j8s.kubelet.status.PodStatusGenerator.isRestartable;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The kubelet-owned pod conditions, worded as upstream's pkg/kubelet/status/generate.go; stateless. */
final class Conditions {

  private Conditions() {}

  static PodCondition initialized(PodSpec spec, List<ContainerStatus> statuses, String phase) {
    if (spec.getInitContainers().isEmpty()) {
      return condition("Initialized", true, "", "");
    }
    List<String> unknown = new ArrayList<>();
    List<String> incomplete = new ArrayList<>();
    for (Container c : spec.getInitContainers()) {
      Optional<ContainerStatus> s = find(statuses, c.getName());
      if (s.isEmpty()) {
        unknown.add(c.getName());
        continue;
      }
      if (isRestartable(c)) {
        if (!Boolean.TRUE.equals(s.get().getStarted())) {
          incomplete.add(c.getName());
        }
        continue;
      }
      var terminated = s.get().getState().getTerminated();
      if (terminated == null || terminated.getExitCode() != 0) {
        incomplete.add(c.getName());
      }
    }
    if (phase.equals("Succeeded") && unknown.isEmpty()) {
      return condition("Initialized", true, "PodCompleted", "");
    }
    if (PodStatusGenerator.anyRegularStarted(spec, statuses)) {
      return condition("Initialized", true, "", "");
    }
    List<String> messages = new ArrayList<>();
    if (!unknown.isEmpty()) {
      messages.add("containers with unknown status: " + goList(unknown));
    }
    if (!incomplete.isEmpty()) {
      messages.add("containers with incomplete status: " + goList(incomplete));
    }
    if (!messages.isEmpty()) {
      return condition("Initialized", false, "ContainersNotInitialized", String.join(", ", messages));
    }
    return condition("Initialized", true, "", "");
  }

  static PodCondition containersReady(PodSpec spec, List<ContainerStatus> statuses, String phase) {
    List<String> unknown = new ArrayList<>();
    List<String> unready = new ArrayList<>();
    List<Container> counted = new ArrayList<>();
    spec.getInitContainers().stream().filter(PodStatusGenerator::isRestartable).forEach(counted::add);
    counted.addAll(spec.getContainers());
    for (Container c : counted) {
      Optional<ContainerStatus> s = find(statuses, c.getName());
      if (s.isEmpty()) {
        unknown.add(c.getName());
      } else if (!Boolean.TRUE.equals(s.get().getReady())) {
        unready.add(c.getName());
      }
    }
    if (phase.equals("Succeeded") && unknown.isEmpty()) {
      return condition("ContainersReady", false, "PodCompleted", "");
    }
    if (phase.equals("Failed")) {
      return condition("ContainersReady", false, "PodFailed", "");
    }
    List<String> messages = new ArrayList<>();
    if (!unknown.isEmpty()) {
      messages.add("containers with unknown status: " + goList(unknown));
    }
    if (!unready.isEmpty()) {
      messages.add("containers with unready status: " + goList(unready));
    }
    if (!messages.isEmpty()) {
      return condition("ContainersReady", false, "ContainersNotReady", String.join(", ", messages));
    }
    return condition("ContainersReady", true, "", "");
  }

  static PodCondition ready(PodSpec spec, List<PodCondition> others, List<ContainerStatus> statuses,
      String phase) {
    PodCondition containers = containersReady(spec, statuses, phase);
    if (!"True".equals(containers.getStatus())) {
      return condition("Ready", false, nullToEmpty(containers.getReason()), nullToEmpty(containers.getMessage()));
    }
    List<String> messages = new ArrayList<>();
    for (PodReadinessGate gate : spec.getReadinessGates()) {
      Optional<PodCondition> c = others.stream()
          .filter(o -> gate.getConditionType().equals(o.getType())).findFirst();
      if (c.isEmpty()) {
        messages.add("corresponding condition of pod readiness gate \"" + gate.getConditionType()
            + "\" does not exist.");
      } else if (!"True".equals(c.get().getStatus())) {
        messages.add("the status of pod readiness gate \"" + gate.getConditionType() + "\" is not \"True\", but "
            + c.get().getStatus());
      }
    }
    if (!messages.isEmpty()) {
      return condition("Ready", false, "ReadinessGatesNotReady", String.join(", ", messages));
    }
    return condition("Ready", true, "", "");
  }

  /** Go's {@code %s} of a {@code []string}: {@code [a b]}. */
  static String goList(List<String> names) {
    return "[" + String.join(" ", names) + "]";
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
