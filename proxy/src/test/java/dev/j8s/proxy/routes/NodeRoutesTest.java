package dev.j8s.proxy.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class NodeRoutesTest {

    private static final String OWN = "10.201.0.0/16";

    /** 192.0.2.0/24 is connected, 192.0.2.2 is this machine, everything else through 192.0.2.1. */
    private static final Function<String, HostRoutes.Reach> REACH = ip -> ip.equals("192.0.2.2")
            ? new HostRoutes.Reach.Local()
            : ip.startsWith("192.0.2.") ? new HostRoutes.Reach.Connected("eth0")
            : ip.startsWith("203.0.113.") ? new HostRoutes.Reach.Unreachable("RTNETLINK answers: Network is unreachable")
            : new HostRoutes.Reach.ThroughGateway("192.0.2.1");

    @Test
    void anotherNodeOnAConnectedSubnetIsRoutedThroughItsInternalIp() {
        NodeRoutes.Plan plan = NodeRoutes.plan(List.of(node("self", OWN, "192.0.2.2"),
                node("peer", "10.244.1.0/24", "192.0.2.7")), "self", OWN, REACH);

        assertThat(plan.routes()).containsExactly(
                Map.entry("10.244.1.0/24", new HostRoutes.Route("10.244.1.0/24", "192.0.2.7")));
        assertThat(plan.noRoute()).isEmpty();
    }

    @Test
    void aRangeIsRoutedByItsNetworkAddressAsTheKernelPrintsIt() {
        NodeRoutes.Plan plan = NodeRoutes.plan(List.of(node("a", "10.244.1.9/24", "192.0.2.7"),
                node("b", "10.244.2.5/32", "192.0.2.8")), "self", OWN, REACH);

        assertThat(plan.routes()).containsOnlyKeys("10.244.1.0/24", "10.244.2.5");
    }

    @Test
    void noRouteAndAReasonWhereTheAddressIsLocalBehindARouterOrUnreachable() {
        NodeRoutes.Plan plan = NodeRoutes.plan(List.of(
                node("same-machine", "10.202.0.0/16", "192.0.2.2"),
                node("far", "10.244.3.0/24", "198.51.100.4"),
                node("gone", "10.244.4.0/24", "203.0.113.9")), "self", OWN, REACH);

        assertThat(plan.routes()).isEmpty();
        assertThat(plan.noRoute()).containsExactly(
                Map.entry("far", "its InternalIP 198.51.100.4 is not on a directly connected subnet (reached through"
                        + " the router 192.0.2.1)"),
                Map.entry("gone", "its InternalIP 203.0.113.9 is unreachable: RTNETLINK answers: Network is"
                        + " unreachable"),
                Map.entry("same-machine", "its InternalIP 192.0.2.2 is an address of this machine, whose bridges"
                        + " reach its pods"));
    }

    @Test
    void theOwnNodeAndRangesOverlappingTheOwnOrAnEarlierOneAreNeverRouted() {
        NodeRoutes.Plan plan = NodeRoutes.plan(List.of(
                node("self", OWN, "192.0.2.2"),
                node("a", "10.244.1.0/24", "192.0.2.7"),
                node("b", "10.244.0.0/16", "192.0.2.8"),
                node("c", "10.201.5.0/24", "192.0.2.9")), "self", OWN, REACH);

        assertThat(plan.routes()).containsOnlyKeys("10.244.1.0/24");
        assertThat(plan.noRoute()).containsExactly(
                Map.entry("b", "its podCIDR 10.244.0.0/16 overlaps the pod range of node a"),
                Map.entry("c", "its podCIDR 10.201.5.0/24 overlaps this node's pod range 10.201.0.0/16"));
    }

    @Test
    void aNodeWithoutRangeOrIpv4AddressGetsNoRoute() {
        Node noAddress = new NodeBuilder(node("no-address", "10.244.6.0/24", "192.0.2.9")).editStatus()
                .withAddresses(List.of()).endStatus().build();
        NodeRoutes.Plan plan = NodeRoutes.plan(List.of(node("no-range", "", "192.0.2.7"),
                node("v6", "fd00:10::/64", "192.0.2.8"), noAddress), "self", OWN, REACH);

        assertThat(plan.routes()).isEmpty();
        assertThat(plan.noRoute()).containsExactly(
                Map.entry("no-address", "it has no IPv4 InternalIP address"),
                Map.entry("no-range", "it has no spec.podCIDR"),
                Map.entry("v6", "its podCIDR fd00:10::/64 is not an IPv4 range"));
    }

    @Test
    void ipListingsAreReadAsTheInstancesRoutesOnly() {
        String json = """
                [{"dst":"10.77.0.0/24","gateway":"172.30.1.3","dev":"d0","metric":99,"flags":[]},\
                {"dst":"10.78.0.0/24","gateway":"172.30.1.2","dev":"d0","metric":123456,"flags":[]},\
                {"dst":"10.79.0.0/24","gateway":"172.30.1.2","dev":"d0","flags":[]}]""";

        assertThat(HostRoutes.parseRoutes(json, 123456)).containsExactly(
                new HostRoutes.Route("10.78.0.0/24", "172.30.1.2"));
        assertThat(HostRoutes.parseRoutes("", 123456)).isEmpty();
    }

    @Test
    void ipRouteGetTellsLocalConnectedAndRoutedAddressesApart() {
        assertThat(HostRoutes.parseReach("""
                [{"type":"local","dst":"172.30.1.1","dev":"lo","prefsrc":"172.30.1.1","flags":[],"uid":0}]"""))
                .isEqualTo(new HostRoutes.Reach.Local());
        assertThat(HostRoutes.parseReach("""
                [{"dst":"172.30.1.9","dev":"d0","prefsrc":"172.30.1.1","flags":[],"uid":0,"cache":[]}]"""))
                .isEqualTo(new HostRoutes.Reach.Connected("d0"));
        assertThat(HostRoutes.parseReach("""
                [{"dst":"8.8.8.8","gateway":"192.0.2.1","dev":"eth0","prefsrc":"192.0.2.2","flags":[]}]"""))
                .isEqualTo(new HostRoutes.Reach.ThroughGateway("192.0.2.1"));
    }

    @Test
    void eachInstanceHasItsOwnMetricUnderTheJ8sProtocol() {
        assertThat(HostRoutes.of("j8s-0123abcd")).isEqualTo(HostRoutes.of("j8s-0123abcd"));
        assertThat(HostRoutes.of("j8s-0123abcd").metric()).isNotEqualTo(HostRoutes.of("j8s-89abcdef").metric())
                .isBetween(0x4A00_0000L, 0x4AFF_FFFFL);
    }

    private static Node node(String name, String podCidr, String internalIp) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withPodCIDR(podCidr)
                .endSpec().withNewStatus().addNewAddress().withType("Hostname").withAddress(name).endAddress()
                .addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress().endStatus().build();
    }
}
