package dev.j8s.kubelet.status;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the status last written for each pod and writes a new one to the API server only when it differs, one
 * write in flight per pod (upstream {@code pkg/kubelet/status/status_manager.go}); thread-safe.
 *
 * <p>The write is the kubelet's merge patch of {@code pods/status} with the pod's UID as precondition (see
 * {@code dev.j8s.api.PodStatusPatch}); a write the API server refused (the pod is gone or was replaced) is not
 * cached, so the next status for the pod is written again.
 */
public final class StatusManager {

  /** Writes a pod's status (the {@code Cluster.updatePodStatus} of the API client). */
  @FunctionalInterface
  public interface StatusWriter {
    /** The pod as written, or empty when no pod {@code namespace/name} with {@code uid} exists. */
    Optional<Pod> updatePodStatus(String namespace, String name, String uid, PodStatus status);
  }

  private final StatusWriter writer;
  private final Map<String, PodStatus> statuses = new ConcurrentHashMap<>();
  /** One lock per pod UID: a pod's writes go out one at a time, different pods' in parallel. */
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public StatusManager(StatusWriter writer) {
    this.writer = writer;
  }

  /** The status last written for the pod (upstream {@code GetPodStatus}); empty before the first write. */
  public Optional<PodStatus> podStatus(String uid) {
    return Optional.ofNullable(statuses.get(uid));
  }

  /**
   * Upstream {@code SetPodStatus}: writes {@code status} for {@code pod} unless it equals the status last written,
   * and remembers it once the API server took it. Blocks while another write for the same pod is in flight.
   *
   * @return the pod's resourceVersion as this call wrote it; empty when it wrote nothing or the API server refused
   */
  public Optional<String> setPodStatus(Pod pod, PodStatus status) {
    String uid = pod.getMetadata().getUid();
    synchronized (locks.computeIfAbsent(uid, k -> new Object())) {
      if (status.equals(statuses.get(uid))) {
        return Optional.empty();
      }
      Optional<Pod> written = writer.updatePodStatus(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
          uid, status);
      if (written.isPresent()) {
        statuses.put(uid, status);
      }
      return written.map(p -> p.getMetadata() == null ? null : p.getMetadata().getResourceVersion());
    }
  }

  /**
   * Upstream {@code SetContainerReadiness}: the last status written for {@code pod} with the instance
   * {@code containerId} ready or not and the {@code Ready} and {@code ContainersReady} conditions to match, written at
   * once; nothing when no status was written yet or it says so already.
   */
  public void setContainerReadiness(Pod pod, String containerId, boolean ready, java.time.Instant now) {
    String uid = pod.getMetadata().getUid();
    synchronized (locks.computeIfAbsent(uid, k -> new Object())) {
      PodStatus old = statuses.get(uid);
      if (old == null) {
        return;
      }
      PodStatus updated = PodStatusGenerator.withContainerReadiness(pod, old, containerId, ready, now);
      if (updated.equals(old)) {
        return;
      }
      Optional<Pod> written = writer.updatePodStatus(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
          uid, updated);
      if (written.isPresent()) {
        statuses.put(uid, updated);
      }
    }
  }

  /** Forgets a pod that is finished on this node (upstream {@code RemoveOrphanedStatuses} for one pod). */
  public void removePod(String uid) {
    statuses.remove(uid);
    locks.remove(uid);
  }
}
