package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ProcessRunner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Services that route, with the real kubectl and busybox pods: a Deployment of {@code httpd} behind {@code web}
 * reached from a client pod by address, service variables and names (busybox {@code wget} with addresses,
 * {@code nc} and {@code nslookup} with names), both backends used, an unready backend left out, ClientIP
 * affinity, a pod reaching itself, a NodePort on the node's address, a headless service and a pod's hostname
 * record, SRV, NODATA and NXDOMAIN, the {@code kubernetes} service's name, and a deleted service's rules and names
 * gone. The tests share one server and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServicesIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("services-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    static final Duration READY = Duration.ofSeconds(120);

    static Kubectl kubectl() {
        return SERVERS.kubectl();
    }

    static String image() {
        return REGISTRY.image("1.0");
    }

    /** {@code web}: two busybox httpd pods serving /etc, so /hostname answers the pod's name; unready once /unready exists. */
    static final String WEB = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
              selector:
                matchLabels:
                  app: web
              template:
                metadata:
                  labels:
                    app: web
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: httpd
                    image: %s
                    command: ["busybox", "httpd", "-f", "-p", "8080", "-h", "/etc"]
                    ports:
                    - name: http
                      containerPort: 8080
                    readinessProbe:
                      exec:
                        command: ["sh", "-c", "test ! -f /unready"]
                      periodSeconds: 1
                      failureThreshold: 1
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector:
                app: web
              ports:
              - name: http
                port: 80
                targetPort: http
            """;

    static String pod(String name, String extra) {
        return pod(name, "role: " + name, extra, image(),
                "[\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 1; done\"]");
    }

    /** A pod with one label, more spec lines ({@code extra}, indented by two), an image and a command. */
    static String pod(String name, String label, String extra, String image, String command) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  labels:
                    %s
                spec:
                  terminationGracePeriodSeconds: 1
                %s  containers:
                  - name: main
                    image: %s
                    command: %s
                """.formatted(name, label, extra, image, command);
    }

    static Kubectl.Result exec(String pod, String script) {
        return kubectl().run("exec", pod, "--", "sh", "-c", script);
    }

    static String clusterIp(String service) {
        return kubectl().run("get", "svc", service, "-o", "jsonpath={.spec.clusterIP}").ok().stdout();
    }

    static List<String> webPods() {
        return List.of(kubectl().run("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")
                .ok().stdout().split(" "));
    }

    /** What {@code count} requests from {@code pod} to {@code url} answered (pod names). */
    static Set<String> hits(String pod, String url, int count) {
        Kubectl.Result r = exec(pod, "i=0; while [ $i -lt " + count + " ]; do busybox timeout 5 busybox wget -qO- " + url
                + " || exit 1; echo; i=$((i+1)); done");
        if (r.exitCode() != 0) {
            // what pod-to-pod service traffic on one bridge depends on, for the failure message
            throw new AssertionError(r + "\nnet.bridge.bridge-nf-call-iptables=" + PodQueries.contentOrEmpty(
                    Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables")).strip());
        }
        return new HashSet<>(List.of(r.ok().stdout().strip().split("\\s+")));
    }

    @Test
    @Order(1)
    void aDeploymentBehindAServiceGetsEndpointsSlicesAndADescription() {
        kubectl().runWithStdin(WEB.formatted(image()), "apply", "-f", "-").ok();
        Await.until(READY, "two ready replicas", () -> kubectl().run("get", "deployment", "web", "-o",
                "jsonpath={.status.readyReplicas}").ok().stdout(), "2"::equals);
        String endpoints = Await.until(READY, "two endpoints", () -> kubectl().run("get", "endpoints", "web").ok()
                .stdout(), out -> out.matches("(?s).*\\d+\\.\\d+\\.\\d+\\.\\d+:8080,\\d+\\.\\d+\\.\\d+\\.\\d+:8080.*"));
        assertThat(endpoints).startsWith("NAME   ENDPOINTS");
        String slices = kubectl().run("get", "endpointslices", "-l", "kubernetes.io/service-name=web").ok().stdout();
        assertThat(slices).startsWith("NAME").contains("ADDRESSTYPE").contains("IPv4").contains("8080");
        String describe = kubectl().run("describe", "svc", "web").ok().stdout();
        assertThat(describe).containsPattern("TargetPort:\\s+http/TCP")
                .containsPattern("Endpoints:\\s+\\d+\\.\\d+\\.\\d+\\.\\d+:8080,\\d+\\.\\d+\\.\\d+\\.\\d+:8080");
        assertThat(clusterIp("web")).matches("10\\.\\d+\\.\\d+\\.\\d+");
    }

    @Test
    @Order(2)
    void aClientReachesBothBackendsByAddressServiceVariablesAndNames() {
        kubectl().runWithStdin(pod("client", ""), "apply", "-f", "-").ok();
        PodQueries.awaitRunning(kubectl(), "client");
        String ip = clusterIp("web");
        Set<String> pods = new HashSet<>(webPods());
        assertThat(hits("client", "http://" + ip + "/hostname", 30)).isEqualTo(pods);
        assertThat(exec("client", "busybox timeout 5 busybox wget -qO- http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/hostname").ok()
                .stdout().strip()).isIn(pods);
        String resolv = exec("client", "busybox cat /etc/resolv.conf").ok().stdout();
        assertThat(resolv).contains("search default.svc.cluster.local svc.cluster.local cluster.local")
                .containsPattern("nameserver 10\\.\\d+\\.0\\.10").contains("options ndots:5");
        // busybox nslookup applies the search list to single labels only; nc resolves as the C library does
        for (String name : List.of("web", "web.default.svc.cluster.local")) {
            String lookup = exec("client", "busybox nslookup " + name).stdout();
            assertThat(lookup).as(name).contains("Name:\tweb.default.svc.cluster.local").contains("Address: " + ip);
        }
        for (String name : List.of("web", "web.default", "web.default.svc.cluster.local")) {
            String answer = exec("client", "printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | busybox nc " + name
                    + " 80").ok().stdout();
            assertThat(answer).as(name).contains("200 OK");
            assertThat(pods).anyMatch(answer::contains);
        }
    }

    @Test
    @Order(3)
    void aPodReachesItselfThroughItsOwnService() {
        String self = webPods().getFirst();
        Set<String> seen = hits(self, "http://" + clusterIp("web") + "/hostname", 20);
        assertThat(seen).contains(self);
    }

    @Test
    @Order(4)
    void anUnreadyBackendLeavesTheEndpointsAndGetsNoNewConnections() {
        List<String> pods = webPods();
        String unready = pods.get(0);
        String podIp = kubectl().run("get", "pod", unready, "-o", "jsonpath={.status.podIP}").ok().stdout();
        exec(unready, "busybox touch /unready").ok();
        Await.until(READY, "the unready pod among notReadyAddresses", () -> kubectl().run("get", "endpoints", "web",
                "-o", "jsonpath={.subsets[0].notReadyAddresses[*].ip}").ok().stdout(), out -> out.contains(podIp));
        Await.until(READY, "the slice marks it not ready", () -> kubectl().run("get", "endpointslices", "-l",
                "kubernetes.io/service-name=web", "-o", "jsonpath={.items[*].endpoints[?(@.conditions.ready==false)]"
                        + ".addresses[0]}").ok().stdout(), out -> out.contains(podIp));
        Await.until(READY, "only the ready pod answers", () -> hits("client", "http://" + clusterIp("web")
                + "/hostname", 10), seen -> seen.equals(Set.of(pods.get(1))));
        assertThat(hits("client", "http://" + clusterIp("web") + "/hostname", 20)).containsExactly(pods.get(1));
        exec(unready, "busybox rm /unready").ok();
        Await.until(READY, "both ready again", () -> kubectl().run("get", "endpoints", "web", "-o",
                "jsonpath={.subsets[0].addresses[*].ip}").ok().stdout(), out -> out.contains(podIp));
    }

    @Test
    @Order(5)
    void clientIpAffinityKeepsOneClientOnOneBackend() {
        kubectl().run("patch", "svc", "web", "-p", "{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}").ok();
        Await.until(READY, "requests stick to one backend", () -> hits("client", "http://" + clusterIp("web")
                + "/hostname", 20), seen -> seen.size() == 1);
        kubectl().run("patch", "svc", "web", "-p", "{\"spec\":{\"sessionAffinity\":\"None\"}}").ok();
        Await.until(READY, "both backends again", () -> hits("client", "http://" + clusterIp("web") + "/hostname",
                20), seen -> seen.size() == 2);
    }

    @Test
    @Order(6)
    void aNodePortAndALoadBalancerAnswerOnTheNodesAddress() throws Exception {
        kubectl().run("expose", "deployment", "web", "--name=web-np", "--type=NodePort", "--port=80",
                "--target-port=8080").ok();
        String nodePort = kubectl().run("get", "svc", "web-np", "-o", "jsonpath={.spec.ports[0].nodePort}").ok().stdout();
        String nodeIp = kubectl().run("get", "nodes", "-o",
                "jsonpath={.items[0].status.addresses[?(@.type==\"InternalIP\")].address}").ok().stdout();
        assertThat(Integer.parseInt(nodePort)).isBetween(30000, 32767);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        URI uri = URI.create("http://" + nodeIp + ":" + nodePort + "/hostname");
        String body = Await.until(READY, "the NodePort answers", () -> {
            try {
                return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (Exception e) {
                return e.toString();
            }
        }, b -> webPods().contains(b.strip()));
        assertThat(webPods()).contains(body.strip());
        kubectl().run("delete", "svc", "web-np").ok();

        // a LoadBalancer gets the node's address as its ingress and answers there on its own port
        kubectl().run("expose", "deployment", "web", "--name=web-lb", "--type=LoadBalancer", "--port=18081",
                "--target-port=8080").ok();
        Await.until(READY, "the node's address as EXTERNAL-IP", () -> kubectl().run("get", "svc", "web-lb").ok()
                .stdout(), out -> out.contains(" " + nodeIp + " "));
        URI lb = URI.create("http://" + nodeIp + ":18081/hostname");
        Await.until(READY, "the LoadBalancer answers", () -> {
            try {
                return http.send(HttpRequest.newBuilder(lb).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (Exception e) {
                return e.toString();
            }
        }, b -> webPods().contains(b.strip()));

        // with the Local policy it gets a health check port, where the node says how many backends it has itself
        kubectl().run("patch", "svc", "web-lb", "-p", "{\"spec\":{\"externalTrafficPolicy\":\"Local\"}}").ok();
        String healthCheckPort = kubectl().run("get", "svc", "web-lb", "-o", "jsonpath={.spec.healthCheckNodePort}")
                .ok().stdout();
        assertThat(Integer.parseInt(healthCheckPort)).isBetween(30000, 32767);
        URI health = URI.create("http://" + nodeIp + ":" + healthCheckPort + "/");
        String answer = Await.until(READY, "the health check port answers", () -> {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.ofString());
                return r.statusCode() + " " + r.body();
            } catch (Exception e) {
                return e.toString();
            }
        }, b -> b.startsWith("200 "));
        assertThat(answer.strip()).isEqualTo("200 {\"service\":{\"namespace\":\"default\",\"name\":\"web-lb\"},"
                + "\"localEndpoints\":" + webPods().size() + ",\"serviceProxyHealthy\":true}");
        kubectl().run("delete", "svc", "web-lb").ok();
        Await.until(READY, "the health check port closes with its service", () -> {
            try {
                return http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() + "";
            } catch (Exception e) {
                return e.toString();
            }
        }, b -> b.contains("ConnectException"));
    }

    @Test
    @Order(7)
    void headlessServicesPodHostnamesSrvNodataAndNxdomain() {
        kubectl().runWithStdin("""
                apiVersion: v1
                kind: Service
                metadata:
                  name: web-h
                spec:
                  clusterIP: None
                  selector:
                    role: web-0
                  ports:
                  - name: http
                    port: 8080
                """, "apply", "-f", "-").ok();
        kubectl().runWithStdin(pod("web-0", "  hostname: web-0\n  subdomain: web-h\n"), "apply", "-f", "-").ok();
        PodQueries.awaitRunning(kubectl(), "web-0");
        String podIp = kubectl().run("get", "pod", "web-0", "-o", "jsonpath={.status.podIP}").ok().stdout();
        String headless = Await.until(READY, "the headless name", () -> exec("client", "busybox nslookup web-h")
                .stdout(), out -> out.contains("Address: " + podIp));
        assertThat(headless).contains("Name:\tweb-h.default.svc.cluster.local");
        assertThat(exec("client", "busybox nslookup web-0.web-h.default.svc.cluster.local").stdout())
                .contains("Address: " + podIp);
        assertThat(exec("client", "busybox nslookup -type=SRV _http._tcp.web.default.svc.cluster.local").stdout())
                .contains("0 100 80 web.default.svc.cluster.local");
        String aaaa = exec("client", "busybox nslookup -type=AAAA web.default.svc.cluster.local").stdout();
        assertThat(aaaa).doesNotContain("NXDOMAIN").doesNotContain("Address: ");
        assertThat(exec("client", "busybox nslookup nope.default.svc.cluster.local").stdout()
                + exec("client", "busybox nslookup nope.default.svc.cluster.local").stderr())
                .contains("can't find nope.default.svc.cluster.local: NXDOMAIN");
        String kubernetes = exec("client", "busybox nslookup kubernetes.default.svc.cluster.local").stdout();
        assertThat(kubernetes).contains("Address: " + clusterIp("kubernetes"));
    }

    /** A UDP backend answering every datagram with its pod name, behind service {@code echo}. */
    static String udpBackend(String name, String image) {
        return pod(name, "app: echo", "", image, "[\"udp-echo\", \"server\", \"5353\"]");
    }

    @Test
    @Order(8)
    void aUdpClientKeepingItsSourcePortSwitchesToTheRemainingEndpointWhenItsBackendIsDeleted(@TempDir Path build)
            throws Exception {
        String udpImage = REGISTRY.pushBusyboxWith("udp-echo", "1.0",
                Map.of("bin/udp-echo", StaticPrograms.compile(build, "udp-echo")));
        kubectl().runWithStdin("""
                apiVersion: v1
                kind: Service
                metadata:
                  name: echo
                spec:
                  selector:
                    app: echo
                  ports:
                  - port: 5353
                    protocol: UDP
                """, "apply", "-f", "-").ok();
        kubectl().runWithStdin(udpBackend("echo-a", udpImage), "apply", "-f", "-").ok();
        kubectl().runWithStdin(udpBackend("echo-b", udpImage), "apply", "-f", "-").ok();
        PodQueries.awaitRunning(kubectl(), "echo-a");
        PodQueries.awaitRunning(kubectl(), "echo-b");
        Await.until(READY, "both UDP backends in the endpoints", () -> kubectl().run("get", "endpoints", "echo", "-o",
                "jsonpath={.subsets[0].addresses[*].ip}").ok().stdout(), out -> out.split(" ").length == 2);
        // one source port throughout, as resolvers and statsd clients keep theirs
        kubectl().run("run", "udp-client", "--image=" + udpImage, "--", "udp-echo", "client", clusterIp("echo"),
                "5353", "40000").ok();
        String first = Await.until(READY, "the client hears a backend", () -> kubectl().run("logs", "udp-client")
                .stdout(), out -> out.contains("echo-a") || out.contains("echo-b"));
        String stuck = first.contains("echo-a") ? "echo-a" : "echo-b";
        String other = stuck.equals("echo-a") ? "echo-b" : "echo-a";
        kubectl().run("delete", "pod", stuck, "--grace-period=1").ok();
        Await.until(Duration.ofSeconds(30), "the client switched to " + other, () -> kubectl().run("logs",
                "udp-client", "--tail=3").stdout(), out -> out.contains(other));
        kubectl().run("delete", "pod", "udp-client", "echo-b", "echo-a", "--grace-period=1", "--ignore-not-found")
                .ok();
    }

    @Test
    @Order(9)
    void aDeletedServiceLosesItsRulesAndItsName() {
        String ip = clusterIp("web");
        String table = servicesTable(ip);
        kubectl().run("delete", "svc", "web").ok();
        Await.until(READY, "the rules of web gone", () -> nftTable(table), rules -> !rules.contains(ip + " "));
        Await.until(READY, "the name of web gone", () -> exec("client",
                "busybox nslookup web.default.svc.cluster.local").stdout(), out -> !out.contains("Address: " + ip));
        assertThat(exec("client", "busybox timeout 5 busybox wget -qO- http://" + ip + "/hostname").exitCode()).isNotZero();
    }

    /** The instance's service rules table: the one holding {@code ip}. */
    static String servicesTable(String ip) {
        String tables = ProcessRunner.run(List.of("nft", "list", "tables"), Duration.ofSeconds(30)).stdoutText();
        for (String line : tables.split("\n")) {
            String name = line.replace("table ip ", "").strip();
            if (line.startsWith("table ip ") && name.endsWith("-services") && nftTable(name).contains(ip)) {
                return name;
            }
        }
        throw new AssertionError("no services table holds " + ip + ":\n" + tables);
    }

    static String nftTable(String name) {
        return ProcessRunner.run(List.of("nft", "list", "table", "ip", name), Map.of(), new byte[0],
                Duration.ofSeconds(30)).stdoutText();
    }
}
