package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code j8s server} with a {@code j8s agent} on the same machine as its second node (its own data dir, pod range and
 * kubelet port; the node's client certificate from {@code j8s kubeconfig --user system:node:<name>}; no binding and
 * no service range given: the server binds {@code system:node-proxier} to the nodes and publishes its range in
 * {@code kube-system/kubeadm-config}, and an agent whose proxy credentials lack the role refuses): a Deployment
 * of 4 replicas spreads over both nodes; a pod on each node reaches a pod on the other by IP and a ClusterIP Service
 * backed by both; {@code kubectl logs}, {@code exec} and {@code port-forward} reach pods on either node; the stopped
 * agent's node turns {@code Unknown} after the server's shortened {@code --node-monitor-grace-period} (20 s) and its pods are
 * evicted after their 5 s {@code unreachable} toleration and recreated on the server's node. Both instances are
 * reset at the end and leave no bridge, network namespace or nftables table (needs root).
 */
class TwoNodesIT {

    private static final String SERVER_NODE = "twonodes-server";
    private static final String AGENT_NODE = "twonodes-agent";

    /**
     * Shorter than the default 40 s, but two lease renewals (every 10 s) long: under the renewal interval even a
     * healthy node goes Unknown between renewals and its pods turn unready.
     */
    static final String GRACE_PERIOD = "20s";

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared(SERVER_NODE,
            dataDir -> List.of("--node-monitor-grace-period", GRACE_PERIOD));

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @Test
    void aDeploymentSpreadsOverTheServerAndAnAgentAndMovesWhenTheAgentStops() throws Exception {
        long started = System.nanoTime();
        Kubectl kubectl = SERVERS.kubectl();
        J8sServer server = SERVERS.server();
        J8sServer.Cli issued = J8sServer.cli("kubeconfig", "--data-dir", server.dataDir().toString(), "--user",
                "system:node:" + AGENT_NODE, "--group", "system:nodes");
        assertThat(issued.exitCode()).as(issued.toString()).isZero();
        Path nodeKubeconfig = SERVERS.file("agent.kubeconfig", issued.stdout());
        // credentials without system:node-proxier for the proxy: the agent refuses at once, naming the binding
        J8sServer.Cli nobody = J8sServer.cli("kubeconfig", "--data-dir", server.dataDir().toString(), "--user",
                "nobody");
        assertThat(nobody.exitCode()).as(nobody.toString()).isZero();
        Path refusedDir = server.dataDir().resolveSibling("refused-agent");
        J8sServer.Cli refused = J8sServer.cli("agent", "--kubeconfig", nodeKubeconfig.toString(), "--node-name",
                AGENT_NODE, "--data-dir", refusedDir.toString(), "--kubelet-port", "1", "--proxy-kubeconfig",
                SERVERS.file("nobody.kubeconfig", nobody.stdout()).toString());
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.stderr()).isEqualTo("j8s agent: the service proxy's credentials may not list services,"
                + " watch services, list endpointslices.discovery.k8s.io, watch endpointslices.discovery.k8s.io,"
                + " list nodes, watch nodes cluster-wide; bind the ClusterRole system:node-proxier to them (as"
                + " kube-proxy's are): kubectl create clusterrolebinding " + AGENT_NODE + "-proxier"
                + " --clusterrole=system:node-proxier --user=<the user of the proxy's kubeconfig>, or give the agent"
                + " --proxy-kubeconfig with credentials that have it\n");
        assertThat(refusedDir).as("nothing made by the refused agent").doesNotExist();

        // the nodes may read the server's service range where kubeadm publishes it
        String kubernetesIp = kubectl.run("get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}").ok()
                .stdout();
        assertThat(kubectl.run("get", "configmap", "kubeadm-config", "-n", "kube-system", "--as=system:node:"
                + AGENT_NODE, "--as-group=system:nodes", "-o", "jsonpath={.data.ClusterConfiguration}").ok().stdout())
                .contains("serviceSubnet: \"" + kubernetesIp.substring(0, kubernetesIp.indexOf('.',
                        kubernetesIp.indexOf('.') + 1)) + ".0.0/16\"");

        // the agent joins as a kubeadm node does: a bootstrap token from the server's join command, its client
        // certificate requested, approved and signed by the server's certificate controllers; no binding and no
        // --service-cidr: j8s server binds system:node-proxier to the nodes and publishes its service range in
        // kube-system/kubeadm-config, which the agent reads
        J8sServer.Cli join = J8sServer.cli("token", "create", "--data-dir", server.dataDir().toString(),
                "--print-join-command");
        assertThat(join.exitCode()).as(join.toString()).isZero();
        java.util.regex.Matcher bootstrap = java.util.regex.Pattern.compile(
                "^j8s agent --bootstrap-kubeconfig (\\S+) --kubeconfig \\S+$").matcher(join.stdout().strip());
        assertThat(bootstrap.matches()).as(join.stdout()).isTrue();
        J8sAgent agent = J8sAgent.start(Path.of("kubelet.kubeconfig"), AGENT_NODE, "--bootstrap-kubeconfig",
                bootstrap.group(1));
        assertThat(kubectl.run("get", "csr").ok().stdout()).as("the node's request, approved and issued")
                .containsPattern("node-csr-\\S+ .* kubernetes.io/kube-apiserver-client-kubelet +system:bootstrap:\\S+ .*"
                        + "Approved,Issued");
        dev.j8s.runtime.RuntimeConfig agentInstance = J8sServer.runtimeConfig(agent.dataDir());
        try {
            Await.until(Duration.ofSeconds(60), "both nodes Ready",
                    () -> kubectl.run("get", "nodes", "-o",
                            "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status} {end}")
                            .ok().stdout(),
                    out -> out.contains(SERVER_NODE + "=True") && out.contains(AGENT_NODE + "=True"));

            kubectl.runWithStdin(deployment(REGISTRY.host() + "/busybox:1.0"), "apply", "-f", "-").ok();
            kubectl.runWithStdin("""
                    apiVersion: v1
                    kind: Service
                    metadata:
                      name: spread
                    spec:
                      selector:
                        app: spread
                      ports:
                      - port: 80
                        targetPort: 8080
                    """, "apply", "-f", "-").ok();
            kubectl.run("rollout", "status", "deployment/spread", "--timeout=" + LocalRegistry.timeout().toSeconds()
                    + "s").ok();
            Map<String, Pod> pods = runningPods(kubectl);
            assertThat(pods).hasSize(4);
            Map<String, List<Pod>> byNode = pods.values().stream()
                    .collect(Collectors.groupingBy(Pod::node, TreeMap::new, Collectors.toList()));
            assertThat(byNode).as("the replicas by node").containsOnlyKeys(SERVER_NODE, AGENT_NODE);
            Pod onServer = byNode.get(SERVER_NODE).getFirst();
            Pod onAgent = byNode.get(AGENT_NODE).getFirst();
            assertThat(onServer.ip()).isNotEqualTo(onAgent.ip());

            // by pod IP, both ways (httpd answers a moment after the container started: bounded tries)
            assertThat(fetch(kubectl, onServer, onAgent.ip() + ":8080")).isEqualTo(onAgent.name());
            assertThat(fetch(kubectl, onAgent, onServer.ip() + ":8080")).isEqualTo(onServer.name());
            // by the Service's ClusterIP from each node, until both nodes' backends have answered
            String clusterIp = kubectl.run("get", "service", "spread", "-o", "jsonpath={.spec.clusterIP}").ok()
                    .stdout();
            for (Pod client : List.of(onServer, onAgent)) {
                java.util.Set<String> nodesSeen = new java.util.TreeSet<>();
                try {
                    Await.until(Duration.ofSeconds(60), "the service answers " + client.name() + " from both nodes' pods",
                            () -> {
                                nodesSeen.add(pods.get(fetch(kubectl, client, clusterIp + ":80")).node());
                                return nodesSeen;
                            }, seen -> seen.size() == 2);
                } catch (AssertionError e) {
                    System.err.println("the service's EndpointSlices: " + kubectl.run("get", "endpointslices", "-o",
                            "yaml").stdout() + "\nnftables rules naming " + clusterIp + ":\n" + run("sh", "-c",
                            "nft list ruleset | grep -n -e 'table ' -e '" + clusterIp + "'"));
                    throw e;
                }
            }

            // logs, exec and port-forward reach pods on either node
            for (Pod pod : List.of(onServer, onAgent)) {
                assertThat(kubectl.run("logs", pod.name()).ok().stdout()).contains("serving " + pod.name());
                Kubectl.Result exec = kubectl.run("exec", pod.name(), "--", "sh", "-c", "cat /etc/hostname; exit 3");
                assertThat(exec.exitCode()).isEqualTo(3);
                assertThat(exec.stdout().trim()).isEqualTo(pod.name());
                try (PortForwardIT.Forward forward = PortForwardIT.Forward.start(kubectl, "pod/" + pod.name(), 8080)) {
                    assertThat(get(forward.port())).isEqualTo(pod.name());
                }
            }

            // the agent stops: its node goes Unknown, its pods are evicted and replaced on the server's node
            agent.stop();
            Await.until(Duration.ofSeconds(60), "node " + AGENT_NODE + " Ready=Unknown",
                    () -> kubectl.run("get", "node", AGENT_NODE, "-o",
                            "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").ok().stdout(),
                    "Unknown"::equals);
            assertThat(kubectl.run("get", "node", AGENT_NODE, "-o", "jsonpath={.spec.taints[*].key}").ok().stdout())
                    .contains("node.kubernetes.io/unreachable");
            Map<String, Pod> moved = Await.until(LocalRegistry.timeout().plusSeconds(30),
                    "4 Running pods, all on " + SERVER_NODE,
                    () -> runningPods(kubectl),
                    p -> p.size() == 4 && p.values().stream().allMatch(q -> q.node().equals(SERVER_NODE)));
            for (Pod gone : byNode.get(AGENT_NODE)) {
                assertThat(moved).as("evicted pod " + gone.name()).doesNotContainKey(gone.name());
            }
            assertThat(kubectl.run("get", "events", "--field-selector", "reason=TaintManagerEviction", "-o",
                    "jsonpath={.items[*].involvedObject.name}").ok().stdout())
                    .contains(byNode.get(AGENT_NODE).getFirst().name());
            System.out.printf("TwoNodesIT: two nodes, spread, cross-node traffic, streaming and eviction in %.1f s%n",
                    (System.nanoTime() - started) / 1e9);
        } finally {
            kubectl.run("delete", "deployment", "spread", "--wait=false");
            kubectl.run("delete", "service", "spread", "--wait=false");
            agent.close();
            // what was bound to the gone node stays Terminating there (as upstream's, until the node is deleted or
            // back): its containers went with the agent's reset, so the node and its pods are removed
            kubectl.run("delete", "node", AGENT_NODE, "--wait=false");
            kubectl.run("delete", "pods", "--all", "--force", "--grace-period=0", "--field-selector",
                    "spec.nodeName=" + AGENT_NODE);
        }
        assertThat(Path.of("/sys/class/net", agentInstance.bridgeName())).as("the agent's bridge").doesNotExist();
        assertThat(run("ip", "netns", "list")).as("the agent's network namespaces")
                .doesNotContain(agentInstance.networkName());
        assertThat(run("nft", "list", "tables")).as("the agent's nftables tables")
                .doesNotContain(agentInstance.networkName());
    }

    private static String deployment(String image) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: spread
                spec:
                  replicas: 4
                  selector:
                    matchLabels:
                      app: spread
                  template:
                    metadata:
                      labels:
                        app: spread
                    spec:
                      terminationGracePeriodSeconds: 1
                      tolerations:
                      - key: node.kubernetes.io/unreachable
                        operator: Exists
                        effect: NoExecute
                        tolerationSeconds: 5
                      - key: node.kubernetes.io/not-ready
                        operator: Exists
                        effect: NoExecute
                        tolerationSeconds: 5
                      containers:
                      - name: web
                        image: %s
                        command: ["sh", "-c", "busybox mkdir -p /www; busybox hostname > /www/index.html; echo serving $(busybox hostname); exec busybox httpd -f -p 8080 -h /www"]
                        ports:
                        - containerPort: 8080
                        readinessProbe:
                          tcpSocket:
                            port: 8080
                          periodSeconds: 1
                """.formatted(image);
    }

    record Pod(String name, String node, String ip) {}

    /** The Deployment's Running pods that are not being deleted, by name. */
    private static Map<String, Pod> runningPods(Kubectl kubectl) {
        String out = kubectl.run("get", "pods", "-l", "app=spread", "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP} {.status.phase} "
                        + "{.metadata.deletionTimestamp}{\"\\n\"}{end}").ok().stdout();
        Map<String, Pod> pods = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 4 && f[3].equals("Running")) {
                pods.put(f[0], new Pod(f[0], f[1], f[2]));
            }
        }
        return pods;
    }

    /**
     * What {@code client} gets from {@code http://target/}, with a few tries bounded by {@code timeout} (busybox's
     * {@code wget -T} crashes); the page.
     */
    private static String fetch(Kubectl kubectl, Pod client, String target) {
        Kubectl.Result r = kubectl.run("exec", client.name(), "--", "sh", "-c",
                "for i in 1 2 3 4 5 6 7 8 9 10; do busybox timeout 3 busybox wget -qO- http://" + target + "/ && exit 0;"
                        + " sleep 1;"
                        + " done; exit 1");
        assertThat(r.exitCode()).as(client.name() + " (on " + client.node() + ") fetching " + target + ": "
                + r.stderr()).isZero();
        return r.stdout().trim();
    }

    /** An HTTP/1.0 GET of {@code /} on a local port; the body's first line. */
    private static String get(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return response.substring(response.indexOf("\r\n\r\n") + 4).trim();
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
