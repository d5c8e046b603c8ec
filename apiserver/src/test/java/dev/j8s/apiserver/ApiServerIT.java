package dev.j8s.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.testing.TlsApiServerExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The API server over real HTTPS on loopback: authentication, CRUD, watch, errors, controllers. */
class ApiServerIT {

    private static final String TOKEN = "test-token-0123456789";

    @RegisterExtension
    static final TlsApiServerExtension SERVER = new TlsApiServerExtension(TOKEN);

    private static HttpClient client;
    private static String base;

    @BeforeAll
    static void start() {
        client = SERVER.api().client();
        base = SERVER.api().base();
    }

    private static HttpResponse<String> call(String method, String path, String contentType, String body) throws Exception {
        return SERVER.api().call(method, path, contentType, body);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    private static String pod(String name) {
        return """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"app":"web"}},
                 "spec":{"containers":[{"name":"main","image":"busybox:1.36","ports":[{"containerPort":80}]}]}}
                """.formatted(name);
    }

    /** Registers node1 (the scheduler binds pods only to registered nodes); a second call finds it there. */
    private void registerNode() throws Exception {
        HttpResponse<String> node = call("POST", "/api/v1/nodes", "application/json", """
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"node1"},
                 "status":{"allocatable":{"cpu":"2","memory":"4Gi","pods":"110"}}}
                """);
        assertThat(node.statusCode()).as(node.body()).isIn(201, 409);
    }

    @Test
    void requestsWithoutTheTokenGetUnauthorizedAsAStatus() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/pods")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(json(r).get("reason").asText()).isEqualTo("Unauthorized");
        HttpResponse<String> wrong = client.send(HttpRequest.newBuilder(URI.create(base + "/version"))
                .header("Authorization", "Bearer nope").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
    }

    @Test
    void versionAndDiscoveryAreServed() throws Exception {
        assertThat(json(call("GET", "/version", null, null)).get("minor").asText()).isEqualTo("32");
        HttpResponse<String> apis = call("GET", "/apis", null, null);
        assertThat(apis.statusCode()).isEqualTo(200);
        assertThat(json(apis).get("kind").asText()).isEqualTo("APIGroupList");
        HttpResponse<String> agg = client.send(HttpRequest.newBuilder(URI.create(base + "/api"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(agg.headers().firstValue("Content-Type").orElseThrow()).contains("v=v2").contains("as=APIGroupDiscoveryList");
        assertThat(agg.body()).contains("\"resource\":\"pods\"");
    }

    @Test
    void aCreatedPodIsDefaultedBoundAndListed() throws Exception {
        registerNode();
        HttpResponse<String> created = call("POST", "/api/v1/namespaces/default/pods", "application/json", pod("web1"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode pod = json(created);
        assertThat(pod.at("/spec/restartPolicy").asText()).isEqualTo("Always");
        assertThat(pod.at("/spec/containers/0/imagePullPolicy").asText()).isEqualTo("IfNotPresent");
        assertThat(pod.at("/spec/containers/0/ports/0/protocol").asText()).isEqualTo("TCP");
        assertThat(pod.at("/spec/serviceAccountName").asText()).isEqualTo("default");
        assertThat(pod.at("/metadata/uid").asText()).isNotEmpty();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode bound;
        do {
            bound = json(call("GET", "/api/v1/namespaces/default/pods/web1", null, null));
        } while (bound.at("/spec/nodeName").asText().isEmpty() && System.nanoTime() < deadline && pause());
        assertThat(bound.at("/spec/nodeName").asText()).isEqualTo("node1");
        JsonNode list = json(call("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb", null, null));
        assertThat(list.get("kind").asText()).isEqualTo("PodList");
        assertThat(list.at("/metadata/resourceVersion").asText()).isNotEmpty();
        assertThat(list.get("items").findValuesAsText("name")).contains("web1");
        // the binder records its event right after the binding is written
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode events;
        do {
            events = json(call("GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb1", null, null));
        } while (!events.get("items").findValuesAsText("reason").contains("Scheduled") && System.nanoTime() < deadline && pause());
        assertThat(events.get("items").findValuesAsText("reason")).contains("Scheduled");
    }

    private static boolean pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    @Test
    void aStaleUpdateIsAConflictAndNothingChanges() throws Exception {
        call("POST", "/api/v1/namespaces/default/configmaps", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cc\"},\"data\":{\"a\":\"1\"}}");
        JsonNode cm = json(call("GET", "/api/v1/namespaces/default/configmaps/cc", null, null));
        String rv = cm.at("/metadata/resourceVersion").asText();
        String update = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cc\",\"resourceVersion\":\"%s\"},\"data\":{\"a\":\"%s\"}}";
        assertThat(call("PUT", "/api/v1/namespaces/default/configmaps/cc", "application/json", update.formatted(rv, "2")).statusCode())
                .isEqualTo(200);
        HttpResponse<String> stale = call("PUT", "/api/v1/namespaces/default/configmaps/cc", "application/json", update.formatted(rv, "3"));
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(json(stale).get("message").asText()).isEqualTo("Operation cannot be fulfilled on configmaps \"cc\": "
                + "the object has been modified; please apply your changes to the latest version and try again");
        assertThat(json(call("GET", "/api/v1/namespaces/default/configmaps/cc", null, null)).at("/data/a").asText()).isEqualTo("2");
    }

    @Test
    void aWatchFromARevisionReplaysWhatFollowedAndStreamsNewChanges() throws Exception {
        JsonNode list = json(call("GET", "/api/v1/namespaces/default/secrets", null, null));
        String rv = list.at("/metadata/resourceVersion").asText();
        call("POST", "/api/v1/namespaces/default/secrets", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"w1\"},\"stringData\":{\"k\":\"v\"}}");
        HttpRequest watch = HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/secrets?watch=true&timeoutSeconds=5&resourceVersion=" + rv))
                .header("Authorization", "Bearer " + TOKEN).build();
        HttpResponse<java.io.InputStream> stream = client.send(watch, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        List<String> seen = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String first = reader.readLine();
            seen.add(first);
            call("DELETE", "/api/v1/namespaces/default/secrets/w1", null, null);
            seen.add(reader.readLine());
        }
        JsonNode added = Json.MAPPER.readTree(seen.get(0));
        JsonNode deleted = Json.MAPPER.readTree(seen.get(1));
        assertThat(added.get("type").asText()).isEqualTo("ADDED");
        assertThat(added.at("/object/metadata/name").asText()).isEqualTo("w1");
        assertThat(added.at("/object/data/k").asText()).isEqualTo("dg==");
        assertThat(deleted.get("type").asText()).isEqualTo("DELETED");
    }

    @Test
    void aPodWithoutAKubeletIsDeletedAtOnceAndReturned() throws Exception {
        call("POST", "/api/v1/namespaces/default/pods", "application/json", pod("gone1"));
        HttpResponse<String> del = call("DELETE", "/api/v1/namespaces/default/pods/gone1", "application/json",
                "{\"propagationPolicy\":\"Background\"}");
        assertThat(del.statusCode()).isEqualTo(200);
        assertThat(json(del).get("kind").asText()).isEqualTo("Pod");
        assertThat(call("GET", "/api/v1/namespaces/default/pods/gone1", null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void deletingANamespaceRemovesItsObjectsAndThenItself() throws Exception {
        assertThat(call("POST", "/api/v1/namespaces", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"doomed\"}}").statusCode()).isEqualTo(201);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (call("GET", "/api/v1/namespaces/doomed/serviceaccounts/default", null, null).statusCode() != 200
                && System.nanoTime() < deadline) {
            pause();
        }
        assertThat(call("GET", "/api/v1/namespaces/doomed/serviceaccounts/default", null, null).statusCode()).isEqualTo(200);
        call("POST", "/api/v1/namespaces/doomed/configmaps", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}");
        HttpResponse<String> del = call("DELETE", "/api/v1/namespaces/doomed", null, null);
        assertThat(json(del).at("/status/phase").asText()).isEqualTo("Terminating");
        HttpResponse<String> refused = call("POST", "/api/v1/namespaces/doomed/configmaps", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"y\"}}");
        if (refused.statusCode() != 404) {
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(json(refused).get("message").asText())
                    .isEqualTo("configmaps \"y\" is forbidden: unable to create new content in namespace doomed because it is being terminated");
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (call("GET", "/api/v1/namespaces/doomed", null, null).statusCode() != 404 && System.nanoTime() < deadline) {
            pause();
        }
        assertThat(call("GET", "/api/v1/namespaces/doomed", null, null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/api/v1/namespaces/doomed/configmaps/x", null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void anOversizedBodyIsRefusedWith413() throws Exception {
        String big = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},\"data\":{\"a\":\""
                + "x".repeat(10 * 1024 * 1024) + "\"}}";
        HttpResponse<String> r = call("POST", "/api/v1/namespaces/default/configmaps", "application/json", big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).get("message").asText()).isEqualTo("Request entity too large: limit is 3145728");
        assertThat(call("GET", "/api/v1/namespaces/default/configmaps/big", null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void malformedBodiesAndWrongKindsAreBadRequests() throws Exception {
        assertThat(call("POST", "/api/v1/namespaces/default/pods", "application/json", "{\"apiVersion\":").statusCode())
                .isEqualTo(400);
        HttpResponse<String> wrongKind = call("POST", "/api/v1/namespaces/default/pods", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"}}");
        assertThat(wrongKind.statusCode()).isEqualTo(400);
        assertThat(call("GET", "/api/v1/namespaces/default/pods/s", null, null).statusCode()).isEqualTo(404);
        HttpResponse<String> unknownPath = call("GET", "/api/v1/widgets", null, null);
        assertThat(unknownPath.statusCode()).isEqualTo(404);
        assertThat(json(unknownPath).get("message").asText()).isEqualTo("the server could not find the requested resource");
    }

    @Test
    void aPodOnANodeWithALiveKubeletIsDeletedGracefullyUntilConfirmed() throws Exception {
        String now = java.time.format.DateTimeFormatter.ISO_INSTANT.format(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        HttpResponse<String> lease = call("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", "application/json",
                "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"node1\"},"
                        + "\"spec\":{\"holderIdentity\":\"node1\",\"leaseDurationSeconds\":40,\"renewTime\":\"" + now + "\"}}");
        assertThat(lease.statusCode()).as(lease.body()).isEqualTo(201);
        registerNode();
        try {
            call("POST", "/api/v1/namespaces/default/pods", "application/json", pod("graceful"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (json(call("GET", "/api/v1/namespaces/default/pods/graceful", null, null)).at("/spec/nodeName").asText().isEmpty()
                    && System.nanoTime() < deadline) {
                pause();
            }
            HttpResponse<String> del = call("DELETE", "/api/v1/namespaces/default/pods/graceful", "application/json",
                    "{\"gracePeriodSeconds\":20}");
            JsonNode terminating = json(del);
            assertThat(terminating.at("/metadata/deletionTimestamp").asText()).isNotEmpty();
            assertThat(terminating.at("/metadata/deletionGracePeriodSeconds").asInt()).isEqualTo(20);
            assertThat(call("GET", "/api/v1/namespaces/default/pods/graceful", null, null).statusCode()).isEqualTo(200);
            HttpResponse<String> wrongUid = call("DELETE", "/api/v1/namespaces/default/pods/graceful", "application/json",
                    "{\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"not-it\"}}");
            assertThat(wrongUid.statusCode()).isEqualTo(409);
            String uid = terminating.at("/metadata/uid").asText();
            HttpResponse<String> confirm = call("DELETE", "/api/v1/namespaces/default/pods/graceful", "application/json",
                    "{\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"" + uid + "\"}}");
            assertThat(confirm.statusCode()).isEqualTo(200);
            assertThat(call("GET", "/api/v1/namespaces/default/pods/graceful", null, null).statusCode()).isEqualTo(404);
        } finally {
            call("DELETE", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node1", null, null);
        }
    }

    @Test
    void aDryRunCreateStoresNothing() throws Exception {
        HttpResponse<String> r = call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"dry\"},\"data\":{\"a\":\"1\"}}");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(json(r).at("/metadata/uid").asText()).isNotEmpty();
        assertThat(call("GET", "/api/v1/namespaces/default/configmaps/dry", null, null).statusCode()).isEqualTo(404);
    }
}
