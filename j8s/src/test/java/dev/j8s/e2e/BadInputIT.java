package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile and broken requests: each is refused with a 4xx whose upstream message kubectl prints, the
 * server keeps serving, and nothing stored in the namespace changes (compared through
 * {@code kubectl get … -o json} before and after).
 */
class BadInputIT {

    static final String NS = "bad";
    static final String SNAPSHOT_TYPES = "pods,services,configmaps,secrets,serviceaccounts";

    @RegisterExtension
    static final ServerExtension CLUSTER = ServerExtension.shared("bad-input-node");

    static Kubectl kubectl;
    static ApiClient api;
    private JsonNode before;

    @BeforeAll
    static void seed() {
        kubectl = CLUSTER.kubectl();
        api = CLUSTER.server().api();
        kubectl.run("create", "namespace", NS).ok();
        kubectl.run("create", "configmap", "keep", "-n", NS, "--from-literal=k=v").ok();
        kubectl.run("create", "secret", "generic", "keep", "-n", NS, "--from-literal=k=v").ok();
        Await.until(Duration.ofSeconds(10), "serviceaccount default in " + NS,
                () -> kubectl.run("get", "serviceaccount", "default", "-n", NS), r -> r.exitCode() == 0);
    }

    @BeforeEach
    void snapshot() {
        before = stored();
    }

    @AfterEach
    void serverStillServesAndNothingChanged() {
        assertThat(kubectl.run("get", "--raw", "/healthz").ok().stdout()).isEqualTo("ok");
        assertThat(api.get("/version").status()).isEqualTo(200);
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void malformedJsonIsABadRequest() {
        Path broken = CLUSTER.resource("broken.json");

        Kubectl.Result viaKubectl = kubectl.run("create", "--raw", "/api/v1/namespaces/" + NS + "/configmaps",
                "-f", broken.toString()).failed();
        ApiClient.Response raw = api.post("/api/v1/namespaces/" + NS + "/configmaps", "application/json",
                read(broken));

        // Upstream cannot even read apiVersion/kind, so it summarizes the first 30 bytes of the body.
        assertThat(viaKubectl.stderr()).isEqualTo("Error from server (BadRequest): the object provided is "
                + "unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: "
                + "unexpected end of JSON input ({\"apiVersion\": \"v1\", \"kind\": \" ...)\n");
        assertStatus(raw, 400, "BadRequest");
    }

    @Test
    void malformedYamlIsABadRequest() {
        ApiClient.Response raw = api.post("/api/v1/namespaces/" + NS + "/configmaps", "application/yaml",
                read(CLUSTER.resource("broken.yaml")));

        assertStatus(raw, 400, "BadRequest");
        assertThat(raw.json().get("message").asText())
                .startsWith("the object provided is unrecognized (must be of type ConfigMap): ");
    }

    @Test
    void aValueOfTheWrongTypeIsABadRequest() {
        Path manifest = CLUSTER.resource("configmap-number.yaml");

        Kubectl.Result created = kubectl.run("create", "-n", NS, "-f", manifest.toString()).failed();

        assertThat(created.stderr()).isEqualTo("Error from server (BadRequest): error when creating \"" + manifest
                + "\": ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal number "
                + "into Go struct field ConfigMap.data of type string\n");
    }

    @Test
    void aServiceBodyPostedToThePodsUrlIsABadRequest() {
        Path service = CLUSTER.resource("service-for-pods-url.json");

        Kubectl.Result viaKubectl = kubectl.run("create", "--raw", "/api/v1/namespaces/" + NS + "/pods",
                "-f", service.toString()).failed();
        ApiClient.Response raw = api.post("/api/v1/namespaces/" + NS + "/pods", "application/json", read(service));

        assertThat(viaKubectl.stderr())
                .startsWith("Error from server (BadRequest): Service in version \"v1\" cannot be handled as a Pod: ");
        assertThat(raw.headers().allValues("Warning")).as("upstream decodes the body as a Service first: no "
                + "unknown-field warnings against the Pod schema").isEmpty();
        assertStatus(raw, 400, "BadRequest");
        assertThat(raw.json().get("message").asText()).startsWith("Service in version \"v1\" cannot be handled as a Pod: ");
    }

    @Test
    void anUnknownFieldIsAStrictDecodingError() {
        kubectl.requireMinor(25, "server-side field validation (kubectl sends fieldValidation=Strict)");
        Path manifest = CLUSTER.resource("pod-unknown-field.yaml");

        Kubectl.Result created = kubectl.run("create", "-n", NS, "-f", manifest.toString()).failed();

        assertThat(created.stderr()).isEqualTo("Error from server (BadRequest): error when creating \"" + manifest
                + "\": Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.foo\"\n");
    }

    @Test
    void aTenMebibyteBodyIsTooLarge() throws IOException {
        String big = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},\"data\":{\"blob\":\""
                + "x".repeat(10 * 1024 * 1024) + "\"}}";
        Path file = CLUSTER.file("big.json", big);

        Instant start = Instant.now();
        Kubectl.Result viaKubectl = kubectl.run("create", "-n", NS, "-f", file.toString()).failed();
        // With "Expect: 100-continue" the server can refuse before the body is sent.
        ApiClient.Response raw = api.postExpectingContinue("/api/v1/namespaces/" + NS + "/configmaps",
                "application/json", big.getBytes(StandardCharsets.UTF_8));

        assertStatus(raw, 413, "RequestEntityTooLarge");
        assertThat(raw.json().get("message").asText()).isEqualTo("Request entity too large: limit is 3145728");
        assertThat(viaKubectl.stderr()).isEqualTo("Error from server (RequestEntityTooLarge): error when creating \""
                + file + "\": Request entity too large: limit is 3145728\n");
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(30));
        Files.delete(file);
    }

    @Test
    void aNameThatIsNotADnsSubdomainIsInvalid() {
        Path manifest = CLUSTER.resource("pod-bad-name.yaml");

        Kubectl.Result created = kubectl.run("create", "-n", NS, "-f", manifest.toString()).failed();

        assertThat(created.stderr()).isEqualTo("The Pod \"Bad_Name\" is invalid: metadata.name: Invalid value: "
                + "\"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                + "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
                + "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n");
    }

    @Test
    void aRequestWithoutTheRightTokenIsUnauthorized() {
        Path wrongToken = ClusterAccess.writeWithToken(CLUSTER.server().kubeconfig(), "not-the-token",
                CLUSTER.server().scratch("wrong-token").resolve("kubeconfig"));

        Kubectl.Result viaKubectl = kubectl.withKubeconfig(wrongToken).run("get", "configmaps", "-n", NS).failed();
        ApiClient.Response raw = api.withoutToken().get("/api/v1/namespaces/" + NS + "/configmaps");
        ApiClient.Response rawCreate = api.withoutToken().post("/api/v1/namespaces/" + NS + "/configmaps",
                "application/json", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"sneaky\"}}"
                        .getBytes(StandardCharsets.UTF_8));

        assertThat(viaKubectl.stderr()).endsWith("error: You must be logged in to the server (Unauthorized)\n");
        assertThat(viaKubectl.stdout()).isEmpty();
        assertStatus(raw, 401, "Unauthorized");
        assertThat(raw.json().get("message").asText()).isEqualTo("Unauthorized");
        assertStatus(rawCreate, 401, "Unauthorized");
    }

    @Test
    void aBillionLaughsConfigMapIsRefusedQuickly() {
        byte[] laughs = read(CLUSTER.resource("billion-laughs.yaml"));

        Instant start = Instant.now();
        ApiClient.Response raw = api.post("/api/v1/namespaces/" + NS + "/configmaps", "application/yaml", laughs);
        Duration took = Duration.between(start, Instant.now());

        assertStatus(raw, 400, "BadRequest");
        assertThat(raw.json().get("message").asText())
                .startsWith("the object provided is unrecognized (must be of type ConfigMap): ");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    private static JsonNode stored() {
        return Await.json(kubectl.run("get", SNAPSHOT_TYPES, "-n", NS, "-o", "json")).get("items");
    }

    private static void assertStatus(ApiClient.Response response, int code, String reason) {
        assertThat(response.status()).as("%s", response).isEqualTo(code);
        JsonNode status = response.json();
        assertThat(status.get("kind").asText()).as("%s", response).isEqualTo("Status");
        assertThat(status.get("status").asText()).isEqualTo("Failure");
        assertThat(status.get("reason").asText()).as("%s", response).isEqualTo(reason);
        assertThat(status.get("code").asInt()).isEqualTo(code);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
