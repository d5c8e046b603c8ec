package dev.j8s.kubelet.sysctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SysctlsTest {

    private static Pod pod(boolean hostNetwork, boolean hostIpc, String... names) {
        List<Sysctl> sysctls = java.util.Arrays.stream(names).map(n -> new Sysctl(n, "1")).toList();
        return new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec().withHostNetwork(hostNetwork)
                .withHostIPC(hostIpc).withNewSecurityContext().withSysctls(sysctls).endSecurityContext().endSpec().build();
    }

    @Test
    void safeSysctlsAreAdmitted() {
        assertThat(Sysctls.admit(pod(false, false, "kernel.shm_rmid_forced", "net.ipv4.ip_unprivileged_port_start",
                "net/ipv4/tcp_syncookies"))).isEmpty();
        assertThat(Sysctls.admit(new PodBuilder().withNewSpec().endSpec().build())).isEmpty();
    }

    @Test
    void anUnsafeSysctlIsRefusedAsUpstreamWordsIt() {
        assertThat(Sysctls.admit(pod(false, false, "kernel.shm_rmid_forced", "kernel.msgmax")))
                .isEqualTo(Optional.of("forbidden sysctl: \"kernel.msgmax\" not allowlisted"));
    }

    @Test
    void aSafeSysctlOfANamespaceSharedWithTheHostIsRefused() {
        assertThat(Sysctls.admit(pod(true, false, "net.ipv4.tcp_syncookies")))
                .isEqualTo(Optional.of("forbidden sysctl: \"net.ipv4.tcp_syncookies\" not allowed with host net enabled"));
        assertThat(Sysctls.admit(pod(false, true, "kernel.shm_rmid_forced")))
                .isEqualTo(Optional.of("forbidden sysctl: \"kernel.shm_rmid_forced\" not allowed with host ipc enabled"));
    }

    @Test
    void slashedNamesAreDotted() {
        assertThat(Sysctls.dotted("net/ipv4/conf/eno2.100/rp_filter")).isEqualTo("net.ipv4.conf.eno2/100.rp_filter");
        assertThat(Sysctls.dotted("net.ipv4.conf.eno2/100.rp_filter")).isEqualTo("net.ipv4.conf.eno2/100.rp_filter");
    }
}
