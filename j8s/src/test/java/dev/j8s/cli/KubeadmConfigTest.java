package dev.j8s.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KubeadmConfigTest {

    @Test
    void theClusterConfigurationCarriesTheRangesAsKubeadmWritesThem() {
        String yaml = KubeadmConfig.clusterConfiguration("10.170.0.0/16", "10.220.0.0/16", "cluster.local");

        assertThat(yaml).startsWith("apiVersion: \"kubeadm.k8s.io/v1beta4\"\nkind: \"ClusterConfiguration\"\n")
                .contains("networking:\n  dnsDomain: \"cluster.local\"\n  podSubnet: \"10.220.0.0/16\"\n"
                        + "  serviceSubnet: \"10.170.0.0/16\"\n");
        assertThat(KubeadmConfig.serviceSubnet(yaml)).contains("10.170.0.0/16");
    }

    @Test
    void aKubeadmClustersServiceSubnetIsReadAndADualStackPairGivesItsFirstRange() {
        assertThat(KubeadmConfig.serviceSubnet("""
                apiServer: {}
                apiVersion: kubeadm.k8s.io/v1beta3
                kind: ClusterConfiguration
                networking:
                  dnsDomain: cluster.local
                  podSubnet: 192.168.0.0/17
                  serviceSubnet: 192.168.128.0/17,fd00:10:96::/112
                """)).contains("192.168.128.0/17");
        assertThat(KubeadmConfig.serviceSubnet("kind: ClusterConfiguration\nnetworking: {}\n")).isEqualTo(Optional.empty());
        assertThatThrownBy(() -> KubeadmConfig.serviceSubnet("networking: [unclosed"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ConfigMap kube-system/kubeadm-config: ClusterConfiguration is not YAML: ");
    }

    @Test
    void theProxysRefusalNamesWhatIsDeniedAndTheBindingToCreate() {
        assertThat(ProxyAccess.refusal(List.of("list services", "watch services"), "worker-1", "system:node:worker-1"))
                .isEqualTo("the service proxy's credentials may not list services, watch services cluster-wide; bind"
                        + " the ClusterRole system:node-proxier to them (as kube-proxy's are): kubectl create"
                        + " clusterrolebinding worker-1-proxier --clusterrole=system:node-proxier"
                        + " --user=system:node:worker-1, or give the agent --proxy-kubeconfig with credentials that"
                        + " have it");
        assertThat(ProxyAccess.needed(false)).extracting(ProxyAccess.Resource::display)
                .containsExactly("services", "endpoints", "nodes");
        assertThat(ProxyAccess.needed(true)).extracting(ProxyAccess.Resource::display)
                .containsExactly("services", "endpointslices.discovery.k8s.io", "nodes");
    }
}
