package dev.j8s.kubelet.kuberuntime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.kubelet.container.RuntimeHelper;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.lifecycle.HookJournal;
import dev.j8s.kubelet.prober.results.ProbeResults;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.PodSandboxConfig.PortMapping;
import dev.j8s.runtime.PodSandboxConfig.Protocol;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxConfigTest {

    @TempDir
    Path dir;

    private PodSandboxConfig sandboxConfig(Pod pod) throws Exception {
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.0.0.53\n");
        // Only the pod and the host's resolv.conf are read when the sandbox config is made.
        return new KubeRuntimeManager(null, null, EventRecorder.DISCARD, null, null, Clock.systemUTC(), resolv,
                Optional.empty(), RuntimeHelper.NONE, new HookJournal(dir.resolve("pods"), Clock.systemUTC()),
                ProbeResults.NONE)
                .sandboxConfig(pod, 0);
    }

    private static ContainerPortBuilder port(int containerPort) {
        return new ContainerPortBuilder().withContainerPort(containerPort).withProtocol("TCP");
    }

    @Test
    void containerPortsWithAHostPortBecomeTheSandboxPortMappingsInOrder() throws Exception {
        Pod pod = new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("u-1")
                .endMetadata().withNewSpec()
                .addToInitContainers(new ContainerBuilder().withName("init")
                        .withPorts(port(9000).withHostPort(19000).build()).build())
                .addToContainers(new ContainerBuilder().withName("a").withPorts(
                        port(8080).withHostPort(18080).build(),
                        port(8081).build(),
                        port(53).withProtocol("UDP").withHostPort(1053).withHostIP("127.0.0.1").build()).build())
                .addToContainers(new ContainerBuilder().withName("b").withPorts(
                        port(7000).withProtocol("SCTP").withHostPort(17000).build()).build())
                .endSpec().build();

        assertThat(sandboxConfig(pod).portMappings()).containsExactly(
                new PortMapping(Protocol.TCP, 8080, 18080, ""),
                new PortMapping(Protocol.UDP, 53, 1053, "127.0.0.1"),
                new PortMapping(Protocol.SCTP, 7000, 17000, ""));
    }

    @Test
    void aPortWhoseNameRepeatsInTheSameContainerIsSkipped() throws Exception {
        Pod pod = new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("u-1")
                .endMetadata().withNewSpec()
                .addToContainers(new ContainerBuilder().withName("a").withPorts(
                        port(8080).withName("http").withHostPort(18080).build(),
                        port(8081).withName("http").withHostPort(18081).build(),
                        port(9090).withHostPort(19090).build(),
                        port(9090).withHostPort(19091).build()).build())
                .endSpec().build();

        assertThat(sandboxConfig(pod).portMappings()).extracting(PortMapping::hostPort).containsExactly(18080, 19090);
    }

    @Test
    void shareProcessNamespaceAsksTheSandboxForASharedPidNamespace() throws Exception {
        Pod shared = new PodBuilder().withNewMetadata().withName("p").withNamespace("default").withUid("u-1")
                .endMetadata().withNewSpec().withShareProcessNamespace(true)
                .addToContainers(new ContainerBuilder().withName("a").build()).endSpec().build();
        Pod apart = new PodBuilder(shared).editSpec().withShareProcessNamespace(null).endSpec().build();

        assertThat(sandboxConfig(shared).sharedPidNamespace()).isTrue();
        assertThat(sandboxConfig(apart).sharedPidNamespace()).isFalse();
        assertThat(sandboxConfig(apart).portMappings()).isEmpty();
    }

    @Test
    void aHostNetworkPodSharesTheHostsNamespacesAndItsPortsBecomeNoMappings() throws Exception {
        Pod pod = new PodBuilder().withNewMetadata().withName("hn").withNamespace("default").withUid("u-2")
                .endMetadata().withNewSpec().withHostNetwork(true).withHostPID(true).withHostIPC(true)
                .addToContainers(new ContainerBuilder().withName("a")
                        .withPorts(port(8080).withHostPort(8080).build()).build())
                .endSpec().build();

        PodSandboxConfig config = sandboxConfig(pod);

        assertThat(config.portMappings()).as("no hostPort DNAT rules for a hostNetwork pod").isEmpty();
        assertThat(config.linux().hostNetwork()).isTrue();
        assertThat(config.linux().hostPid()).isTrue();
        assertThat(config.linux().hostIpc()).isTrue();
    }

    @Test
    void thePodSysctlsGoToTheSandboxWithSlashedNamesDotted() throws Exception {
        Pod pod = new PodBuilder().withNewMetadata().withName("s").withNamespace("default").withUid("u-3")
                .endMetadata().withNewSpec().withNewSecurityContext()
                .addNewSysctl().withName("net.ipv4.ip_unprivileged_port_start").withValue("0").endSysctl()
                .addNewSysctl().withName("net/ipv4/ip_local_port_range").withValue("1024 2048").endSysctl()
                .endSecurityContext().addToContainers(new ContainerBuilder().withName("a").build()).endSpec().build();

        assertThat(sandboxConfig(pod).linux().sysctls()).containsOnly(
                java.util.Map.entry("net.ipv4.ip_unprivileged_port_start", "0"),
                java.util.Map.entry("net.ipv4.ip_local_port_range", "1024 2048"));
        assertThat(sandboxConfig(pod).linux().hostNetwork()).isFalse();
    }
}
