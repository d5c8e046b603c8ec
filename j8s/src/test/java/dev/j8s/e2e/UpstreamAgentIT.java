package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.pki.TrustingTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code j8s agent} as a node of an upstream kube-apiserver (v1.20.2 with Node + RBAC authorization and
 * NodeRestriction, started by the upstream-apiserver tool; or any cluster through {@code J8S_TEST_KUBECONFIG}, see
 * {@link UpstreamControlPlane}): it registers its Node with the node's client certificate, renews its Lease, runs a pod
 * bound to it (pull secret, downward-API environment, a configMap volume, a postStart hook) to Running and Ready,
 * serves it behind a Service's ClusterIP with its proxy (fed by Endpoints: a v1.20 server has no discovery.k8s.io/v1),
 * serves {@code kubectl logs}, {@code exec} and {@code port-forward} through the upstream API server on its kubelet API
 * (which authenticates every caller and asks the cluster to authorize them), keeps the pod running while the API
 * server does not answer and takes up its heartbeats when it does, is refused a Secret none of its pods references, leaves its Lease unrenewed when stopped and re-adopts the pod without
 * restarting it when started again (needs root).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpstreamAgentIT {

    static final String NODE = "agent-node";
    static final String NAMESPACE = "agent-e2e";
    static final String USER = "agent-user";
    static final String PASSWORD = "Pw-agent-4c1Zr8";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static UpstreamControlPlane cluster;
    private static J8sAgent agent;
    private static LocalRegistry registry;
    private static Path registryDir;
    private static Path home;
    private static Kubectl admin;
    private static Kubectl node;
    /** An agent that joined with a bootstrap kubeconfig only, and one whose request the cluster denies. */
    private static J8sAgent bootAgent;
    private static J8sAgent deniedAgent;
    static final String BOOT_NODE = "boot-node";
    private static final String CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
    private static final String SERVING_SIGNER = "kubernetes.io/kubelet-serving";

    @BeforeAll
    static void startClusterRegistryAndAgent() throws Exception {
        assumeTrue(LocalRegistry.available() && LocalRegistry.htpasswdAvailable(),
                "docker-registry, umoci, skopeo, htpasswd and /bin/busybox are needed");
        assumeTrue(Files.isWritable(Path.of("/run")), "running pods needs root");
        cluster = UpstreamControlPlane.start(NODE);
        home = Files.createTempDirectory("j8s-e2e-agent-home-");
        admin = Kubectl.dispatcher(cluster.adminKubeconfig(), home);
        node = admin.withKubeconfig(cluster.nodeKubeconfig());
        registryDir = Files.createTempDirectory("j8s-e2e-agent-registry-");
        registry = LocalRegistry.startWithAuth(registryDir, USER, PASSWORD);
        registry.pushBusybox(List.of("agent"));
        if (System.getenv().getOrDefault("J8S_TEST_KUBECONFIG", "").isEmpty()) {
            // kube-apiserver alone publishes no kubeadm-config and binds nothing for proxies: the agent refuses at
            // once, naming the flag and the binding, and makes nothing
            Path refusedDir = home.resolve("refused-agent");
            J8sServer.Cli noRange = J8sServer.cli("agent", "--kubeconfig", cluster.nodeKubeconfig().toString(),
                    "--node-name", cluster.nodeName(), "--data-dir", refusedDir.toString(), "--kubelet-port", "1");
            assertThat(noRange.exitCode()).as(noRange.toString()).isEqualTo(1);
            assertThat(noRange.stderr()).startsWith("j8s agent: the cluster's service range is unknown (")
                    .contains("): give --service-cidr, or publish networking.serviceSubnet in the ClusterConfiguration"
                            + " of the ConfigMap kube-system/kubeadm-config");
            J8sServer.Cli noRights = J8sServer.cli("agent", "--kubeconfig", cluster.nodeKubeconfig().toString(),
                    "--node-name", cluster.nodeName(), "--data-dir", refusedDir.toString(), "--kubelet-port", "1",
                    "--service-cidr", "10.96.0.0/12");
            assertThat(noRights.exitCode()).as(noRights.toString()).isEqualTo(1);
            assertThat(noRights.stderr()).startsWith("j8s agent: the service proxy's credentials may not ")
                    .contains("list endpoints, watch endpoints")
                    .contains("kubectl create clusterrolebinding " + cluster.nodeName() + "-proxier"
                            + " --clusterrole=system:node-proxier --user=system:node:" + cluster.nodeName() + ",");
            assertThat(refusedDir).as("nothing made by the refused agent").doesNotExist();
        }
        // the proxy lists Endpoints cluster-wide with the node's credentials: the role kube-proxy has
        Kubectl.Result binding = admin.run("create", "clusterrolebinding", "j8s-e2e-" + NODE + "-proxier",
                "--clusterrole=system:node-proxier", "--user=system:node:" + cluster.nodeName());
        assertThat(binding.exitCode() == 0 || binding.stderr().contains("AlreadyExists")).as(binding.toString()).isTrue();
        agent = J8sAgent.start(cluster.nodeKubeconfig(), cluster.nodeName(), "--service-cidr",
                System.getenv().getOrDefault("J8S_TEST_SERVICE_CIDR", "10.96.0.0/12"));
    }

    @AfterAll
    static void stopEverything() throws IOException {
        try {
            if (agent != null && agent.isAlive() && admin != null) {
                admin.run("delete", "namespace", NAMESPACE, "--wait=false");
                admin.run("delete", "pods", "--all", "-n", NAMESPACE, "--grace-period=1", "--wait=true",
                        "--timeout=60s");
            }
            if (admin != null) {
                admin.run("delete", "clusterrolebinding", "j8s-e2e-" + NODE + "-proxier", "j8s-e2e-" + BOOT_NODE
                        + "-proxier", "j8s-e2e-kubelet-bootstrap");
            }
        } finally {
            AssertionError unclean = null;
            // every agent is torn down even when one left something behind; the first such failure is thrown after
            for (J8sAgent each : new J8sAgent[] {bootAgent, deniedAgent, agent}) {
                try {
                    if (each != null) {
                        each.close();
                    }
                } catch (AssertionError e) {
                    unclean = unclean == null ? e : unclean;
                }
            }
            if (registry != null) {
                registry.close();
                J8sServer.deleteRecursively(registryDir);
            }
            if (cluster != null) {
                cluster.close();
            }
            if (home != null) {
                J8sServer.deleteRecursively(home);
            }
            if (unclean != null) {
                throw unclean;
            }
        }
    }

    /** What helps to see why a wait failed: the agent's output, the namespace's events and kube-apiserver's last lines. */
    private static String diagnostics() {
        return "\n" + (agent == null ? "" : agent.logs()) + "\n----- events -----\n"
                + admin.run("get", "events", "-n", NAMESPACE).stdout() + "\n----- kube-apiserver (tail) -----\n"
                + tail(cluster.apiServerLog(), 10);
    }

    /** A request to the kubelet API without a client certificate, with {@code token} as bearer unless empty. */
    private static String kubeletGet(String url, String token) throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .timeout(Duration.ofSeconds(20));
        if (!token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        try (java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().sslContext(trustingTls()).build()) {
            java.net.http.HttpResponse<String> response = client.send(request.build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + response.body();
        }
    }

    /** The certificate the kubelet API on {@code port} presents in a new handshake. */
    private static java.security.cert.X509Certificate servingCertificate(int port) {
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) trustingTls().getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            socket.startHandshake();
            return (java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0];
        } catch (Exception e) {
            throw new IllegalStateException("TLS handshake with the kubelet API on port " + port, e);
        }
    }

    private static javax.net.ssl.SSLContext trustingTls() throws java.security.GeneralSecurityException {
        // the kubelet's self-signed certificate, as an API server without --kubelet-certificate-authority
        return TrustingTls.context(null);
    }

    private static String nft() {
        try {
            Process p = new ProcessBuilder("nft", "list", "ruleset").redirectErrorStream(true).start();
            return new String(p.getInputStream().readAllBytes());
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** {@link Await#until} with {@link #TIMEOUT}, failing with the {@link #diagnostics} of that moment. */
    private static <T> T await(String what, java.util.function.Supplier<T> probe, java.util.function.Predicate<T> done) {
        try {
            return Await.until(TIMEOUT, what, probe, done);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + diagnostics(), e);
        }
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static JsonNode json(Kubectl kubectl, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-o", "json"));
        return Await.json(kubectl.run(all.toArray(String[]::new)));
    }

    @Test
    @Order(1)
    void theAgentRegistersItsNodeWithLabelsResourcesAddressesInfoAndConditions() {
        JsonNode n = await("node " + NODE + " is Ready",
                () -> json(admin, "get", "node", NODE),
                j -> condition(j, "Ready").path("status").asText().equals("True"));
        JsonNode labels = n.path("metadata").path("labels");
        assertThat(labels.path("kubernetes.io/os").asText()).isEqualTo("linux");
        assertThat(labels.path("kubernetes.io/arch").asText()).isEqualTo("amd64");
        assertThat(labels.path("kubernetes.io/hostname").asText()).isNotEmpty();
        JsonNode status = n.path("status");
        for (String resource : List.of("cpu", "memory", "pods", "ephemeral-storage")) {
            assertThat(status.path("capacity").path(resource).asText()).as("capacity " + resource).isNotEmpty();
            assertThat(status.path("allocatable").path(resource).asText()).as("allocatable " + resource).isNotEmpty();
        }
        List<String> addressTypes = new ArrayList<>();
        status.path("addresses").forEach(a -> addressTypes.add(a.path("type").asText()));
        assertThat(addressTypes).contains("InternalIP", "Hostname");
        assertThat(status.path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt())
                .isEqualTo(agent.kubeletPort());
        assertThat(status.path("nodeInfo").path("kubeletVersion").asText()).startsWith("v1.");
        assertThat(status.path("nodeInfo").path("containerRuntimeVersion").asText()).startsWith("runc://");
        assertThat(status.path("nodeInfo").path("operatingSystem").asText()).isEqualTo("linux");
        for (String type : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
            assertThat(condition(n, type).path("status").asText()).as(type).isEqualTo("False");
        }
        assertThat(condition(n, "Ready").path("reason").asText()).isEqualTo("KubeletReady");

        JsonNode lease = json(admin, "get", "lease", NODE, "-n", "kube-node-lease");
        assertThat(lease.path("spec").path("holderIdentity").asText()).isEqualTo(NODE);
        assertThat(lease.path("spec").path("leaseDurationSeconds").asInt()).isEqualTo(40);
        Instant renewed = Instant.parse(lease.path("spec").path("renewTime").asText());
        assertThat(renewed).isAfter(Instant.now().minusSeconds(40));
    }

    private static JsonNode condition(JsonNode object, String type) {
        for (JsonNode c : object.path("status").path("conditions")) {
            if (c.path("type").asText().equals(type)) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static Path manifest(String name, String yaml) {
        try {
            return Files.writeString(home.resolve(name), yaml);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @Order(2)
    void aPodBoundToTheAgentPullsWithItsSecretRunsWithDownwardEnvConfigMapAndPostStartAndIsReady() {
        admin.run("create", "namespace", NAMESPACE).ok();
        // without a controller manager nothing creates the namespace's default service account, which admission needs
        Kubectl.Result sa = admin.run("create", "serviceaccount", "default", "-n", NAMESPACE);
        assertThat(sa.exitCode() == 0 || sa.stderr().contains("AlreadyExists")).as(sa.toString()).isTrue();
        admin.run("create", "secret", "docker-registry", "regcred", "-n", NAMESPACE,
                "--docker-server=" + registry.host(), "--docker-username=" + USER, "--docker-password=" + PASSWORD).ok();
        admin.run("create", "configmap", "settings", "-n", NAMESPACE, "--from-literal=greeting=hello-from-configmap")
                .ok();
        admin.run("apply", "-f", manifest("web.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: web, namespace: %s, labels: {app: web}}
                spec:
                  nodeName: %s
                  automountServiceAccountToken: false
                  terminationGracePeriodSeconds: 2
                  imagePullSecrets: [{name: regcred}]
                  dnsPolicy: Default
                  volumes: [{name: cfg, configMap: {name: settings}}, {name: scratch, emptyDir: {}}]
                  containers:
                  - name: app
                    image: %s/busybox:agent
                    command: ["sh", "-c", "while [ ! -f /scratch/hooked ]; do sleep 0.1; done; echo hook=$(cat /scratch/hooked) pod=$POD_NAME node=$NODE_NAME ip=$POD_IP greeting=$(cat /cfg/greeting); echo ok > /scratch/ready; exec busybox httpd -f -p 8080 -h /scratch"]
                    env:
                    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                    - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
                    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                    volumeMounts: [{name: cfg, mountPath: /cfg}, {name: scratch, mountPath: /scratch}]
                    lifecycle: {postStart: {exec: {command: ["sh", "-c", "echo poststart-ran > /scratch/hooked"]}}}
                    readinessProbe: {exec: {command: ["cat", "/scratch/ready"]}, periodSeconds: 1}
                """.formatted(NAMESPACE, cluster.nodeName(), registry.host())).toString()).ok();

        JsonNode pod = await("pod web is Running and Ready",
                () -> json(admin, "get", "pod", "web", "-n", NAMESPACE),
                p -> p.path("status").path("phase").asText().equals("Running")
                        && condition(p, "Ready").path("status").asText().equals("True"));
        JsonNode container = pod.path("status").path("containerStatuses").get(0);
        assertThat(container.path("ready").asBoolean()).isTrue();
        assertThat(container.path("restartCount").asInt()).isZero();
        assertThat(container.path("containerID").asText()).startsWith("runc://");
        assertThat(container.path("imageID").asText()).contains(registry.host() + "/busybox@sha256:");
        String podIp = pod.path("status").path("podIP").asText();
        assertThat(podIp).isNotEmpty();
        assertThat(pod.path("status").path("hostIP").asText()).isNotEmpty();

        String log = await("the container's log line", () -> containerLog(pod), l -> l.contains("hook="));
        assertThat(log).contains("hook=poststart-ran pod=web node=" + cluster.nodeName() + " ip=" + podIp
                + " greeting=hello-from-configmap");

        String events = admin.run("get", "events", "-n", NAMESPACE, "--field-selector", "involvedObject.name=web",
                "-o", "jsonpath={range .items[*]}{.reason}|{.source.component}|{.source.host}{\"\\n\"}{end}").ok()
                .stdout();
        assertThat(events).contains("Pulled|kubelet|" + cluster.nodeName(), "Started|kubelet|" + cluster.nodeName());
    }

    /** The container's CRI log on the agent's disk, as the kubelet writes it for {@code kubectl logs}. */
    private static String containerLog(JsonNode pod) {
        return containerLog(pod, "app");
    }

    private static String containerLog(JsonNode pod, String container) {
        String uid = pod.path("metadata").path("uid").asText();
        Path file = agent.dataDir().resolve("logs/pods/" + NAMESPACE + "_" + pod.path("metadata").path("name").asText()
                + "_" + uid + "/" + container + "/0.log");
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    @Order(3)
    void aServiceOfThePodAnswersOnItsClusterIpThroughTheAgentsProxy() {
        // a Service without selector and its Endpoints: the cluster may run no endpoints controller
        String podIp = json(admin, "get", "pod", "web", "-n", NAMESPACE).path("status").path("podIP").asText();
        admin.run("apply", "-f", manifest("web-service.yaml", """
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: %1$s}
                spec:
                  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
                ---
                apiVersion: v1
                kind: Endpoints
                metadata: {name: web, namespace: %1$s}
                subsets:
                - addresses: [{ip: "%2$s", nodeName: %3$s}]
                  ports: [{name: http, port: 8080, protocol: TCP}]
                """.formatted(NAMESPACE, json(admin, "get", "pod", "web", "-n", NAMESPACE).path("status").path("podIP")
                .asText(), cluster.nodeName())).toString()).ok();
        String clusterIp = admin.run("get", "service", "web", "-n", NAMESPACE, "-o", "jsonpath={.spec.clusterIP}").ok()
                .stdout();
        admin.run("apply", "-f", manifest("client.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: client, namespace: %s}
                spec:
                  nodeName: %s
                  automountServiceAccountToken: false
                  restartPolicy: Never
                  dnsPolicy: Default
                  imagePullSecrets: [{name: regcred}]
                  containers:
                  - name: wget
                    image: %s/busybox:agent
                    command: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do busybox timeout 5 busybox wget -qO- http://%s/ready && exit 0; sleep 1; done; exit 1"]
                """.formatted(NAMESPACE, cluster.nodeName(), registry.host(), clusterIp)).toString()).ok();

        JsonNode client = await("pod client finished", () -> json(admin, "get", "pod", "client", "-n", NAMESPACE),
                p -> List.of("Succeeded", "Failed").contains(p.path("status").path("phase").asText()));
        assertThat(client.path("status").path("phase").asText()).as(containerLog(client, "wget") + diagnostics() + nft())
                .isEqualTo("Succeeded");
        assertThat(containerLog(client, "wget")).contains("ok");
        admin.run("delete", "pod", "client", "-n", NAMESPACE, "--wait=true").ok();
    }

    @Test
    @Order(4)
    void kubectlLogsExecAndPortForwardReachThePodThroughTheUpstreamApiServer() throws Exception {
        assertThat(admin.run("logs", "web", "-n", NAMESPACE).ok().stdout())
                .contains("hook=poststart-ran pod=web node=" + cluster.nodeName());
        assertThat(admin.run("logs", "web", "-n", NAMESPACE, "--tail=1", "--timestamps").ok().stdout())
                .matches("(?s)\\d{4}-\\d\\d-\\d\\dT\\S+ hook=.*");

        Kubectl.Result exec = admin.run("exec", "web", "-n", NAMESPACE, "--", "cat", "/cfg/greeting");
        assertThat(exec.exitCode()).as(exec + diagnostics()).isZero();
        assertThat(exec.stdout()).isEqualTo("hello-from-configmap");
        Kubectl.Result failing = admin.run("exec", "web", "-n", NAMESPACE, "--", "sh", "-c", "echo to-stderr >&2; exit 3");
        assertThat(failing.exitCode()).as(failing.toString()).isEqualTo(3);
        assertThat(failing.stderr()).contains("to-stderr");

        int local = J8sAgent.freePort();
        try (Kubectl.Background forward = admin.start("port-forward", "-n", NAMESPACE, "pod/web", local + ":8080")) {
            forward.awaitStdout(out -> out.contains("Forwarding from 127.0.0.1:" + local), TIMEOUT, "Forwarding from");
            java.net.http.HttpResponse<String> page = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + local + "/ready"))
                            .timeout(Duration.ofSeconds(20)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).isEqualTo("ok\n");
        }
    }

    @Test
    @Order(5)
    void theKubeletApiAuthenticatesEveryCallerAndAsksTheClusterWhetherItMay() throws Exception {
        String kubelet = "https://127.0.0.1:" + agent.kubeletPort();
        // the API server's own client certificate (system:masters here) reads the pods
        Kubectl.Result pods = admin.run("--server", kubelet, "--insecure-skip-tls-verify", "get", "--raw", "/pods");
        assertThat(pods.exitCode()).as(pods.toString()).isZero();
        assertThat(pods.stdout()).contains("\"kind\":\"PodList\"", "\"name\":\"web\"");
        assertThat(admin.run("--server", kubelet, "--insecure-skip-tls-verify", "get", "--raw", "/healthz").ok()
                .stdout()).isEqualTo("ok");
        assertThat(admin.run("--server", kubelet, "--insecure-skip-tls-verify", "get", "--raw", "/metrics").ok()
                .stdout()).contains("kubelet_running_pods 1");
        // a node may not read another node's (nor its own) kubelet API: the cluster's authorizer says no
        Kubectl.Result refused = node.run("--server", kubelet, "--insecure-skip-tls-verify", "get", "--raw", "/pods");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("Forbidden (user=system:node:" + cluster.nodeName()
                + ", verb=get, resource=nodes, subresource=proxy)");
        // no credential, or a token the cluster does not know: 401
        assertThat(kubeletGet(kubelet + "/pods", "")).isEqualTo("401 Unauthorized\n");
        assertThat(kubeletGet(kubelet + "/pods", "not-a-token")).isEqualTo("401 Unauthorized\n");
    }

    @Test
    @Order(6)
    void theAgentReadsThePullSecretOfItsPodButIsRefusedASecretNoneOfItsPodsReferences() {
        admin.run("create", "secret", "generic", "unrelated", "-n", NAMESPACE, "--from-literal=key=value").ok();
        node.run("get", "secret", "regcred", "-n", NAMESPACE).ok();
        Kubectl.Result refused = node.run("get", "--raw", "/api/v1/namespaces/" + NAMESPACE + "/secrets/unrelated",
                "-v=6").failed();
        assertThat(refused.stderr()).containsPattern("GET https://\\S+/api/v1/namespaces/" + NAMESPACE
                + "/secrets/unrelated\\S* 403 Forbidden");
        Kubectl.Result described = node.run("get", "secret", "unrelated", "-n", NAMESPACE).failed();
        assertThat(described.stderr()).contains("Error from server (Forbidden)",
                "User \"system:node:" + cluster.nodeName() + "\" cannot get resource \"secrets\"");
    }

    @Test
    @Order(7)
    void podsKeepRunningWhileTheApiServerIsUnreachableAndTheAgentReconcilesWhenItIsBack() {
        assumeTrue(cluster.local(), "only the local kube-apiserver can be made unreachable");
        JsonNode before = json(admin, "get", "pod", "web", "-n", NAMESPACE).path("status").path("containerStatuses")
                .get(0);
        String renewTime = json(admin, "get", "lease", NODE, "-n", "kube-node-lease").path("spec").path("renewTime")
                .asText();
        cluster.freezeApiServer(true);
        try {
            // two heartbeats' time without an answer; the container is the agent's to keep, not the API's
            J8sServer.sleep(Duration.ofSeconds(25));
            assertThat(agent.isAlive()).as(agent.logs()).isTrue();
        } finally {
            cluster.freezeApiServer(false);
        }
        await("the agent renews its lease once the API server answers again",
                () -> json(admin, "get", "lease", NODE, "-n", "kube-node-lease").path("spec").path("renewTime").asText(),
                r -> !r.equals(renewTime));
        JsonNode after = await("the pod is Running and Ready", () -> json(admin, "get", "pod", "web", "-n", NAMESPACE),
                p -> p.path("status").path("phase").asText().equals("Running")
                        && condition(p, "Ready").path("status").asText().equals("True"));
        JsonNode container = after.path("status").path("containerStatuses").get(0);
        assertThat(container.path("containerID").asText()).isEqualTo(before.path("containerID").asText());
        assertThat(container.path("restartCount").asInt()).isZero();
        // and the pod is still served: a new log read goes through the API server to the agent
        assertThat(admin.run("logs", "web", "-n", NAMESPACE).ok().stdout()).contains("hook=poststart-ran");
    }

    @Test
    @Order(8)
    void aStoppedAgentLeavesItsLeaseUnrenewedAndRestartedReadoptsThePodWithoutRestartingIt() {
        JsonNode before = json(admin, "get", "pod", "web", "-n", NAMESPACE);
        JsonNode container = before.path("status").path("containerStatuses").get(0);
        String containerId = container.path("containerID").asText();
        String startedAt = container.path("state").path("running").path("startedAt").asText();
        assertThat(startedAt).isNotEmpty();
        java.security.cert.X509Certificate serving = servingCertificate(agent.kubeletPort());

        agent.stop();
        JsonNode lease = json(admin, "get", "lease", NODE, "-n", "kube-node-lease");
        String renewTime = lease.path("spec").path("renewTime").asText();
        Instant expires = Instant.parse(renewTime).plusSeconds(lease.path("spec").path("leaseDurationSeconds").asInt());
        Instant deadline = expires.plusSeconds(2);
        while (Instant.now().isBefore(deadline)) {
            J8sServer.sleep(Duration.ofMillis(500));
        }
        lease = json(admin, "get", "lease", NODE, "-n", "kube-node-lease");
        assertThat(lease.path("spec").path("renewTime").asText()).as("the lease ran out unrenewed").isEqualTo(renewTime);
        JsonNode n = json(admin, "get", "node", NODE);
        Instant heartbeat = Instant.parse(condition(n, "Ready").path("lastHeartbeatTime").asText());
        assertThat(heartbeat).as("Ready is no longer posted").isBefore(Instant.now().minusSeconds(40));
        if (!cluster.local()) {
            // a cluster with a node lifecycle controller turns the condition Unknown once the lease ran out
            await("node " + NODE + " Ready is Unknown", () -> json(admin, "get", "node", NODE),
                    j -> condition(j, "Ready").path("status").asText().equals("Unknown"));
        }

        agent.restart();
        await("the restarted agent renews its lease",
                () -> json(admin, "get", "lease", NODE, "-n", "kube-node-lease").path("spec").path("renewTime")
                        .asText(), r -> !r.equals(renewTime));
        await("the restarted agent posts Ready again",
                () -> json(admin, "get", "node", NODE),
                j -> Instant.parse(condition(j, "Ready").path("lastHeartbeatTime").asText()).isAfter(heartbeat)
                        && condition(j, "Ready").path("status").asText().equals("True"));
        // a few sync rounds of the re-adopted pod
        JsonNode after = await("the pod is still Running and Ready",
                () -> json(admin, "get", "pod", "web", "-n", NAMESPACE),
                p -> p.path("status").path("phase").asText().equals("Running")
                        && condition(p, "Ready").path("status").asText().equals("True"));
        JsonNode readopted = after.path("status").path("containerStatuses").get(0);
        assertThat(readopted.path("containerID").asText()).isEqualTo(containerId);
        assertThat(readopted.path("restartCount").asInt()).isZero();
        assertThat(readopted.path("state").path("running").path("startedAt").asText()).isEqualTo(startedAt);
        assertThat(containerLog(after).lines().filter(l -> l.contains("hook=")).count())
                .as("the container ran once").isEqualTo(1);
        assertThat(servingCertificate(agent.kubeletPort())).as("the self-signed serving certificate is kept")
                .isEqualTo(serving);
        assertThat(agent.dataDir().resolve("pki/kubelet.crt")).exists();
    }

    @Test
    @Order(9)
    void aDeletedPodIsStoppedAndRemovedByTheAgent() {
        Kubectl.Result deleted = admin.run("delete", "pod", "web", "-n", NAMESPACE, "--wait=true", "--timeout=60s");
        assertThat(deleted.exitCode()).as(deleted + diagnostics()).isZero();
        Kubectl.Result gone = admin.run("get", "pod", "web", "-n", NAMESPACE);
        assertThat(gone.stderr()).contains("NotFound");
    }

    @Test
    @Order(10)
    void anAgentWithABootstrapKubeconfigRequestsItsClientCertificateThenRegistersAndRunsAPodWithIt() throws Exception {
        assumeTrue(cluster.local(), "the test signs certificates with the local control plane's CA");
        ClusterSigner signer = signer();
        // as kubeadm binds it: bootstrap identities may create certificate signing requests
        admin.run("create", "clusterrolebinding", "j8s-e2e-kubelet-bootstrap", "--clusterrole=system:node-bootstrapper",
                "--group=system:bootstrappers").ok();
        admin.run("create", "clusterrolebinding", "j8s-e2e-" + BOOT_NODE + "-proxier",
                "--clusterrole=system:node-proxier", "--user=system:node:" + BOOT_NODE).ok();
        bootAgent = J8sAgent.spawn(Path.of("kubelet.kubeconfig"), BOOT_NODE, "--bootstrap-kubeconfig",
                signer.bootstrapKubeconfig("abcdef").toString(), "--rotate-server-certificates", "--service-cidr",
                "10.96.0.0/12");

        JsonNode csr = signer.awaitRequest("system:bootstrap:abcdef", CLIENT_SIGNER, TIMEOUT);
        assertThat(csr.path("metadata").path("name").asText()).matches("node-csr-[A-Za-z0-9_-]{43}");
        assertThat(csr.path("spec").path("usages")).extracting(JsonNode::asText)
                .containsExactly("digital signature", "client auth");
        assertThat(csr.path("spec").path("groups")).extracting(JsonNode::asText).contains("system:bootstrappers");
        assertThat(signer.subject(csr)).isEqualTo("subject=/O=system:nodes/CN=system:node:" + BOOT_NODE);
        assertThat(bootAgent.isAlive()).as(bootAgent.logs()).isTrue();
        assertThat(bootAgent.currentLog()).doesNotContain(J8sAgent.READY_LINE);
        signer.approveAndSign(csr, false);
        bootAgent.awaitRunning();

        Path pki = bootAgent.dataDir().resolve("pki");
        assertThat(Files.isSymbolicLink(pki.resolve("kubelet-client-current.pem"))).isTrue();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
                pki.resolve("kubelet-client-current.pem")))).isEqualTo("rw-------");
        assertThat(pki.resolve("kubelet-client.key.tmp")).doesNotExist();
        assertThat(Files.readString(bootAgent.root().resolve("kubelet.kubeconfig")))
                .contains("client-certificate: \"" + pki.resolve("kubelet-client-current.pem") + "\"");
        await("node " + BOOT_NODE + " is Ready", () -> json(admin, "get", "node", BOOT_NODE),
                j -> condition(j, "Ready").path("status").asText().equals("True"));
        admin.run("apply", "-f", manifest("boot-web.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: boot-web, namespace: %s}
                spec:
                  nodeName: %s
                  automountServiceAccountToken: false
                  terminationGracePeriodSeconds: 1
                  imagePullSecrets: [{name: regcred}]
                  dnsPolicy: Default
                  containers:
                  - name: app
                    image: %s/busybox:agent
                    command: ["sh", "-c", "echo running-as-$NODE_NAME; exec sleep 3600"]
                    env: [{name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}]
                """.formatted(NAMESPACE, BOOT_NODE, registry.host())).toString()).ok();
        await("pod boot-web is Running on " + BOOT_NODE, () -> json(admin, "get", "pod", "boot-web", "-n", NAMESPACE),
                p -> p.path("status").path("phase").asText().equals("Running"));
        String events = admin.run("get", "events", "-n", NAMESPACE, "--field-selector", "involvedObject.name=boot-web",
                "-o", "jsonpath={range .items[*]}{.reason}|{.source.host}{\"\\n\"}{end}").ok().stdout();
        assertThat(events).contains("Started|" + BOOT_NODE);
    }

    @Test
    @Order(11)
    void withRotateServerCertificatesTheKubeletApiServesTheServingCertificateTheClusterIssued() {
        assumeTrue(bootAgent != null && bootAgent.isAlive(), "the bootstrapped agent runs");
        ClusterSigner signer = signer();
        java.security.cert.X509Certificate selfSigned = servingCertificate(bootAgent.kubeletPort());
        assertThat(selfSigned.getIssuerX500Principal().getName()).as("self-signed until the cluster issues one")
                .doesNotContain("upstream-ca");

        JsonNode denied = signer.awaitRequest("system:node:" + BOOT_NODE, SERVING_SIGNER, TIMEOUT);
        assertThat(denied.path("metadata").path("name").asText()).startsWith("csr-");
        assertThat(denied.path("spec").path("usages")).extracting(JsonNode::asText)
                .containsExactly("digital signature", "server auth");
        assertThat(signer.subject(denied)).isEqualTo("subject=/O=system:nodes/CN=system:node:" + BOOT_NODE);
        // a denied request is not given up: the agent asks again after a backoff, and that one is approved
        signer.deny(denied);
        Instant deniedAt = Instant.now();
        JsonNode csr = awaitNewServingRequest(signer, List.of(denied.path("metadata").path("name").asText()));
        // upstream's first backoff is 2 s; the timestamp has whole seconds
        assertThat(Instant.parse(csr.path("metadata").path("creationTimestamp").asText()))
                .isAfterOrEqualTo(deniedAt.plusSeconds(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertThat(bootAgent.currentLog()).contains("serving certificate rotation failed, trying again in");
        assertThat(signer.subject(csr)).isEqualTo("subject=/O=system:nodes/CN=system:node:" + BOOT_NODE);
        signer.approveAndSign(csr, true);

        java.security.cert.X509Certificate issued = await("the kubelet API serves the issued certificate",
                () -> servingCertificate(bootAgent.kubeletPort()),
                c -> c.getIssuerX500Principal().getName().equals("CN=upstream-ca"));
        assertThat(issued.getSubjectX500Principal().getName()).isEqualTo("CN=system:node:" + BOOT_NODE
                + ",O=system:nodes");
        JsonNode addresses = json(admin, "get", "node", BOOT_NODE).path("status").path("addresses");
        List<String> names = new ArrayList<>();
        try {
            issued.getSubjectAlternativeNames().forEach(n -> names.add(String.valueOf(n.get(1))));
        } catch (java.security.cert.CertificateParsingException e) {
            throw new AssertionError(e);
        }
        addresses.forEach(a -> assertThat(names).contains(a.path("address").asText()));
        // the API server still reaches the agent's pods through it
        assertThat(admin.run("logs", "boot-web", "-n", NAMESPACE).ok().stdout()).contains("running-as-" + BOOT_NODE);
    }

    @Test
    @Order(12)
    void aRestartedBootstrappedAgentMakesNoSecondRequestAndServesTheIssuedCertificateAtOnce() {
        assumeTrue(bootAgent != null && bootAgent.isAlive(), "the bootstrapped agent runs");
        ClusterSigner signer = signer();
        java.security.cert.X509Certificate serving = servingCertificate(bootAgent.kubeletPort());
        int requests = signer.requests("system:bootstrap:abcdef", CLIENT_SIGNER).size()
                + signer.requests("system:node:" + BOOT_NODE, SERVING_SIGNER).size();

        bootAgent.stop();
        bootAgent.restart();

        assertThat(servingCertificate(bootAgent.kubeletPort())).isEqualTo(serving);
        await("pod boot-web is Running on the restarted " + BOOT_NODE,
                () -> json(admin, "get", "pod", "boot-web", "-n", NAMESPACE),
                p -> p.path("status").path("phase").asText().equals("Running")
                        && p.path("status").path("containerStatuses").path(0).path("restartCount").asInt() == 0);
        assertThat(signer.requests("system:bootstrap:abcdef", CLIENT_SIGNER).size()
                + signer.requests("system:node:" + BOOT_NODE, SERVING_SIGNER).size()).isEqualTo(requests);
        assertThat(bootAgent.currentLog()).contains("the kubeconfig is valid, no bootstrap needed");
        Kubectl.Result deleted = admin.run("delete", "pod", "boot-web", "-n", NAMESPACE, "--wait=true",
                "--timeout=60s");
        assertThat(deleted.exitCode()).as(deleted + diagnostics()).isZero();
    }

    @Test
    @Order(13)
    void withRotateServerCertificatesTheServingCertificateIsRenewedBeforeItExpiresWithoutARestart() throws Exception {
        assumeTrue(bootAgent != null && bootAgent.isAlive(), "the bootstrapped agent runs");
        ClusterSigner signer = signer();
        List<String> earlier = signer.requests("system:node:" + BOOT_NODE, SERVING_SIGNER).stream()
                .map(c -> c.path("metadata").path("name").asText()).toList();
        Path pki = bootAgent.dataDir().resolve("pki");
        bootAgent.stop();
        // without a stored serving certificate the agent asks at once, now to get a short-lived one
        try (var files = Files.list(pki)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("kubelet-server-")).toList()) {
                Files.delete(f);
            }
        }
        bootAgent.restart();
        JsonNode first = awaitNewServingRequest(signer, earlier);
        java.security.cert.X509Certificate shortLived = signer.approveAndSignFor(first, Duration.ofSeconds(40), true);
        await("the kubelet API serves the short-lived certificate", () -> servingCertificate(bootAgent.kubeletPort()),
                shortLived::equals);

        List<String> asked = new ArrayList<>(earlier);
        asked.add(first.path("metadata").path("name").asText());
        JsonNode renewal = awaitNewServingRequest(signer, asked);
        Duration askedAfter = Duration.between(shortLived.getNotBefore().toInstant(),
                Instant.parse(renewal.path("metadata").path("creationTimestamp").asText()));
        // at 70-90 % of 40 s; the timestamp has whole seconds
        assertThat(askedAfter).isBetween(Duration.ofSeconds(27), Duration.ofSeconds(37));
        assertThat(renewal.path("spec").path("usages")).extracting(JsonNode::asText)
                .containsExactly("digital signature", "server auth");
        assertThat(signer.subject(renewal)).isEqualTo("subject=/O=system:nodes/CN=system:node:" + BOOT_NODE);
        signer.approveAndSign(renewal, true);

        java.security.cert.X509Certificate renewed = await("the kubelet API serves the renewed certificate",
                () -> servingCertificate(bootAgent.kubeletPort()), c -> !c.equals(shortLived));
        assertThat(Instant.now()).as("renewed before the first one expired")
                .isBefore(shortLived.getNotAfter().toInstant());
        assertThat(renewed.getIssuerX500Principal().getName()).isEqualTo("CN=upstream-ca");
        assertThat(renewed.getNotAfter()).isAfter(Date.from(Instant.now().plus(Duration.ofDays(1))));
        assertThat(bootAgent.isAlive()).isTrue();
        assertThat(bootAgent.currentLog()).contains("serving certificate rotated");
        // the API server reaches the agent through the renewed certificate
        assertThat(admin.run("get", "--raw", "/api/v1/nodes/" + BOOT_NODE + "/proxy/healthz").ok().stdout())
                .isEqualTo("ok");
    }

    @Test
    @Order(14)
    void withRotateCertificatesTheClientCertificateIsRenewedBeforeItExpiresWithTheNodesOwnCredentials()
            throws Exception {
        assumeTrue(bootAgent != null && bootAgent.isAlive(), "the bootstrapped agent runs");
        ClusterSigner signer = signer();
        List<String> earlier = signer.requests("system:bootstrap:abcdef", CLIENT_SIGNER).stream()
                .map(c -> c.path("metadata").path("name").asText()).toList();
        Path pki = bootAgent.dataDir().resolve("pki");
        bootAgent.stop();
        // without a kubeconfig and a stored certificate the agent bootstraps again, now to get a short-lived one
        Files.delete(bootAgent.root().resolve("kubelet.kubeconfig"));
        try (var files = Files.list(pki)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("kubelet-client-")).toList()) {
                Files.delete(f);
            }
        }
        bootAgent.respawnWith("--rotate-certificates");
        JsonNode again = await("a new bootstrap request", () -> signer.requests("system:bootstrap:abcdef",
                CLIENT_SIGNER), l -> l.stream().anyMatch(c -> !earlier.contains(c.path("metadata").path("name")
                .asText()))).stream().filter(c -> !earlier.contains(c.path("metadata").path("name").asText()))
                .findFirst().orElseThrow();
        java.security.cert.X509Certificate shortLived = signer.approveAndSignFor(again, Duration.ofSeconds(40));
        bootAgent.awaitRunning();

        JsonNode rotation = await("the agent asks for its next certificate with its own credentials",
                () -> signer.requests("system:node:" + BOOT_NODE, CLIENT_SIGNER), l -> !l.isEmpty()).getFirst();
        Duration askedAfter = Duration.between(shortLived.getNotBefore().toInstant(),
                Instant.parse(rotation.path("metadata").path("creationTimestamp").asText()));
        // at 70-90 % of 40 s; the timestamp has whole seconds
        assertThat(askedAfter).isBetween(Duration.ofSeconds(27), Duration.ofSeconds(37));
        assertThat(rotation.path("metadata").path("name").asText()).startsWith("csr-");
        assertThat(rotation.path("spec").path("usages")).extracting(JsonNode::asText)
                .containsExactly("digital signature", "client auth");
        assertThat(signer.subject(rotation)).isEqualTo("subject=/O=system:nodes/CN=system:node:" + BOOT_NODE);
        signer.approveAndSign(rotation, false);

        java.security.cert.CertificateFactory x509 = java.security.cert.CertificateFactory.getInstance("X.509");
        java.security.cert.X509Certificate rotated = await("the rotated certificate is the current one",
                () -> {
                    try (var in = Files.newInputStream(pki.resolve("kubelet-client-current.pem"))) {
                        return (java.security.cert.X509Certificate) x509.generateCertificate(in);
                    } catch (Exception e) {
                        return shortLived;
                    }
                }, c -> !c.equals(shortLived));
        assertThat(rotated.getNotAfter()).isAfter(Date.from(Instant.now().plus(Duration.ofDays(1))));
        Instant expired = shortLived.getNotAfter().toInstant();
        await("the first certificate has expired and the agent renews its lease after that",
                () -> Instant.parse(json(admin, "get", "lease", BOOT_NODE, "-n", "kube-node-lease").path("spec")
                        .path("renewTime").asText()), r -> r.isAfter(expired.plusSeconds(1)));
        assertThat(bootAgent.isAlive()).isTrue();
        assertThat(bootAgent.currentLog()).contains("client certificate rotated");
    }

    @Test
    @Order(15)
    void aDeniedBootstrapRequestStopsTheAgentWithTheConditionsReasonAndMessage() {
        assumeTrue(cluster.local(), "the test signs certificates with the local control plane's CA");
        ClusterSigner signer = signer();
        deniedAgent = J8sAgent.spawn(Path.of("kubelet.kubeconfig"), "denied-node", "--bootstrap-kubeconfig",
                signer.bootstrapKubeconfig("ghijkl").toString());

        signer.deny(signer.awaitRequest("system:bootstrap:ghijkl", CLIENT_SIGNER, TIMEOUT));

        assertThat(deniedAgent.awaitExit(TIMEOUT)).isEqualTo(1);
        assertThat(deniedAgent.currentLog()).contains("j8s agent: bootstrap the client certificate of node denied-node:"
                + " certificate signing request is denied, reason: KubectlDeny, message: This CSR was denied by"
                + " kubectl certificate deny.").doesNotContain(J8sAgent.READY_LINE);
        assertThat(deniedAgent.root().resolve("kubelet.kubeconfig")).doesNotExist();
    }

    /** The serving request of the boot node that is none of {@code known} (requests are listed by name). */
    private static JsonNode awaitNewServingRequest(ClusterSigner signer, List<String> known) {
        return await("a new serving request of " + BOOT_NODE, () -> signer.requests("system:node:" + BOOT_NODE,
                SERVING_SIGNER).stream().filter(c -> !known.contains(c.path("metadata").path("name").asText()))
                .toList(), l -> !l.isEmpty()).getFirst();
    }

    private static ClusterSigner signer() {
        return new ClusterSigner(cluster.pkiDir(), cluster.adminKubeconfig(), admin, home);
    }
}
