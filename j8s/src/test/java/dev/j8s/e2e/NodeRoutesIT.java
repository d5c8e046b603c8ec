package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pods reach the pods of a node on another machine through a host route to its {@code spec.podCIDR} via its
 * {@code InternalIP}. The other machine is a network namespace this test makes: a veth pair on a test subnet
 * (172.30.77.0/29, the machine at .2 and .3) and, inside, an address of the fake Node's pod range (10.77.77.7) where
 * busybox httpd answers. The route follows the Node's address, goes when the address leaves the connected subnet
 * (with a log line saying why) and when the Node is deleted, stays when the server stops, and {@code j8s reset}
 * removes it and no other route of the j8s protocol (needs root).
 */
class NodeRoutesIT {

    private static final String NODE = "routes-node";
    private static final String PEER = "routes-peer";
    private static final String NETNS = "j8s-e2e-routes-peer";
    private static final String HOST_LINK = "j8se2e-rt0";
    private static final String PEER_LINK = "j8se2e-rt1";
    private static final String RANGE = "10.77.77.0/24";
    private static final String PEER_POD_IP = "10.77.77.7";
    /** A route of the j8s protocol that another instance owns: reset must leave it. */
    private static final String FOREIGN_RANGE = "10.77.78.0/24";

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.perTest();

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @Test
    void aPodReachesAnotherMachinesPodRangeThroughARouteThatFollowsTheNodeAndResetRemovesIt() throws Exception {
        Path www = Files.createTempDirectory("j8s-e2e-routes-www-");
        Process httpd = null;
        try {
            run("ip", "netns", "add", NETNS);
            run("ip", "link", "add", HOST_LINK, "type", "veth", "peer", "name", PEER_LINK, "netns", NETNS);
            run("ip", "addr", "add", "172.30.77.1/29", "dev", HOST_LINK);
            run("ip", "link", "set", HOST_LINK, "up");
            run("ip", "-n", NETNS, "addr", "add", "172.30.77.2/29", "dev", PEER_LINK);
            run("ip", "-n", NETNS, "addr", "add", "172.30.77.3/29", "dev", PEER_LINK);
            run("ip", "-n", NETNS, "addr", "add", PEER_POD_IP + "/32", "dev", "lo");
            run("ip", "-n", NETNS, "link", "set", "lo", "up");
            run("ip", "-n", NETNS, "link", "set", PEER_LINK, "up");
            run("ip", "-n", NETNS, "route", "add", "default", "via", "172.30.77.1");
            Files.writeString(www.resolve("index.html"), "the other machine\n");
            httpd = new ProcessBuilder("ip", "netns", "exec", NETNS, "/bin/busybox", "httpd", "-f", "-p",
                    PEER_POD_IP + ":8080", "-h", www.toString()).redirectErrorStream(true).start();

            J8sServer server = SERVERS.startServer(NODE);
            Kubectl kubectl = Kubectl.dispatcher(server.kubeconfig(), SERVERS.home());
            String ownRange = Files.readString(server.dataDir().resolve("pod-cidr")).strip(); // chosen at first start
            Await.until(Duration.ofSeconds(30), "the node publishes its pod range",
                    () -> kubectl.run("get", "node", NODE, "-o", "jsonpath={.spec.podCIDR}").ok().stdout(),
                    ownRange::equals);

            createPeer(kubectl);
            awaitRoute("through the peer's address", "172.30.77.2");

            kubectl.runWithStdin("""
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: client
                    spec:
                      nodeName: %s
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: c
                        image: %s/busybox:1.0
                        command: ["sleep", "3600"]
                    """.formatted(NODE, REGISTRY.host()), "apply", "-f", "-").ok();
            Await.until(LocalRegistry.timeout(), "pod client Running",
                    () -> kubectl.run("get", "pod", "client", "-o", "jsonpath={.status.phase}").ok().stdout(),
                    "Running"::equals);
            Kubectl.Result fetched = kubectl.run("exec", "client", "--", "busybox", "timeout", "10", "busybox", "wget",
                    "-qO-", "http://" + PEER_POD_IP + ":8080/");
            assertThat(fetched.exitCode()).as(fetched.stderr() + "\n" + run("ip", "route")).isZero();
            assertThat(fetched.stdout()).isEqualTo("the other machine\n");

            // the address changes: the route follows
            setAddress(kubectl, "172.30.77.3");
            awaitRoute("through the peer's new address", "172.30.77.3");
            // an address behind a router: no route, and the log says why
            J8sServer.LogMark mark = server.logMark();
            setAddress(kubectl, "198.51.100.7");
            awaitRoute("gone while the address is not on a connected subnet", null);
            Await.until(Duration.ofSeconds(10), "the log line saying why there is no route", () -> server.logsSince(mark),
                    log -> log.contains("no route to the pods of node=" + PEER + ": its InternalIP 198.51.100.7 is "));
            setAddress(kubectl, "172.30.77.2");
            awaitRoute("back", "172.30.77.2");

            kubectl.run("delete", "node", PEER).ok();
            awaitRoute("gone with the Node", null);

            createPeer(kubectl);
            awaitRoute("for the Node made again", "172.30.77.2");
            run("ip", "route", "add", FOREIGN_RANGE, "via", "172.30.77.2", "proto", "74", "metric", "7");

            assertThat(server.stop()).as("stopped on SIGTERM").isTrue();
            assertThat(ourRoutes()).as("the routes outlive the server, as its containers do")
                    .contains(RANGE + " via 172.30.77.2");
            J8sServer.Cli reset = J8sServer.cli("reset", "--data-dir", server.dataDir().toString());
            assertThat(reset.exitCode()).as(reset.toString()).isZero();
            assertThat(reset.stdout()).contains("removed the host route to other nodes' pod ranges: " + RANGE
                    + " via 172.30.77.2\n");
            assertThat(ourRoutes()).as("the j8s routes after reset").doesNotContain(RANGE)
                    .contains(FOREIGN_RANGE + " via 172.30.77.2");
        } finally {
            if (httpd != null) {
                httpd.destroyForcibly();
                httpd.waitFor();
            }
            runQuietly("ip", "route", "del", FOREIGN_RANGE, "proto", "74", "metric", "7");
            // the pair first: a deleted namespace takes its end of the pair along only once the kernel frees it,
            // a moment later, while deleting one end removes both at once
            runQuietly("ip", "link", "del", HOST_LINK);
            runQuietly("ip", "netns", "del", NETNS);
            J8sServer.deleteRecursively(www);
        }
        assertThat(run("ip", "route")).as("routes through the test subnet").doesNotContain("172.30.77.");
        assertThat(run("ip", "netns", "list")).doesNotContain(NETNS);
        assertThat(Path.of("/sys/class/net", HOST_LINK)).doesNotExist();
    }

    /** The other machine's Node: its pod range, and its address on the test subnet. */
    private static void createPeer(Kubectl kubectl) {
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Node
                metadata:
                  name: %s
                spec:
                  podCIDR: %s
                  podCIDRs: [%s]
                """.formatted(PEER, RANGE, RANGE), "create", "-f", "-").ok();
        setAddress(kubectl, "172.30.77.2");
    }

    private static void setAddress(Kubectl kubectl, String address) {
        kubectl.run("patch", "node", PEER, "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"" + address + "\"}]}}").ok();
    }

    /** Waits until the route to the peer's range goes through {@code via}, or is gone when null. */
    private static void awaitRoute(String what, String via) {
        Await.until(Duration.ofSeconds(30), "the route to " + RANGE + " " + what, NodeRoutesIT::ourRoutes,
                routes -> via == null ? !routes.contains(RANGE + " ") : routes.contains(RANGE + " via " + via + " "));
    }

    /** The j8s protocol's routes ({@code ip route show proto 74}). */
    private static String ourRoutes() {
        try {
            return run("ip", "route", "show", "proto", "74");
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static void runQuietly(String... command) throws InterruptedException {
        try {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor();
        } catch (IOException e) {
            // nothing to clean
        }
    }
}
