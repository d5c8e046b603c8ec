package dev.j8s.kubelet.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.kubelet.container.ConfigException;
import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.runtime.PodSandboxConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfigOptionBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DnsConfigurerTest {

    @TempDir
    Path dir;

    private final RecordingEventRecorder events = new RecordingEventRecorder();

    private DnsConfigurer configurer(String hostResolv, List<String> clusterDns) throws Exception {
        return new DnsConfigurer(Files.writeString(dir.resolve("resolv.conf"), hostResolv), dir.resolve("resolved.conf"),
                clusterDns, "cluster.local", events);
    }

    private static PodBuilder pod(String policy) {
        return new PodBuilder().withNewMetadata().withName("web").withNamespace("shop").withUid("u-1").endMetadata()
                .withNewSpec().withDnsPolicy(policy).withNodeName("node-1").endSpec();
    }

    private static final String HOST = """
            # written by the installer
            nameserver 10.255.255.53
            search corp.example. lab.example
            nameserver 127.0.0.53 ; the local stub
            options edns0 timeout:2
            """;

    @Test
    void clusterFirstWithoutClusterDnsFallsBackToTheNodesResolversWithUpstreamsEventsOnPodAndNode() throws Exception {
        PodSandboxConfig.DnsConfig dns = configurer(HOST, List.of()).podDns(pod("ClusterFirst").build());
        assertThat(dns.resolvConf()).isEqualTo("""
                search corp.example lab.example
                nameserver 10.255.255.53
                options edns0 timeout:2
                """);
        assertThat(events.events()).extracting(e -> e.involved().getKind() + " " + e.line()).containsExactly(
                "Pod Warning MissingClusterDNS pod: \"web_shop(u-1)\". kubelet does not have ClusterDNS IP configured and"
                        + " cannot create Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy.",
                "Node Warning MissingClusterDNS kubelet does not have ClusterDNS IP configured and cannot create Pod"
                        + " using \"ClusterFirst\" policy. Falling back to \"Default\" policy.");
    }

    @Test
    void clusterFirstWithClusterDnsSearchesTheNamespaceFirstWithNdotsFive() throws Exception {
        PodSandboxConfig.DnsConfig dns = configurer(HOST, List.of("10.96.0.10")).podDns(pod(null).build());
        assertThat(dns.resolvConf()).isEqualTo("""
                search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example
                nameserver 10.96.0.10
                options ndots:5
                """);
        assertThat(events.lines()).isEmpty();
    }

    @Test
    void aHostNetworkPodWithClusterFirstUsesTheNodesResolversButClusterFirstWithHostNetTheClusters() throws Exception {
        DnsConfigurer withCluster = configurer(HOST, List.of("10.96.0.10"));

        assertThat(withCluster.podDns(pod("ClusterFirst").editSpec().withHostNetwork(true).endSpec().build())
                .servers()).containsExactly("10.255.255.53");
        assertThat(withCluster.podDns(pod("ClusterFirstWithHostNet").editSpec().withHostNetwork(true).endSpec()
                .build()).servers()).containsExactly("10.96.0.10");
    }

    @Test
    void defaultNeverHandsAPodALoopbackStubAndPrefersSystemdResolvedsList() throws Exception {
        DnsConfigurer stubOnly = configurer("nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n", List.of());
        assertThat(stubOnly.podDns(pod("Default").build()).servers()).isEmpty();
        Files.writeString(dir.resolve("resolved.conf"), "nameserver 192.0.2.1\nnameserver 192.0.2.2\n");
        assertThat(stubOnly.podDns(pod("Default").build()).servers()).containsExactly("192.0.2.1", "192.0.2.2");
        assertThat(events.lines()).isEmpty();
    }

    @Test
    void noneUsesOnlyDnsConfigAndPodOptionsOverrideTheNodesByName() throws Exception {
        Pod none = pod("None").editSpec().withNewDnsConfig().withNameservers("1.1.1.1", "1.1.1.1")
                .withSearches("a.example").withOptions(new PodDNSConfigOptionBuilder().withName("ndots").withValue("2")
                        .build()).endDnsConfig().endSpec().build();
        assertThat(configurer(HOST, List.of()).podDns(none).resolvConf()).isEqualTo("""
                search a.example
                nameserver 1.1.1.1
                options ndots:2
                """);
        Pod merged = pod("Default").editSpec().withNewDnsConfig().withSearches("lab.example", "x.example")
                .withOptions(new PodDNSConfigOptionBuilder().withName("timeout").withValue("5").build(),
                        new PodDNSConfigOptionBuilder().withName("single-request").build())
                .endDnsConfig().endSpec().build();
        assertThat(configurer(HOST, List.of()).podDns(merged).resolvConf()).isEqualTo("""
                search corp.example lab.example x.example
                nameserver 10.255.255.53
                options edns0 timeout:5 single-request
                """);
    }

    @Test
    void moreThanThreeNameserversAreCutWithUpstreamsEvent() throws Exception {
        Pod pod = pod("None").editSpec().withNewDnsConfig().withNameservers("1.0.0.1", "1.0.0.2", "1.0.0.3", "1.0.0.4")
                .endDnsConfig().endSpec().build();
        assertThat(configurer(HOST, List.of()).podDns(pod).servers()).containsExactly("1.0.0.1", "1.0.0.2", "1.0.0.3");
        assertThat(events.lines()).containsExactly("Warning DNSConfigForming Nameserver limits were exceeded, some"
                + " nameservers have been omitted, the applied nameserver line is: 1.0.0.1 1.0.0.2 1.0.0.3");
    }

    @Test
    void hostnamesFollowSpecHostnameSubdomainAndSetHostnameAsFqdn() {
        Pod plain = pod(null).build();
        assertThat(PodHostnames.of(plain, "cluster.local")).isEqualTo(new PodHostnames.Names("web", "", "web"));
        Pod sub = pod(null).editSpec().withHostname("db-0").withSubdomain("db").endSpec().build();
        assertThat(PodHostnames.of(sub, "cluster.local"))
                .isEqualTo(new PodHostnames.Names("db-0", "db.shop.svc.cluster.local", "db-0"));
        Pod fqdn = new PodBuilder(sub).editSpec().withSetHostnameAsFQDN(true).endSpec().build();
        assertThat(PodHostnames.of(fqdn, "cluster.local").kernel()).isEqualTo("db-0.db.shop.svc.cluster.local");
        String longName = "a".repeat(61) + "-.b";
        assertThat(PodHostnames.of(pod(null).editMetadata().withName(longName).endMetadata().build(), "cluster.local")
                .hostname()).isEqualTo("a".repeat(61));
        Pod tooLong = new PodBuilder(fqdn).editSpec().withHostname("h".repeat(40)).endSpec().build();
        assertThatThrownBy(() -> PodHostnames.of(tooLong, "cluster.local")).isInstanceOf(ConfigException.class)
                .hasMessage("failed to construct FQDN from pod hostname and cluster domain, FQDN " + "h".repeat(40)
                        + ".db.shop.svc.cluster.local is too long (64 characters is the max, 66 characters requested)");
    }
}
