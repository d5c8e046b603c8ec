package dev.j8s.kubelet.status;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/** The STATUS and READY cells kubectl prints for a pod (upstream printers.go printPod, spec §8.3). */
final class KubectlPodPrinter {

  private KubectlPodPrinter() {}

  static String ready(Pod pod) {
    List<ContainerStatus> statuses = pod.getStatus().getContainerStatuses();
    long ready = statuses.stream().filter(s -> Boolean.TRUE.equals(s.getReady())
        && s.getState().getRunning() != null).count();
    return ready + "/" + pod.getSpec().getContainers().size();
  }

  static String status(Pod pod) {
    var st = pod.getStatus();
    String reason = st.getPhase();
    if (st.getReason() != null && !st.getReason().isEmpty()) {
      reason = st.getReason();
    }
    boolean initializing = false;
    List<ContainerStatus> inits = st.getInitContainerStatuses();
    for (int i = 0; i < inits.size(); i++) {
      ContainerStatus c = inits.get(i);
      var term = c.getState().getTerminated();
      var wait = c.getState().getWaiting();
      if (term != null && term.getExitCode() == 0) {
        continue;
      }
      if (term != null) {
        reason = term.getReason() == null || term.getReason().isEmpty()
            ? (term.getSignal() != null && term.getSignal() != 0 ? "Init:Signal:" + term.getSignal()
                : "Init:ExitCode:" + term.getExitCode())
            : "Init:" + term.getReason();
        initializing = true;
      } else if (wait != null && wait.getReason() != null && !wait.getReason().isEmpty()
          && !wait.getReason().equals("PodInitializing")) {
        reason = "Init:" + wait.getReason();
        initializing = true;
      } else {
        reason = "Init:" + i + "/" + pod.getSpec().getInitContainers().size();
        initializing = true;
      }
      break;
    }
    if (!initializing) {
      boolean hasRunning = false;
      List<ContainerStatus> cs = st.getContainerStatuses();
      for (int i = cs.size() - 1; i >= 0; i--) {
        ContainerStatus c = cs.get(i);
        var wait = c.getState().getWaiting();
        var term = c.getState().getTerminated();
        if (wait != null && wait.getReason() != null && !wait.getReason().isEmpty()) {
          reason = wait.getReason();
        } else if (term != null && term.getReason() != null && !term.getReason().isEmpty()) {
          reason = term.getReason();
        } else if (term != null) {
          reason = term.getSignal() != null && term.getSignal() != 0 ? "Signal:" + term.getSignal()
              : "ExitCode:" + term.getExitCode();
        } else if (Boolean.TRUE.equals(c.getReady()) && c.getState().getRunning() != null) {
          hasRunning = true;
        }
      }
      if (reason.equals("Completed") && hasRunning) {
        boolean readyCondition = st.getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
        reason = readyCondition ? "Running" : "NotReady";
      }
    }
    if (pod.getMetadata().getDeletionTimestamp() != null && !st.getPhase().equals("Succeeded")
        && !st.getPhase().equals("Failed")) {
      reason = "Terminating";
    }
    return reason;
  }
}
