package dev.j8s.kubelet.status;

import dev.j8s.kubelet.container.Restarts;
import dev.j8s.runtime.ContainerState;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateRunningBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateWaitingBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Computes a pod's API status from what the runtime reports, as upstream's {@code generateAPIPodStatus},
 * {@code convertToAPIContainerStatuses}, {@code getPhase} and the status manager's condition merge do;
 * stateless and thread-safe.
 *
 * <p>A running container is started once its startup probe succeeded (at once without one) and ready once started
 * and its readiness probe succeeded (at once without one), as upstream's prober manager reports them; a regular init
 * container is ready once it exited 0.
 */
public final class PodStatusGenerator {

  static final String CONTAINER_CREATING = "ContainerCreating";
  static final String POD_INITIALIZING = "PodInitializing";
  private static final Set<String> KUBELET_CONDITIONS =
      Set.of("PodScheduled", "Ready", "Initialized", "ContainersReady", "PodReadyToStartContainers");

  private PodStatusGenerator() {}

  /** The status to write to the pod's status subresource. */
  public static PodStatus generate(PodStatusInput input) {
    Pod pod = input.pod();
    PodSpec spec = pod.getSpec();
    PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    boolean hasInit = !spec.getInitContainers().isEmpty();

    List<ContainerStatus> init = convert(input, spec.getInitContainers(), old.getInitContainerStatuses(),
        hasInit, true);
    List<ContainerStatus> regular = convert(input, spec.getContainers(), old.getContainerStatuses(),
        hasInit, false);
    List<ContainerStatus> all = new ArrayList<>(init);
    all.addAll(regular);

    String phase = phase(spec, all, input.terminal());
    if ("Succeeded".equals(old.getPhase()) || "Failed".equals(old.getPhase())) {
      phase = old.getPhase(); // a terminal phase never changes back (the status manager refuses it)
    }

    List<PodCondition> conditions = new ArrayList<>();
    for (PodCondition c : old.getConditions()) {
      if (!KUBELET_CONDITIONS.contains(c.getType())) {
        conditions.add(c);
      }
    }
    List<PodCondition> generated = new ArrayList<>();
    generated.add(condition("PodReadyToStartContainers", input.sandboxReady(), "", ""));
    generated.add(Conditions.initialized(spec, all, phase));
    generated.add(Conditions.ready(spec, conditions, all, phase));
    generated.add(Conditions.containersReady(spec, all, phase));
    generated.add(condition("PodScheduled", true, "", ""));
    String now = time(input.now());
    for (PodCondition c : generated) {
      Optional<PodCondition> before = old.getConditions().stream()
          .filter(o -> c.getType().equals(o.getType())).findFirst();
      String transition = before.filter(b -> c.getStatus().equals(b.getStatus()))
          .map(PodCondition::getLastTransitionTime).filter(t -> t != null).orElse(now);
      conditions.add(new PodConditionBuilder(c).withLastTransitionTime(transition).build());
    }

    List<String> podIps = input.podIps();
    if (podIps.isEmpty()) {
      // The sandbox is gone (torn down when the pod finished, or not yet recreated): keep the address it had,
      // as upstream copies the previous status's IPs (kubernetes#47806, and #125370/#125404 for terminal pods), so a
      // Succeeded/Failed pod still shows it.
      podIps = old.getPodIPs().stream().map(PodIP::getIp).toList();
    }
    PodStatusBuilder status = new PodStatusBuilder()
        .withPhase(phase)
        .withConditions(conditions)
        .withQosClass(old.getQosClass() != null && !old.getQosClass().isEmpty()
            ? old.getQosClass() : QosClass.of(spec))
        .withStartTime(old.getStartTime() != null ? old.getStartTime() : now)
        .withInitContainerStatuses(init)
        .withContainerStatuses(regular);
    if (phase.equals(old.getPhase()) && old.getReason() != null && !old.getReason().isEmpty()) {
      // a pod the kubelet rejected or evicted keeps the reason and message it was failed with
      status.withReason(old.getReason()).withMessage(old.getMessage());
    }
    if (!input.hostIps().isEmpty()) {
      status.withHostIP(input.hostIps().getFirst())
          .withHostIPs(input.hostIps().stream().map(HostIP::new).toList());
    }
    if (!podIps.isEmpty()) {
      status.withPodIP(podIps.getFirst()).withPodIPs(podIps.stream().map(PodIP::new).toList());
    }
    return status.build();
  }

  /**
   * {@code previous} (the status the kubelet last wrote) with the conditions the kubelet does not own (readiness
   * gates, set by other clients) taken from {@code fromApi}, the pod's status as the API has it now, as upstream's
   * {@code generateAPIPodStatus} and {@code mergePodStatus} keep them.
   */
  public static PodStatus withApiConditions(PodStatus previous, PodStatus fromApi) {
    List<PodCondition> conditions = new ArrayList<>();
    previous.getConditions().stream().filter(c -> KUBELET_CONDITIONS.contains(c.getType())).forEach(conditions::add);
    if (fromApi != null) {
      fromApi.getConditions().stream().filter(c -> !KUBELET_CONDITIONS.contains(c.getType()))
          .forEach(conditions::add);
    }
    return new PodStatusBuilder(previous).withConditions(conditions).build();
  }

  /**
   * Upstream status manager's {@code SetContainerReadiness}: {@code old} with the {@code ready} of the instance
   * {@code containerId} changed and the {@code ContainersReady} and {@code Ready} conditions generated again; the
   * same status when the instance is not there or already so.
   */
  public static PodStatus withContainerReadiness(Pod pod, PodStatus old, String containerId, boolean ready,
      Instant now) {
    String apiId = ContainerObservation.RUNTIME_SCHEME + "://" + containerId;
    PodStatus status = new PodStatusBuilder(old).build();
    List<ContainerStatus> all = new ArrayList<>(status.getInitContainerStatuses());
    all.addAll(status.getContainerStatuses());
    Optional<ContainerStatus> target = all.stream().filter(c -> apiId.equals(c.getContainerID())).findFirst();
    if (target.isEmpty() || Boolean.valueOf(ready).equals(target.get().getReady())) {
      return old;
    }
    target.get().setReady(ready);
    List<PodCondition> others = (pod.getStatus() == null ? old : pod.getStatus()).getConditions().stream()
        .filter(c -> !KUBELET_CONDITIONS.contains(c.getType())).toList();
    String phase = old.getPhase() == null ? "Pending" : old.getPhase();
    List<PodCondition> conditions = new ArrayList<>();
    for (PodCondition c : old.getConditions()) {
      if (!KUBELET_CONDITIONS.contains(c.getType())) {
        continue; // the API's own, below
      }
      PodCondition generated = switch (c.getType()) {
        case "Ready" -> Conditions.ready(pod.getSpec(), others, all, phase);
        case "ContainersReady" -> Conditions.containersReady(pod.getSpec(), all, phase);
        default -> c;
      };
      if (generated != c) {
        String transition = generated.getStatus().equals(c.getStatus()) && c.getLastTransitionTime() != null
            ? c.getLastTransitionTime() : time(now);
        generated = new PodConditionBuilder(generated).withLastTransitionTime(transition).build();
      }
      conditions.add(generated);
    }
    conditions.addAll(others);
    status.setConditions(conditions);
    return status;
  }

  /** Upstream {@code getPhase}: the pod phase from its container statuses. */
  static String phase(PodSpec spec, List<ContainerStatus> statuses, boolean terminal) {
    int pendingInit = 0;
    int failedInit = 0;
    for (Container c : spec.getInitContainers()) {
      if (isRestartable(c)) {
        continue; // sidecars do not hold the pod in Pending once regular containers run
      }
      Optional<ContainerStatus> s = find(statuses, c.getName());
      if (s.isEmpty()) {
        pendingInit++;
        continue;
      }
      var state = s.get().getState();
      if (state.getRunning() != null) {
        pendingInit++;
      } else if (state.getTerminated() != null) {
        if (state.getTerminated().getExitCode() != 0) {
          failedInit++;
        }
      } else if (state.getWaiting() != null) {
        ContainerStateTerminated last = lastTerminated(s.get());
        if (last != null) {
          if (last.getExitCode() != 0) {
            failedInit++;
          }
        } else {
          pendingInit++;
        }
      } else {
        pendingInit++;
      }
    }
    int unknown = 0;
    int running = 0;
    int waiting = 0;
    int stopped = 0;
    int succeeded = 0;
    for (Container c : spec.getContainers()) {
      Optional<ContainerStatus> s = find(statuses, c.getName());
      if (s.isEmpty()) {
        unknown++;
        continue;
      }
      var state = s.get().getState();
      if (state.getRunning() != null) {
        running++;
      } else if (state.getTerminated() != null) {
        stopped++;
        if (state.getTerminated().getExitCode() == 0) {
          succeeded++;
        }
      } else if (state.getWaiting() != null) {
        if (lastTerminated(s.get()) != null) {
          stopped++;
        } else {
          waiting++;
        }
      } else {
        unknown++;
      }
    }
    String policy = restartPolicy(spec);
    if (failedInit > 0 && policy.equals("Never")) {
      return "Failed";
    }
    if ((pendingInit > 0 && !anyRegularStarted(spec, statuses)) || waiting > 0) {
      return "Pending";
    }
    if (running > 0 && unknown == 0) {
      return "Running";
    }
    if (running == 0 && stopped > 0 && unknown == 0) {
      if (terminal) {
        return stopped == succeeded ? "Succeeded" : "Failed";
      }
      if (policy.equals("Always")) {
        return "Running";
      }
      if (stopped == succeeded) {
        return "Succeeded";
      }
      return policy.equals("Never") ? "Failed" : "Running";
    }
    return "Pending";
  }

  /** Upstream {@code convertToAPIContainerStatuses} followed by the prober manager's ready/started. */
  private static List<ContainerStatus> convert(PodStatusInput input, List<Container> containers,
      List<ContainerStatus> oldList, boolean hasInit, boolean isInit) {
    Pod pod = input.pod();
    Map<String, ContainerStatus> oldStatuses = new HashMap<>();
    for (ContainerStatus s : oldList) {
      oldStatuses.put(s.getName(), s);
    }
    String defaultReason = hasInit ? POD_INITIALIZING : CONTAINER_CREATING;
    Map<String, Draft> drafts = new LinkedHashMap<>();
    for (Container c : containers) {
      ContainerStatus old = oldStatuses.get(c.getName());
      Draft d;
      if (old != null && old.getState() != null && old.getState().getTerminated() != null) {
        d = Draft.of(old);
      } else {
        d = new Draft(c.getName(), c.getImage());
        d.state = waiting(defaultReason, "");
        if (old != null) {
          d.restartCount = old.getRestartCount() == null ? 0 : old.getRestartCount();
          d.lastState = old.getLastState() == null ? new ContainerStateBuilder().build() : old.getLastState();
        }
      }
      drafts.put(c.getName(), d);
    }

    List<ContainerObservation> newestFirst = new ArrayList<>(input.containers());
    newestFirst.sort(Comparator.comparing(ContainerObservation::createdAt)
        .thenComparingInt(ContainerObservation::restartCount).reversed());

    // A container the kubelet saw running and that has vanished terminated, even without an exit code.
    for (Container c : containers) {
      boolean created = newestFirst.stream().anyMatch(o -> o.name().equals(c.getName())
          && o.state() instanceof ContainerState.Created);
      ContainerStatus old = oldStatuses.get(c.getName());
      if (created || old == null || old.getState() == null || old.getState().getTerminated() != null
          || old.getState().getRunning() == null) {
        continue;
      }
      Draft d = drafts.get(c.getName());
      boolean isDefault = d.state.getWaiting() != null && defaultReason.equals(d.state.getWaiting().getReason());
      if (!isDefault || d.lastState.getTerminated() != null) {
        continue;
      }
      d.lastState = new ContainerStateBuilder().withTerminated(new ContainerStateTerminatedBuilder()
          .withExitCode(137).withReason("ContainerStatusUnknown")
          .withMessage("The container could not be located when the pod was deleted.  "
              + "The container used to be Running")
          .build()).build();
      if (pod.getMetadata().getDeletionTimestamp() == null) {
        d.restartCount++;
      }
    }

    Map<String, Integer> seen = new HashMap<>();
    for (ContainerObservation o : newestFirst) {
      Draft d = drafts.get(o.name());
      if (d == null || seen.getOrDefault(o.name(), 0) >= 2) {
        continue;
      }
      Draft converted = fromObservation(o, oldStatuses.get(o.name()));
      if (seen.getOrDefault(o.name(), 0) == 0) {
        drafts.put(o.name(), converted);
      } else {
        d.lastState = converted.state;
      }
      seen.merge(o.name(), 1, Integer::sum);
    }

    // Containers that failed to start, or wait for their next start, show why.
    for (Container c : containers) {
      Optional<ContainerObservation> latest = newestFirst.stream().filter(o -> o.name().equals(c.getName()))
          .findFirst();
      if (isInit && latest.isPresent() && latest.get().state() instanceof ContainerState.Exited e
          && e.exitCode() == 0) {
        continue;
      }
      String policy = isRestartable(c) ? "Always" : restartPolicy(pod.getSpec());
      if (!Restarts.shouldContainerBeRestarted(policy, pod.getMetadata().getDeletionTimestamp() != null,
          latest.map(ContainerObservation::state))) {
        continue;
      }
      WaitingReason reason = input.waiting().get(c.getName());
      if (reason == null) {
        continue;
      }
      Draft d = drafts.get(c.getName());
      if (d.state.getTerminated() != null) {
        d.lastState = d.state;
      }
      d.state = waiting(reason.reason(), reason.message());
    }

    List<ContainerStatus> result = new ArrayList<>();
    for (Container c : containers) {
      Draft d = drafts.get(c.getName());
      boolean running = d.state.getRunning() != null;
      String id = d.containerId.contains("://") ? d.containerId.substring(d.containerId.indexOf("://") + 3) : "";
      boolean started = running && (c.getStartupProbe() == null
          || input.probes().startupSucceeded(id).orElse(false));
      boolean ready;
      if (isInit && !isRestartable(c)) {
        ready = d.state.getTerminated() != null && d.state.getTerminated().getExitCode() == 0;
      } else {
        ready = started && (c.getReadinessProbe() == null
            || input.probes().readinessSucceeded(id).orElse(false));
      }
      result.add(d.build(started, ready));
    }
    if (!isInit) {
      result.sort(Comparator.comparing(ContainerStatus::getName)); // upstream SortedContainerStatuses
    }
    return result;
  }

  private static Draft fromObservation(ContainerObservation o, ContainerStatus old) {
    Draft d = new Draft(o.name(), o.image());
    d.imageId = o.imageId();
    d.containerId = o.apiContainerId();
    d.restartCount = o.restartCount();
    d.state = switch (o.state()) {
      case ContainerState.Running r -> new ContainerStateBuilder()
          .withRunning(new ContainerStateRunningBuilder().withStartedAt(time(r.startedAt())).build()).build();
      case ContainerState.Created c -> new ContainerStateBuilder()
          .withWaiting(new ContainerStateWaitingBuilder().build()).build();
      case ContainerState.Exited e -> new ContainerStateBuilder().withTerminated(new ContainerStateTerminatedBuilder()
          .withExitCode(e.exitCode()).withReason(e.reason()).withMessage(emptyToNull(o.message()))
          .withStartedAt(e.startedAt().equals(Instant.EPOCH) ? null : time(e.startedAt()))
          .withFinishedAt(time(e.finishedAt())).withContainerID(o.apiContainerId()).build()).build();
      case ContainerState.Unknown u -> old != null && old.getState() != null && old.getState().getRunning() != null
          ? new ContainerStateBuilder().withTerminated(new ContainerStateTerminatedBuilder().withExitCode(137)
              .withReason("ContainerStatusUnknown")
              .withMessage("The container could not be located when the pod was terminated").build()).build()
          : new ContainerStateBuilder().withWaiting(new ContainerStateWaitingBuilder().build()).build();
    };
    return d;
  }

  /** A container status being assembled. */
  private static final class Draft {
    final String name;
    final String image;
    String imageId = "";
    String containerId = "";
    int restartCount;
    io.fabric8.kubernetes.api.model.ContainerState state;
    io.fabric8.kubernetes.api.model.ContainerState lastState = new ContainerStateBuilder().build();

    Draft(String name, String image) {
      this.name = name;
      this.image = image;
    }

    static Draft of(ContainerStatus s) {
      Draft d = new Draft(s.getName(), s.getImage());
      d.imageId = s.getImageID() == null ? "" : s.getImageID();
      d.containerId = s.getContainerID() == null ? "" : s.getContainerID();
      d.restartCount = s.getRestartCount() == null ? 0 : s.getRestartCount();
      d.state = s.getState();
      d.lastState = s.getLastState() == null ? new ContainerStateBuilder().build() : s.getLastState();
      return d;
    }

    ContainerStatus build(boolean started, boolean ready) {
      return new ContainerStatusBuilder()
          .withName(name).withImage(image).withImageID(imageId)
          .withContainerID(containerId.isEmpty() ? null : containerId)
          .withRestartCount(restartCount).withState(state).withLastState(lastState)
          .withStarted(started).withReady(ready)
          .build();
    }
  }

  static io.fabric8.kubernetes.api.model.ContainerState waiting(String reason, String message) {
    return new ContainerStateBuilder().withWaiting(new ContainerStateWaitingBuilder()
        .withReason(emptyToNull(reason)).withMessage(emptyToNull(message)).build()).build();
  }

  static PodCondition condition(String type, boolean status, String reason, String message) {
    return new PodConditionBuilder().withType(type).withStatus(status ? "True" : "False")
        .withReason(emptyToNull(reason)).withMessage(emptyToNull(message)).build();
  }

  static Optional<ContainerStatus> find(List<ContainerStatus> statuses, String name) {
    return statuses.stream().filter(s -> s.getName().equals(name)).findFirst();
  }

  static boolean isRestartable(Container c) {
    return "Always".equals(c.getRestartPolicy());
  }

  static boolean anyRegularStarted(PodSpec spec, List<ContainerStatus> statuses) {
    for (Container c : spec.getContainers()) {
      Optional<ContainerStatus> s = find(statuses, c.getName());
      if (s.isPresent() && s.get().getState() != null
          && (s.get().getState().getRunning() != null || s.get().getState().getTerminated() != null)) {
        return true;
      }
    }
    return false;
  }

  private static ContainerStateTerminated lastTerminated(ContainerStatus s) {
    return s.getLastState() == null ? null : s.getLastState().getTerminated();
  }

  private static String restartPolicy(PodSpec spec) {
    return spec.getRestartPolicy() == null || spec.getRestartPolicy().isEmpty() ? "Always" : spec.getRestartPolicy();
  }

  /** A metav1.Time: RFC 3339 in UTC with whole seconds. */
  static String time(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
