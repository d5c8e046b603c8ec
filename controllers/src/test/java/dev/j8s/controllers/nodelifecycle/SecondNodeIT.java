package dev.j8s.controllers.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.apiserver.ApiServer;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.kubeletclient.KubeletTls;
import dev.j8s.apiserver.testing.ApiCalls;
import dev.j8s.apiserver.testing.TlsApiServer;
import dev.j8s.controllers.ControllerClients;
import dev.j8s.controllers.ControllerManager;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second node without a real agent, over the real API server on HTTPS with the controller manager as j8s server
 * runs it: the node {@code agent} is registered through the API as {@code system:node:agent} (Node with its
 * addresses and kubelet port, Lease in kube-node-lease), a pod is scheduled onto it, its logs are proxied to a test
 * kubelet endpoint speaking the kubelet's HTTPS API (client certificate required), an unreachable kubelet gives
 * upstream's error, and once its Lease is no longer renewed the node turns Unknown, is tainted unreachable and the
 * pod with a short toleration is evicted.
 */
class SecondNodeIT {

    private static final String TOKEN = "second-node-token-0123456789";
    private static final Duration GRACE = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private ApiServer server;
    private ApiCalls api;
    private ControllerManager controllers;
    private KubeClient admin;
    private KubeClient agent;
    private HttpsServer kubelet;
    private final List<String> kubeletRequests = new CopyOnWriteArrayList<>();
    private final List<String> kubeletClients = new CopyOnWriteArrayList<>();
    private volatile boolean renewing = true;
    private volatile Instant lastAgentRenewal = Instant.MIN;
    private Thread renewer;

    @BeforeEach
    void setUp() throws Exception {
        server = TlsApiServer.start(dir, TOKEN);
        api = new ApiCalls(server.port(), TOKEN);
        char[] password = "changeit".toCharArray();
        KeyStore client = keyStore("kubelet-client.p12", "CN=kube-apiserver-kubelet-client, O=system:masters");
        server.attachRemoteKubelets(KubeletTls.context(client, password, Optional.empty()));
        KubeClient manager = server.kubeClient(UserInfo.authenticated(UserInfo.KUBE_CONTROLLER_MANAGER, "",
                List.of(), Map.of()));
        controllers = ControllerManager.start(manager, ControllerClients.serviceAccounts(manager,
                        sa -> server.kubeClient(UserInfo.serviceAccount(sa.getMetadata().getNamespace(),
                                sa.getMetadata().getName(), sa.getMetadata().getUid()))),
                new ControllerManager.Options(Clock.systemUTC(), Duration.ofMinutes(10), 100)
                        .withNodeMonitorGracePeriod(GRACE));
        admin = server.kubeClient(UserInfo.authenticated("admin", "", List.of("system:masters"), Map.of()));
        agent = server.kubeClient(UserInfo.node("agent"));
        kubelet = startKubelet();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (renewer != null) {
            renewer.interrupt();
            renewer.join(5_000);
        }
        if (kubelet != null) {
            kubelet.stop(0);
        }
        controllers.close();
        server.close();
    }

    /** A throw-away EC key and self-signed certificate with {@code dname}, made by keytool. */
    private KeyStore keyStore(String file, String dname) throws Exception {
        Path path = dir.resolve(file);
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "key", "-keyalg", "EC", "-groupname", "secp256r1", "-storetype", "PKCS12",
                "-keystore", path.toString(), "-storepass", "changeit", "-dname", dname,
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2").redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0).as(output).isTrue();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(path.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        return store;
    }

    /**
     * The kubelet's HTTPS API as far as logs go: {@code GET /containerLogs/{ns}/{pod}/{container}} answering with
     * the log, behind a self-signed serving certificate and requiring a client certificate (whose subject it notes).
     */
    private HttpsServer startKubelet() throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore("kubelet.p12", "CN=agent"), "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), new TrustManager[] {new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                params.setNeedClientAuth(true);
            }
        });
        https.createContext("/containerLogs/", exchange -> {
            kubeletRequests.add(exchange.getRequestURI().toString());
            kubeletClients.add(((HttpsExchange) exchange).getSSLSession().getPeerPrincipal().getName());
            boolean known = exchange.getRequestURI().getPath().equals("/containerLogs/default/tolerant/c");
            byte[] body = (known ? "line one\nline two\n" : "container \"x\" in pod \"y\" is not available")
                    .getBytes(StandardCharsets.UTF_8);
            int code = known ? 200 : 400;
            exchange.sendResponseHeaders(code, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        https.start();
        return https;
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Registers a node as its kubelet would (through the Node authorizer and NodeRestriction as that node). */
    private void register(KubeClient as, String name, String cpu, int kubeletPort) {
        as.resource(Kind.NODES).create(new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("kubernetes.io/hostname", name).endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(kubeletPort).endKubeletEndpoint()
                .endDaemonEndpoints()
                .addToAllocatable(Map.of("cpu", new Quantity(cpu), "memory", new Quantity("4Gi"),
                        "pods", new Quantity("110")))
                .addToCapacity(Map.of("cpu", new Quantity(cpu), "memory", new Quantity("4Gi"),
                        "pods", new Quantity("110")))
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withMessage("kubelet is posting ready status").withLastHeartbeatTime(now())
                .withLastTransitionTime(now()).endCondition().endStatus().build());
        renew(as, name);
    }

    private static void renew(KubeClient as, String name) {
        var leases = as.resource(Kind.LEASES);
        ZonedDateTime at = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        var lease = leases.get("kube-node-lease", name);
        if (lease.isEmpty()) {
            leases.create(new LeaseBuilder().withNewMetadata().withName(name).withNamespace("kube-node-lease")
                    .endMetadata().withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40)
                    .withRenewTime(at).endSpec().build());
        } else {
            leases.update(new LeaseBuilder(lease.get()).editSpec().withRenewTime(at).endSpec().build());
        }
    }

    private Node node(String name) {
        return admin.resource(Kind.NODES).get("", name).orElseThrow();
    }

    private static <T> T await(Duration timeout, Supplier<Optional<T>> condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            Optional<T> v = condition.get();
            if (v.isPresent()) {
                return v.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not met within " + timeout);
    }

    private String scheduled(String pod) throws InterruptedException {
        return await(Duration.ofSeconds(15), () -> admin.resource(Kind.PODS).get("default", pod)
                .map(p -> p.getSpec().getNodeName()).filter(n -> n != null && !n.isEmpty()));
    }

    @Test
    void aSecondNodeGetsPodsServesTheirLogsAndLosesThemWhenItsLeaseRunsOut() throws Exception {
        KubeClient embedded = server.kubeClient(UserInfo.node("node1"));
        register(embedded, "node1", "250m", 1);
        register(agent, "agent", "4", kubelet.getAddress().getPort());
        renewer = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                renew(embedded, "node1");
                if (renewing) {
                    Instant started = Instant.now();
                    renew(agent, "agent");
                    lastAgentRenewal = started; // the lease was written at or after this instant
                }
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        // scheduling: 500m fit on the agent only
        for (String name : List.of("tolerant", "patient")) {
            var pod = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                    .withNewSpec().addNewContainer().withName("c").withImage("busybox").withNewResources()
                    .addToRequests("cpu", new Quantity("500m")).endResources().endContainer();
            if (name.equals("tolerant")) {
                pod = pod.addNewToleration().withKey(NodeConditionTaints.UNREACHABLE).withOperator("Exists")
                        .withEffect("NoExecute").withTolerationSeconds(2L).endToleration();
            }
            admin.resource(Kind.PODS).create(pod.endSpec().build());
            assertThat(scheduled(name)).isEqualTo("agent");
        }

        // pods/log goes to the agent's kubelet over HTTPS with the API server's client certificate
        HttpResponse<String> log = api.call("GET", "/api/v1/namespaces/default/pods/tolerant/log?tailLines=5", null,
                null);
        assertThat(log.statusCode()).as(log.body()).isEqualTo(200);
        assertThat(log.body()).isEqualTo("line one\nline two\n");
        assertThat(kubeletRequests).containsExactly("/containerLogs/default/tolerant/c?tailLines=5");
        assertThat(kubeletClients).allMatch(p -> p.contains("CN=kube-apiserver-kubelet-client"));
        // what the kubelet refuses reaches the client with its text
        HttpResponse<String> refused = api.call("GET", "/api/v1/namespaces/default/pods/patient/log", null, null);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(Json.MAPPER.readTree(refused.body()).path("message").asText())
                .isEqualTo("container \"x\" in pod \"y\" is not available");
        // an unreachable kubelet: upstream's error, a Status without reason
        int port = kubelet.getAddress().getPort();
        kubelet.stop(0);
        kubelet = null;
        HttpResponse<String> down = api.call("GET", "/api/v1/namespaces/default/pods/tolerant/log", null, null);
        assertThat(down.statusCode()).isEqualTo(500);
        JsonNode status = Json.MAPPER.readTree(down.body());
        assertThat(status.path("message").asText()).isEqualTo("Get \"https://127.0.0.1:" + port
                + "/containerLogs/default/tolerant/c\": dial tcp 127.0.0.1:" + port + ": connect: connection refused");
        assertThat(status.has("reason")).isFalse();
        // exec as kubectl 1.32 asks for it (WebSocket): refused before the upgrade with upstream's dial error
        HttpClient ws = HttpClient.newBuilder().sslContext(TlsApiServer.trustingContext())
                .sslParameters(TlsApiServer.clientParameters()).build();
        var handshake = ws.newWebSocketBuilder().header("Authorization", "Bearer " + TOKEN)
                .subprotocols("v5.channel.k8s.io").buildAsync(java.net.URI.create("wss://127.0.0.1:" + server.port()
                        + "/api/v1/namespaces/default/pods/tolerant/exec?command=true&stdout=true&container=c"),
                        new java.net.http.WebSocket.Listener() { });
        assertThat(handshake).failsWithin(Duration.ofSeconds(30))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .satisfies(e -> {
                    var refusal = (java.net.http.WebSocketHandshakeException) e.getCause();
                    assertThat(refusal.getResponse().statusCode()).isEqualTo(500);
                    Object body = refusal.getResponse().body();
                    String text = body instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(body);
                    assertThat(Json.MAPPER.readTree(text).path("message").asText()).isEqualTo(
                            "error dialing backend: dial tcp 127.0.0.1:" + port + ": connect: connection refused");
                });

        // the agent stops renewing its lease: Unknown, tainted unreachable, the 2 s pod evicted, the 300 s one kept
        renewing = false;
        NodeCondition unknown = await(Duration.ofSeconds(20), () -> node("agent").getStatus().getConditions().stream()
                .filter(c -> c.getType().equals("Ready") && c.getStatus().equals("Unknown")).findFirst());
        assertThat(Duration.between(lastAgentRenewal, Instant.now())).as("from the agent's last renewal")
                .isGreaterThanOrEqualTo(GRACE);
        assertThat(unknown.getReason()).isEqualTo("NodeStatusUnknown");
        assertThat(unknown.getMessage()).isEqualTo("Kubelet stopped posting node status.");
        List<Taint> taints = await(Duration.ofSeconds(10), () -> Optional.ofNullable(node("agent").getSpec())
                .map(s -> s.getTaints() == null ? List.<Taint>of() : s.getTaints()).filter(t -> t.size() == 2));
        assertThat(taints).extracting(t -> t.getKey() + ":" + t.getEffect()).containsExactlyInAnyOrder(
                "node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute");
        Pod evicted = await(Duration.ofSeconds(15), () -> {
            Optional<Pod> p = admin.resource(Kind.PODS).get("default", "tolerant");
            return p.isEmpty() ? Optional.of(new Pod()) : p.filter(x -> x.getMetadata().getDeletionTimestamp() != null);
        });
        if (evicted.getStatus() != null) {
            assertThat(evicted.getStatus().getConditions()).anyMatch(c -> c.getType().equals("DisruptionTarget")
                    && c.getReason().equals("DeletionByTaintManager"));
        }
        Pod patient = admin.resource(Kind.PODS).get("default", "patient").orElseThrow();
        assertThat(patient.getMetadata().getDeletionTimestamp()).isNull();
        assertThat(node("node1").getStatus().getConditions()).anyMatch(c -> c.getType().equals("Ready")
                && c.getStatus().equals("True"));

        // a new pod that fits nowhere now says why, in upstream's words
        admin.resource(Kind.PODS).create(new PodBuilder().withNewMetadata().withName("late").withNamespace("default")
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox").withNewResources()
                .addToRequests("cpu", new Quantity("500m")).endResources().endContainer().endSpec().build());
        String message = await(Duration.ofSeconds(10), () -> admin.resource(Kind.EVENTS)
                .list("default", dev.j8s.api.client.ListOptions.EVERYTHING).items().stream()
                .filter(e -> "FailedScheduling".equals(e.getReason()) && "late".equals(e.getInvolvedObject().getName()))
                .map(e -> e.getMessage()).findFirst());
        assertThat(message).isEqualTo("0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
                + "{node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are available: 1 No preemption victims "
                + "found for incoming pod, 1 Preemption is not helpful for scheduling.");
    }
}
