package dev.j8s.kubelet;

import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.container.ContainerReferences;
import dev.j8s.kubelet.container.RunContainerOptions;
import dev.j8s.kubelet.container.RuntimeHelper;
import dev.j8s.kubelet.envvars.DownwardApi;
import dev.j8s.kubelet.envvars.EnvironmentVariables;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import dev.j8s.kubelet.volumemanager.VolumeManager;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.function.Supplier;

/**
 * The kubelet's {@link RuntimeHelper} (upstream {@code kubelet_pods.go}, {@code GenerateRunContainerOptions}):
 * a container's environment ({@link EnvironmentVariables}) and its mounts from the volume manager; thread-safe.
 */
final class PodContainerOptions implements RuntimeHelper {

    private final EnvironmentVariables env;
    private final VolumeManager volumes;
    private final Supplier<DownwardApi.Node> node;
    private final EventRecorder recorder;

    PodContainerOptions(EnvironmentVariables env, VolumeManager volumes, Supplier<DownwardApi.Node> node,
            EventRecorder recorder) {
        this.env = env;
        this.volumes = volumes;
        this.node = node;
        this.recorder = recorder;
    }

    @Override
    public RunContainerOptions generateRunContainerOptions(Pod pod, Container container,
            Supplier<List<String>> podIps) {
        EnvironmentVariables.Result vars = env.make(pod, container,
                needsPodIps(container) ? podIps.get() : List.of(), node.get());
        for (EnvironmentVariables.SkippedKeys skipped : vars.skipped()) {
            recorder.event(ContainerReferences.of(pod, container, kind(pod, container)), EventType.WARNING,
                    EventReason.INVALID_ENVIRONMENT_VARIABLE_NAMES, skipped.message());
        }
        return new RunContainerOptions(vars.env(), volumes.makeMounts(pod, container, vars.env()));
    }

    /** Whether the container's environment asks for the pod's IPs (which may wait for the sandbox's network). */
    private static boolean needsPodIps(Container container) {
        for (EnvVar v : container.getEnv()) {
            if (v.getValueFrom() != null && v.getValueFrom().getFieldRef() != null
                    && String.valueOf(v.getValueFrom().getFieldRef().getFieldPath()).startsWith("status.podIP")) {
                return true;
            }
        }
        return false;
    }

    private static ContainerKind kind(Pod pod, Container container) {
        return pod.getSpec().getInitContainers().contains(container) ? ContainerKind.INIT_CONTAINER
                : ContainerKind.CONTAINER;
    }
}
