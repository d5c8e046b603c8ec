package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two real pods of {@code j8s server} reach each other over the pod network: one serves a page with busybox
 * {@code httpd}, the other fetches it with {@code wget} from the first pod's IP, and both IPs lie in the
 * server's pod CIDR; a {@code hostPort} is reachable on the node (portmap) and gone with its pod; the containers of
 * a {@code shareProcessNamespace} pod see each other's processes.
 */
class PodNetworkIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("network-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @Test
    void aPodFetchesAPageServedByAnotherPodAtItsPodIp() {
        Kubectl kubectl = SERVERS.kubectl();
        String image = REGISTRY.host() + "/busybox:1.0";
        kubectl.run("run", "web", "--image=" + image, "--restart=Never", "--", "sh", "-c",
                "busybox mkdir -p /www; echo hello-from-a > /www/index.html; exec busybox httpd -f -p 8080 -h /www").ok();
        Await.until(LocalRegistry.timeout(), "pod web is Running",
                () -> kubectl.run("get", "pod", "web").ok().cells(), cells -> cells.get(1).get(2).equals("Running"));
        String webIp = kubectl.run("get", "pod", "web", "-o", "jsonpath={.status.podIP}").ok().stdout();
        String cidr = podCidr();
        assertThat(inCidr(webIp, cidr)).as("pod IP %s in the pod CIDR %s", webIp, cidr).isTrue();

        // httpd binds its port a moment after the container started: a few bounded tries, as a readiness probe would.
        // The client prints its own address first, to compare with the podIP its finished pod keeps reporting.
        kubectl.run("run", "client", "--image=" + image, "--restart=Never", "--", "sh", "-c",
                "busybox ip -4 -o addr show dev eth0 | busybox awk '{print \"client-ip\", $4}';"
                        + " for i in 1 2 3 4 5 6 7 8 9 10; do busybox wget -qO- http://" + webIp
                        + ":8080/ && exit 0; sleep 1; done; exit 1").ok();
        Await.until(LocalRegistry.timeout(), "pod client has finished",
                () -> kubectl.run("get", "pod", "client", "-o", "jsonpath={.status.phase}").ok().stdout(),
                phase -> phase.equals("Succeeded") || phase.equals("Failed"));

        List<String> logs = kubectl.run("logs", "client").ok().lines();
        assertThat(logs).hasSize(2);
        assertThat(logs.get(0)).matches("client-ip \\d+\\.\\d+\\.\\d+\\.\\d+/\\d+");
        assertThat(logs.get(1)).isEqualTo("hello-from-a");
        assertThat(kubectl.run("get", "pod", "client", "-o", "jsonpath={.status.phase}").ok().stdout())
                .isEqualTo("Succeeded");
        String clientIp = logs.get(0).substring("client-ip ".length(), logs.get(0).indexOf('/'));
        assertThat(inCidr(clientIp, cidr)).as("pod IP %s in the pod CIDR %s", clientIp, cidr).isTrue();
        assertThat(clientIp).isNotEqualTo(webIp);
        assertThat(kubectl.run("get", "pod", "client", "-o", "jsonpath={.status.podIP} {.status.podIPs[*].ip}").ok()
                .stdout()).as("a finished pod keeps its IPs").isEqualTo(clientIp + " " + clientIp);
        assertThat(kubectl.run("get", "pod", "web").ok().cells().get(1).subList(0, 4))
                .containsExactly("web", "1/1", "Running", "0");
    }

    @Test
    void aHostPortIsReachableOnTheNodeUntilThePodIsDeleted() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        int hostPort = 18091;
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: hostport
                spec:
                  restartPolicy: Never
                  containers:
                  - name: web
                    image: %s/busybox:1.0
                    command: ["sh", "-c", "busybox mkdir -p /www; echo via-host-port > /www/index.html; exec busybox httpd -f -p 8080 -h /www"]
                    ports:
                    - containerPort: 8080
                      hostPort: %d
                """.formatted(REGISTRY.host(), hostPort), "apply", "-f", "-").ok();
        Await.until(LocalRegistry.timeout(), "pod hostport is Running",
                () -> kubectl.run("get", "pod", "hostport").ok().cells(), cells -> cells.get(1).get(2).equals("Running"));

        assertThat(httpGet("127.0.0.1", hostPort)).contains("via-host-port");
        String nodeIp = kubectl.run("get", "pod", "hostport", "-o", "jsonpath={.status.hostIP}").ok().stdout();
        if (!nodeIp.equals("127.0.0.1")) {
            assertThat(httpGet(nodeIp, hostPort)).as("via the node IP %s", nodeIp).contains("via-host-port");
        }
        assertThat(iptablesSave()).contains("--dport " + hostPort + " ");

        kubectl.run("delete", "pod", "hostport", "--grace-period=1", "--wait=true").ok();
        Await.until(LocalRegistry.timeout(), "portmap rules for " + hostPort + " are gone", PodNetworkIT::iptablesSave,
                rules -> !rules.contains("--dport " + hostPort + " "));
    }

    @Test
    void containersOfAPodWithShareProcessNamespaceSeeEachOthersProcesses() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: shared-pid
                spec:
                  restartPolicy: Never
                  shareProcessNamespace: true
                  containers:
                  - name: sleeper
                    image: %1$s/busybox:1.0
                    command: ["sleep", "4242"]
                  - name: looker
                    image: %1$s/busybox:1.0
                    command: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do l=$(for p in /proc/[0-9]*; do busybox tr '\\\\0' ' ' < $p/cmdline; echo; done); echo \\"$l\\" | busybox grep -qx 'sleep 4242 ' && break; sleep 1; done; echo \\"$l\\""]
                """.formatted(REGISTRY.host()), "apply", "-f", "-").ok();
        Await.until(LocalRegistry.timeout(), "container looker of pod shared-pid has finished",
                () -> kubectl.run("get", "pod", "shared-pid", "-o",
                        "jsonpath={.status.containerStatuses[?(@.name==\"looker\")].state.terminated.reason}").ok().stdout(),
                reason -> !reason.isEmpty());

        List<String> seen = kubectl.run("logs", "shared-pid", "-c", "looker").ok().lines();
        assertThat(seen).contains("sleep 4242 ");
        kubectl.run("delete", "pod", "shared-pid", "--grace-period=1", "--wait=true").ok();
    }

    private static String httpGet(String host, int port) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (var socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(host, port), 1000);
                socket.setSoTimeout(3000);
                socket.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (response.contains(" 200 ")) {
                    return response;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no answer from " + host + ":" + port, last);
    }

    /** The host's iptables rules, as {@code iptables-save} prints them. */
    static String iptablesSave() {
        try {
            Process p = new ProcessBuilder("iptables-save").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The pod range the server recorded for its non-default data dir at its first start. */
    private static String podCidr() {
        try {
            return Files.readString(SERVERS.server().dataDir().resolve("pod-cidr")).strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static boolean inCidr(String ip, String cidr) {
        if (!ip.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return false;
        }
        String[] parts = cidr.split("/");
        int bits = Integer.parseInt(parts[1]);
        long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
        return (toLong(ip) & mask) == (toLong(parts[0]) & mask);
    }

    private static long toLong(String ip) {
        long value = 0;
        for (String octet : ip.split("\\.")) {
            value = (value << 8) | Integer.parseInt(octet);
        }
        return value;
    }
}
