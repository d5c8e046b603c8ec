package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * CVE-2020-8558: once a {@code hostPort} pod exists, the portmap plugin sets {@code route_localnet} on the pod
 * bridge, and the node would route a packet a pod crafts for {@code 127.0.0.1} to its loopback services. A pod with
 * {@code CAP_NET_RAW} (the default set) sends UDP datagrams to a host listener on the bridge's address (the control:
 * they must arrive, so the probe works) and to one on {@code 127.0.0.1} (they must not: j8s drops them in its
 * instance's own nftables table). The probe is a static C program compiled here with {@code gcc -static}.
 */
class LocalnetIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("localnet-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @TempDir
    static Path build;

    @Test
    void aPodWithNetRawCannotReachAHostLoopbackListenerOnceAHostPortPodExists() throws Exception {
        Path probe = compileProbe();
        String image = REGISTRY.pushBusyboxWith("localnet-probe", "1.0", Map.of("bin/localnet-probe", probe));
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: hostport
                spec:
                  containers:
                  - name: web
                    image: %s
                    command: ["sleep", "3600"]
                    ports:
                    - containerPort: 8080
                      hostPort: 18493
                """.formatted(REGISTRY.image("1.0")), "apply", "-f", "-").ok();
        Await.until(LocalRegistry.timeout(), "pod hostport is Running",
                () -> kubectl.run("get", "pod", "hostport", "-o", "jsonpath={.status.phase}").ok().stdout(),
                "Running"::equals);
        String bridge = SERVERS.server().runtimeConfig().bridgeName();
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/conf", bridge, "route_localnet")).strip())
                .as("the bug's condition: portmap set route_localnet on the bridge").isEqualTo("1");
        InetAddress gateway = ipv4Of(bridge);

        try (DatagramSocket control = new DatagramSocket(new InetSocketAddress(gateway, 0));
             DatagramSocket loopback = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            kubectl.runWithStdin("""
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: probe
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: probe
                        image: %s
                        command: ["sh", "-c", "localnet-probe eth0 %s %d control && localnet-probe eth0 127.0.0.1 %d leaked"]
                        securityContext:
                          capabilities:
                            add: ["NET_RAW"]
                    """.formatted(image, gateway.getHostAddress(), control.getLocalPort(), loopback.getLocalPort()),
                    "apply", "-f", "-").ok();

            assertThat(receive(control, Duration.ofSeconds(30))).as("the probe reaches the node at the bridge's address")
                    .contains("control");
            Await.until(LocalRegistry.timeout(), "pod probe has finished",
                    () -> kubectl.run("get", "pod", "probe", "-o", "jsonpath={.status.phase}").ok().stdout(),
                    phase -> phase.equals("Succeeded") || phase.equals("Failed"));
            List<String> log = kubectl.run("logs", "probe").ok().lines();
            assertThat(log).hasSize(2).allMatch(l -> l.startsWith("sent 10 frames"));
            assertThat(log.get(1)).contains("-> 127.0.0.1:" + loopback.getLocalPort());
            assertThat(receive(loopback, Duration.ofSeconds(3)))
                    .as("a datagram the pod crafted for the node's 127.0.0.1").isEmpty();
        }
        assertThat(nftRuleset()).as("the drop rule in the instance's own table")
                .contains("table ip " + SERVERS.server().runtimeConfig().networkName() + "-localnet");
        kubectl.run("delete", "pod", "probe", "hostport", "--grace-period=1", "--wait=true").ok();
    }

    private static Path compileProbe() throws IOException, InterruptedException {
        return StaticPrograms.compile(build, "localnet-probe");
    }

    private static InetAddress ipv4Of(String interfaceName) throws IOException {
        NetworkInterface nif = NetworkInterface.getByName(interfaceName);
        assertThat(nif).as("bridge " + interfaceName).isNotNull();
        return nif.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst().orElseThrow();
    }

    /** What arrives on {@code socket} within {@code timeout}: the first datagram's text. */
    private static Optional<String> receive(DatagramSocket socket, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        byte[] buffer = new byte[1500];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            socket.receive(packet);
            return Optional.of(new String(buffer, 0, packet.getLength(), StandardCharsets.UTF_8));
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        }
    }

    private static String nftRuleset() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nft", "list", "ruleset").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
