package dev.j8s.proxy.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ProcessRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The table as text: what each kind of service becomes, and that nft accepts it ({@code nft -c}, nothing applied). */
class RulesTest {

    private static final Rules RULES = new Rules("j8s-test-services", "10.244.0.0/16", "10.96.0.0/12",
            List.of("192.0.2.2"));

    private static ServicePort web(int affinity, int nodePort, ServicePort.Endpoint... endpoints) {
        return new ServicePort("default", "web", "http", "tcp", "10.96.130.7", 80, nodePort, List.of(), List.of(),
                List.of(), affinity, false, false, List.of(endpoints));
    }

    private static ServicePort.Endpoint ready(String ip) {
        return new ServicePort.Endpoint(ip, 8080, true, true, false, true);
    }

    @Test
    void aClusterIpBalancesRandomlyOverItsReadyEndpointsWhichMasqueradeTheirOwnTraffic() {
        String script = RULES.script(List.of(web(0, 0, ready("10.244.0.5"), ready("10.244.0.6"),
                new ServicePort.Endpoint("10.244.0.7", 8080, false, false, false, true))));
        String service = Rules.chain("service", "default/web/tcp/http");
        String first = Rules.chain("endpoint", "default/web/tcp/http__10.244.0.5/8080");
        assertThat(service).matches("service-[A-Z2-7]{8}-default/web/tcp/http");
        assertThat(script).contains("add element ip j8s-test-services service-ips { 10.96.130.7 . tcp . 80 : goto "
                + service + " }");
        assertThat(script).contains("chain " + service + " { ip daddr 10.96.130.7 tcp dport 80 ip saddr != "
                + "10.244.0.0/16 jump mark-for-masquerade ; numgen random mod 2 vmap { 0 : goto " + first + ", 1 : goto "
                + Rules.chain("endpoint", "default/web/tcp/http__10.244.0.6/8080") + " } ; }");
        assertThat(script).contains("chain " + first + " { ip saddr 10.244.0.5 jump mark-for-masquerade ;"
                + " meta l4proto tcp dnat to 10.244.0.5:8080 ; }");
        assertThat(script).doesNotContain("10.244.0.7");
        assertThat(script).startsWith("add table ip j8s-test-services\ndelete table ip j8s-test-services\n");
        check(script);
    }

    @Test
    void aServiceWithoutEndpointsIsRejectedOnItsAddressAndNodePort() {
        String script = RULES.script(List.of(web(0, 30080)));
        assertThat(script).contains("no-endpoint-services { 10.96.130.7 . tcp . 80 : goto reject-chain }")
                .contains("no-endpoint-nodeports { tcp . 30080 : goto reject-chain }")
                .doesNotContain("chain " + Rules.chain("service", "default/web/tcp/http"));
        check(script);
    }

    @Test
    void terminatingButServingEndpointsAreUsedOnlyWhenNoneIsReady() {
        ServicePort.Endpoint terminating = new ServicePort.Endpoint("10.244.0.9", 8080, false, true, true, true);
        assertThat(web(0, 0, terminating).usable()).containsExactly(terminating);
        assertThat(web(0, 0, terminating, ready("10.244.0.5")).usable()).extracting(ServicePort.Endpoint::ip)
                .containsExactly("10.244.0.5");
    }

    @Test
    void clientIpAffinityKeepsASourceOnItsEndpointForTheTimeout() {
        String script = RULES.script(List.of(web(10800, 0, ready("10.244.0.5"), ready("10.244.0.6"))));
        String set = Rules.affinitySet("default/web/tcp/http__10.244.0.5/8080", 10800);
        assertThat(script).contains("set " + set + " { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }")
                .contains("ip saddr @" + set + " goto " + Rules.chain("endpoint", "default/web/tcp/http__10.244.0.5/8080"))
                .contains("update @" + set + " { ip saddr } ;");
        check(script);
    }

    @Test
    void nodePortsAndExternalAddressesGoThroughTheExternalChain() {
        ServicePort lb = new ServicePort("default", "web", "", "udp", "10.96.130.8", 53, 30053, List.of(),
                List.of("192.0.2.2"), List.of(), 0, true, false,
                List.of(new ServicePort.Endpoint("10.244.0.5", 5353, true, true, false, true)));
        String script = RULES.script(List.of(lb));
        String external = Rules.chain("external", "default/web/udp/");
        assertThat(script).contains("service-nodeports { udp . 30053 : goto " + external + " }")
                .contains("service-ips { 192.0.2.2 . udp . 53 : goto " + external + " }")
                .contains("add element ip j8s-test-services nodeport-ips { 192.0.2.2 }")
                // Local keeps the client's address, but the node's own traffic must come back through it
                .contains("chain " + external + " { ip saddr 10.244.0.0/16 goto " + Rules.chain("service", "default/web/udp/")
                        + " ; fib saddr type local jump mark-for-masquerade ; fib saddr type local goto ");
        check(script);
    }

    @Test
    void loadBalancerSourceRangesDropOtherSourcesOnTheIngressAddressOnly() {
        ServicePort lb = new ServicePort("default", "web", "http", "tcp", "10.96.130.7", 80, 30080, List.of(),
                List.of("192.0.2.2"), List.of("198.51.100.0/24", "203.0.113.7/32"), 0, false, false,
                List.of(ready("10.244.0.5")));
        String script = RULES.script(List.of(lb));
        String firewall = Rules.chain("firewall", "default/web/tcp/http");
        assertThat(script).contains("chain " + firewall + " { ip saddr != { 198.51.100.0/24, 203.0.113.7/32 } drop ;"
                + " goto " + Rules.chain("external", "default/web/tcp/http") + " ; }")
                .contains("service-ips { 192.0.2.2 . tcp . 80 : goto " + firewall + " }")
                .contains("service-nodeports { tcp . 30080 : goto " + Rules.chain("external", "default/web/tcp/http"));
        check(script);
    }

    @Test
    void localTrafficPoliciesSendTrafficToThisNodesEndpointsOnlyAndDropItWithoutOne() {
        ServicePort.Endpoint here = new ServicePort.Endpoint("10.244.0.5", 8080, true, true, false, true);
        ServicePort.Endpoint there = new ServicePort.Endpoint("10.245.0.5", 8080, true, true, false, false);
        String service = Rules.chain("service", "default/web/tcp/http");
        String local = Rules.chain("local", "default/web/tcp/http");
        String external = Rules.chain("external", "default/web/tcp/http");
        String toHere = Rules.chain("endpoint", "default/web/tcp/http__10.244.0.5/8080");
        String toThere = Rules.chain("endpoint", "default/web/tcp/http__10.245.0.5/8080");

        String externalLocal = RULES.script(List.of(new ServicePort("default", "web", "http", "tcp", "10.96.130.7", 80,
                30080, List.of(), List.of(), List.of(), 0, true, false, List.of(here, there))));
        assertThat(externalLocal)
                .contains("chain " + service + " { ip daddr 10.96.130.7 tcp dport 80 ip saddr != 10.244.0.0/16 jump "
                        + "mark-for-masquerade ; numgen random mod 2 vmap { 0 : goto " + toHere + ", 1 : goto " + toThere
                        + " } ; }")
                .contains("chain " + local + " { ip daddr 10.96.130.7 tcp dport 80 ip saddr != 10.244.0.0/16 jump "
                        + "mark-for-masquerade ; numgen random mod 1 vmap { 0 : goto " + toHere + " } ; }")
                // from outside: this node's endpoint, the client's address kept; from its pods and itself: all
                .contains("chain " + external + " { ip saddr 10.244.0.0/16 goto " + service + " ; fib saddr type local "
                        + "jump mark-for-masquerade ; fib saddr type local goto " + service + " ; goto " + local + " ; }")
                .contains("service-ips { 10.96.130.7 . tcp . 80 : goto " + service + " }");
        check(externalLocal);

        String internalLocal = RULES.script(List.of(new ServicePort("default", "web", "http", "tcp", "10.96.130.7", 80,
                0, List.of(), List.of(), List.of(), 0, false, true, List.of(here, there))));
        assertThat(internalLocal).contains("service-ips { 10.96.130.7 . tcp . 80 : goto " + local + " }")
                .contains("chain " + local + " { ip daddr 10.96.130.7 tcp dport 80 ip saddr != 10.244.0.0/16 jump "
                        + "mark-for-masquerade ; numgen random mod 1 vmap { 0 : goto " + toHere + " } ; }");
        check(internalLocal);

        String noneHere = RULES.script(List.of(new ServicePort("default", "web", "http", "tcp", "10.96.130.7", 80,
                30080, List.of(), List.of(), List.of(), 0, true, true, List.of(there))));
        assertThat(noneHere).contains("chain " + local + " { drop comment \"has no local endpoints\" ; }")
                .contains("service-ips { 10.96.130.7 . tcp . 80 : goto " + local + " }")
                .contains("service-nodeports { tcp . 30080 : goto " + external + " }")
                .doesNotContain("no-endpoint-services { 10.96.130.7");
        check(noneHere);

        ServicePort.Endpoint leavingHere = new ServicePort.Endpoint("10.244.0.9", 8080, false, true, true, true);
        assertThat(new ServicePort("default", "web", "http", "tcp", "10.96.130.7", 80, 0, List.of(), List.of(),
                List.of(), 0, false, true, List.of(leavingHere, there)).usableLocal())
                .as("this node's terminating but serving endpoint while another node has a ready one")
                .containsExactly(leavingHere);
    }

    @Test
    void aMissingOrOffBridgeNetfilterSettingIsReported(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path sysctl = dir.resolve("bridge-nf-call-iptables");
        assertThat(Proxier.checkBridgeNetfilter(sysctl)).isFalse();
        Files.writeString(sysctl, "0\n");
        assertThat(Proxier.checkBridgeNetfilter(sysctl)).isFalse();
        Files.writeString(sysctl, "1\n");
        assertThat(Proxier.checkBridgeNetfilter(sysctl)).isTrue();
    }

    /** nft parses and checks the script against the kernel without applying it. */
    private static void check(String script) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nft")), "nft is installed");
        ProcessRunner.Result result = ProcessRunner.run(List.of("/usr/sbin/nft", "-c", "-f", "-"), Map.of(),
                script.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
        assertThat(result.exitStatus()).as(result.stderrText()).isZero();
    }
}
