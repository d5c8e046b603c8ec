package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ProcessRunner;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two servers side by side each have a service {@code web}: each reaches its own backend only (the service ranges,
 * DNS addresses and rule tables are per data dir), and once a server stops and {@code j8s reset} ran nothing of its
 * instance is left in nftables.
 */
class ServicesIsolationIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.perTest();

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    private static void webBehindService(Kubectl kubectl, String answer) {
        kubectl.run("run", "web", "--image=" + REGISTRY.host() + "/busybox:1.0", "--labels=app=web", "--", "sh", "-c",
                "busybox mkdir -p /www; echo " + answer + " > /www/index.html; exec busybox httpd -f -p 8080 -h /www")
                .ok();
        kubectl.run("expose", "pod", "web", "--port=80", "--target-port=8080").ok();
        kubectl.run("run", "client", "--image=" + REGISTRY.host() + "/busybox:1.0", "--", "sh", "-c",
                "trap 'exit 0' TERM; while true; do sleep 1; done").ok();
        PodQueries.awaitRunning(kubectl, "web");
        PodQueries.awaitRunning(kubectl, "client");
    }

    private static String fetch(Kubectl kubectl, String url) {
        return kubectl.run("exec", "client", "--", "sh", "-c", "busybox timeout 5 busybox wget -qO- " + url).stdout()
                .strip();
    }

    private static String tables() {
        return ProcessRunner.run(List.of("nft", "list", "tables"), Duration.ofSeconds(30)).stdoutText();
    }

    @Test
    void twoServersWithServicesOfTheSameNameDoNotSeeEachOthersTrafficAndLeaveNoRules() {
        J8sServer a = SERVERS.startServer("svc-a");
        J8sServer b = SERVERS.startServer("svc-b");
        Kubectl kubectlA = Kubectl.dispatcher(a.kubeconfig(), SERVERS.home());
        Kubectl kubectlB = Kubectl.dispatcher(b.kubeconfig(), SERVERS.home());
        webBehindService(kubectlA, "from-a");
        webBehindService(kubectlB, "from-b");
        String ipA = kubectlA.run("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").ok().stdout();
        String ipB = kubectlB.run("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").ok().stdout();
        assertThat(ipA.substring(0, ipA.indexOf('.', 3))).isNotEqualTo(ipB.substring(0, ipB.indexOf('.', 3)));

        assertThat(Await.until(Duration.ofSeconds(60), "a's client reaches a's web", () -> fetch(kubectlA,
                "http://web.default.svc.cluster.local/"), "from-a"::equals)).isEqualTo("from-a");
        assertThat(Await.until(Duration.ofSeconds(60), "b's client reaches b's web", () -> fetch(kubectlB,
                "http://" + ipB + "/"), "from-b"::equals)).isEqualTo("from-b");
        for (int i = 0; i < 5; i++) {
            assertThat(fetch(kubectlA, "http://" + ipA + "/")).isEqualTo("from-a");
            assertThat(fetch(kubectlB, "http://web/")).isEqualTo("from-b");
        }

        String tableA = a.runtimeConfig().networkName() + "-services";
        String tableB = b.runtimeConfig().networkName() + "-services";
        assertThat(tables()).contains("table ip " + tableA + "\n").contains("table ip " + tableB + "\n");
        assertThat(a.stop()).isTrue();
        assertThat(tables()).doesNotContain("table ip " + tableA + "\n").contains("table ip " + tableB + "\n");
        J8sServer.Cli reset = J8sServer.cli("reset", "--data-dir", a.dataDir().toString());
        assertThat(reset.exitCode()).as(reset.toString()).isZero();
        assertThat(tables()).doesNotContain(a.runtimeConfig().networkName());
    }
}
