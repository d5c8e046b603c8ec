package dev.j8s.kubelet;

import dev.j8s.kubelet.container.RunContainerOptions;
import dev.j8s.kubelet.container.RuntimeHelper;
import dev.j8s.kubelet.volumemanager.VolumeManager;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The kubelet's {@link RuntimeHelper} (upstream {@code kubelet_pods.go}, {@code GenerateRunContainerOptions}):
 * a container's mounts from the volume manager; thread-safe.
 */
final class PodContainerOptions implements RuntimeHelper {

    private final VolumeManager volumes;

    PodContainerOptions(VolumeManager volumes) {
        this.volumes = volumes;
    }

    @Override
    public RunContainerOptions generateRunContainerOptions(Pod pod, Container container, List<String> podIps) {
        return new RunContainerOptions(new LinkedHashMap<>(), volumes.makeMounts(pod, container));
    }
}
