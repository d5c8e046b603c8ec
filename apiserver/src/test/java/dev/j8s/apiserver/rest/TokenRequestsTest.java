package dev.j8s.apiserver.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.testing.LocalCore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenRequestsTest {

    @TempDir
    Path dir;

    private LocalCore local;
    private TokenRequests requests;

    @BeforeEach
    void setUp() {
        local = LocalCore.open(dir, false);
        requests = local.core().access().tokenRequests();
        create("serviceaccounts", "{'apiVersion':'v1','kind':'ServiceAccount','metadata':{'name':'sa'}}");
        ObjectService objects = local.core().objects();
        objects.create(objects.resources().find("", "v1", "nodes").orElseThrow(), "",
                json("{'apiVersion':'v1','kind':'Node','metadata':{'name':'node1'}}"), false);
        create("pods", "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web'},'spec':{'serviceAccountName':'sa',"
                + "'nodeName':'node1','containers':[{'name':'c','image':'i'}]}}");
    }

    @AfterEach
    void tearDown() {
        local.close();
    }

    private ObjectNode create(String plural, String compact) {
        ObjectService objects = local.core().objects();
        return objects.create(objects.resources().find("", "v1", plural).orElseThrow(), "default", json(compact), false);
    }

    private static ObjectNode json(String compact) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(compact.replace('\'', '"'));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ObjectNode request(String spec) {
        return json("{'apiVersion':'authentication.k8s.io/v1','kind':'TokenRequest','spec':" + spec + "}");
    }

    private static JsonNode claims(ObjectNode answer) throws Exception {
        String token = answer.at("/status/token").asText();
        return Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    }

    @Test
    void anEmptyRequestGetsTheApiAudienceAndAnHour() throws Exception {
        ObjectNode answer = requests.create("default", "sa", request("{}"));

        assertThat(answer.at("/metadata/name").asText()).isEqualTo("sa");
        assertThat(answer.at("/spec/audiences").toString()).isEqualTo("[\"https://kubernetes.default.svc.cluster.local\"]");
        assertThat(answer.at("/spec/expirationSeconds").asLong()).isEqualTo(3600);
        JsonNode claims = claims(answer);
        assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(3600);
        Instant expires = Instant.parse(answer.at("/status/expirationTimestamp").asText());
        assertThat(expires.getEpochSecond()).isEqualTo(claims.path("exp").asLong());
        assertThat(claims.at("/kubernetes.io/pod").isMissingNode()).isTrue();
    }

    @Test
    void aPodBound3607SecondTokenLastsAYearAndWarnsAfterItsRequestedLife() throws Exception {
        String uid = local.core().objects().store().get("pods", "default", "web").orElseThrow().at("/metadata/uid").asText();
        ObjectNode answer = requests.create("default", "sa", request("{'expirationSeconds':3607,'boundObjectRef':"
                + "{'apiVersion':'v1','kind':'Pod','name':'web','uid':'" + uid + "'}}"));

        JsonNode claims = claims(answer);
        long iat = claims.path("iat").asLong();
        assertThat(claims.path("exp").asLong() - iat).isEqualTo(365L * 24 * 3600);
        assertThat(claims.at("/kubernetes.io/warnafter").asLong() - iat).isEqualTo(3607);
        assertThat(claims.at("/kubernetes.io/pod/name").asText()).isEqualTo("web");
        assertThat(claims.at("/kubernetes.io/node/name").asText()).isEqualTo("node1");
        assertThat(Instant.parse(answer.at("/status/expirationTimestamp").asText()).getEpochSecond() - iat)
                .isEqualTo(3607);
    }

    @Test
    void requestsAreCheckedAsUpstream() {
        assertThatThrownBy(() -> requests.create("default", "sa", request("{'expirationSeconds':60}")))
                .isInstanceOf(ApiError.Invalid.class)
                .hasMessage("TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value:"
                        + " 60: may not specify a duration less than 10 minutes");
        assertThatThrownBy(() -> requests.create("default", "nobody", request("{}")))
                .isInstanceOf(ApiError.NotFound.class).hasMessage("serviceaccounts \"nobody\" not found");
        create("serviceaccounts", "{'apiVersion':'v1','kind':'ServiceAccount','metadata':{'name':'other'}}");
        assertThatThrownBy(() -> requests.create("default", "other", request("{'boundObjectRef':{'apiVersion':'v1',"
                + "'kind':'Pod','name':'web'}}")))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("cannot bind token for serviceaccount \"other\" to pod running with different serviceaccount name.");
        assertThatThrownBy(() -> requests.create("default", "sa", request("{'boundObjectRef':{'apiVersion':'v1',"
                + "'kind':'Pod','name':'web','uid':'wrong'}}")))
                .isInstanceOf(ApiError.Conflict.class)
                .hasMessage("Operation cannot be fulfilled on Pod \"web\": the UID in the bound object reference (wrong)"
                        + " does not match the UID in record. The object might have been deleted and then recreated");
        assertThatThrownBy(() -> requests.create("default", "sa", request("{'boundObjectRef':{'apiVersion':'v1',"
                + "'kind':'ConfigMap','name':'x'}}")))
                .hasMessage("cannot bind token to object of type /v1, Kind=ConfigMap");
        assertThatThrownBy(() -> requests.create("default", "sa", json("{'apiVersion':'authentication.k8s.io/v1',"
                + "'kind':'TokenRequest','metadata':{'name':'x'}}")))
                .hasMessage("TokenRequest.authentication.k8s.io \"sa\" is invalid: metadata.name: Invalid value: \"x\":"
                        + " must match the service account name if specified");
    }
}
