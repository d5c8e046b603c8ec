package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two real pods of {@code j8s server} reach each other over the pod network: one serves a page with busybox
 * {@code httpd}, the other fetches it with {@code wget} from the first pod's IP, and both IPs lie in the
 * server's pod CIDR.
 */
class PodNetworkIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("network-node");

    private static LocalRegistry registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        LocalRegistry.assumePodsCanRun();
        registry = LocalRegistry.startInTempDir();
        registry.pushBusybox(List.of("1.0"));
    }

    @AfterAll
    static void removePodsAndStopRegistry() throws IOException {
        if (registry != null) {
            SERVERS.kubectl().run("delete", "pods", "--all", "--grace-period=1", "--wait=true");
            registry.close();
        }
    }

    @Test
    void aPodFetchesAPageServedByAnotherPodAtItsPodIp() {
        Kubectl kubectl = SERVERS.kubectl();
        String image = registry.host() + "/busybox:1.0";
        kubectl.run("run", "web", "--image=" + image, "--restart=Never", "--", "sh", "-c",
                "busybox mkdir -p /www; echo hello-from-a > /www/index.html; exec busybox httpd -f -p 8080 -h /www").ok();
        Await.until(LocalRegistry.timeout(), "pod web is Running",
                () -> kubectl.run("get", "pod", "web").ok().cells(), cells -> cells.get(1).get(2).equals("Running"));
        String webIp = kubectl.run("get", "pod", "web", "-o", "jsonpath={.status.podIP}").ok().stdout();
        String cidr = podCidr();
        assertThat(inCidr(webIp, cidr)).as("pod IP %s in the pod CIDR %s", webIp, cidr).isTrue();

        // httpd binds its port a moment after the container started: a few bounded tries, as a readiness probe would.
        // The client prints its own address first: a pod that has ended reports no podIP any more.
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
        assertThat(kubectl.run("get", "pod", "web").ok().cells().get(1).subList(0, 4))
                .containsExactly("web", "1/1", "Running", "0");
    }

    /** The server's default pod CIDR for a non-default data dir: {@code 10.<200 + n % 50>.0.0/16}, n from its hash. */
    private static String podCidr() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(SERVERS.server().dataDir().toAbsolutePath().normalize()
                    .toString().getBytes(StandardCharsets.UTF_8));
            int n = Integer.parseUnsignedInt(HexFormat.of().formatHex(d, 0, 2), 16);
            return "10." + (200 + n % 50) + ".0.0/16";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
