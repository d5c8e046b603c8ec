package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import dev.j8s.apiserver.testing.TlsApiServerExtension;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request bodies without {@code apiVersion} and {@code kind}, as the Python and JavaScript clients send objects
 * built without them: every resource and every verb that takes an object fills both from the URL, and a body that
 * contradicts the URL is refused with upstream's message.
 */
class BodiesWithoutTypeMetaIT {

    private static final String TOKEN = "typemeta-token-0123456789";

    private static final String SELECTED_TEMPLATE = "'selector':{'matchLabels':{'app':'tm'}},'template':{'metadata':"
            + "{'labels':{'app':'tm'}},'spec':{'containers':[{'name':'c','image':'busybox'}]}}";

    private static final String JOB_TEMPLATE = "'template':{'spec':{'restartPolicy':'Never',"
            + "'containers':[{'name':'c','image':'busybox'}]}}";

    /** A valid object of each served resource, without apiVersion and kind; every resource must have one. */
    private static final Map<String, String> BODIES = Map.ofEntries(
            Map.entry("namespaces", "{'metadata':{'name':'tm-ns'}}"),
            // another scheduler's pod: the built-in binder leaves it alone, so nothing else writes it meanwhile
            Map.entry("pods", "{'metadata':{'name':'tm'},'spec':{'schedulerName':'tester',"
                    + "'containers':[{'name':'c','image':'busybox'}]}}"),
            Map.entry("secrets", "{'metadata':{'name':'tm'},'stringData':{'k':'v'}}"),
            Map.entry("configmaps", "{'metadata':{'name':'tm'},'data':{'k':'v'}}"),
            Map.entry("serviceaccounts", "{'metadata':{'name':'tm'}}"),
            Map.entry("services", "{'metadata':{'name':'tm'},'spec':{'ports':[{'port':80}]}}"),
            Map.entry("endpoints", "{'metadata':{'name':'tm'}}"),
            Map.entry("events", "{'metadata':{'name':'tm'},'involvedObject':{'kind':'Pod','name':'tm','namespace':'default'},"
                    + "'reason':'Tested','message':'m','type':'Normal'}"),
            Map.entry("nodes", "{'metadata':{'name':'tm-node'}}"),
            Map.entry("resourcequotas", "{'metadata':{'name':'tm'},'spec':{'hard':{'pods':'10'}}}"),
            Map.entry("limitranges", "{'metadata':{'name':'tm'},'spec':{'limits':[{'type':'Container','max':{'cpu':'1'}}]}}"),
            Map.entry("events.events.k8s.io", "{'metadata':{'name':'tm-v1'},'eventTime':'2025-01-01T00:00:00.000000Z',"
                    + "'reportingController':'example.com/tester','reportingInstance':'i','action':'Test','reason':'Tested',"
                    + "'regarding':{'kind':'Pod','name':'tm','namespace':'default'},'type':'Normal'}"),
            Map.entry("endpointslices.discovery.k8s.io", "{'metadata':{'name':'tm'},'addressType':'IPv4',"
                    + "'endpoints':[]}"),
            Map.entry("leases.coordination.k8s.io", "{'metadata':{'name':'tm'},'spec':{'holderIdentity':'a'}}"),
            Map.entry("roles.rbac.authorization.k8s.io",
                    "{'metadata':{'name':'tm'},'rules':[{'apiGroups':[''],'resources':['pods'],'verbs':['get']}]}"),
            Map.entry("clusterroles.rbac.authorization.k8s.io",
                    "{'metadata':{'name':'tm'},'rules':[{'apiGroups':[''],'resources':['pods'],'verbs':['get']}]}"),
            Map.entry("rolebindings.rbac.authorization.k8s.io", "{'metadata':{'name':'tm'},"
                    + "'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'Role','name':'tm'},"
                    + "'subjects':[{'kind':'User','apiGroup':'rbac.authorization.k8s.io','name':'tm'}]}"),
            Map.entry("clusterrolebindings.rbac.authorization.k8s.io", "{'metadata':{'name':'tm'},"
                    + "'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'ClusterRole','name':'tm'},"
                    + "'subjects':[{'kind':'User','apiGroup':'rbac.authorization.k8s.io','name':'tm'}]}"),
            // the reviews are answered, not stored
            Map.entry("tokenreviews.authentication.k8s.io", "{'spec':{'token':'not-a-token'}}"),
            Map.entry("selfsubjectreviews.authentication.k8s.io", "{}"),
            Map.entry("subjectaccessreviews.authorization.k8s.io",
                    "{'spec':{'user':'tm','resourceAttributes':{'verb':'get','resource':'pods'}}}"),
            Map.entry("localsubjectaccessreviews.authorization.k8s.io",
                    "{'spec':{'user':'tm','resourceAttributes':{'namespace':'default','verb':'get','resource':'pods'}}}"),
            Map.entry("selfsubjectaccessreviews.authorization.k8s.io",
                    "{'spec':{'resourceAttributes':{'verb':'get','resource':'pods'}}}"),
            Map.entry("selfsubjectrulesreviews.authorization.k8s.io", "{'spec':{'namespace':'default'}}"),
            Map.entry("deployments.apps", "{'metadata':{'name':'tm'},'spec':{" + SELECTED_TEMPLATE + "}}"),
            Map.entry("replicasets.apps", "{'metadata':{'name':'tm'},'spec':{" + SELECTED_TEMPLATE + "}}"),
            Map.entry("daemonsets.apps", "{'metadata':{'name':'tm'},'spec':{" + SELECTED_TEMPLATE + "}}"),
            Map.entry("controllerrevisions.apps", "{'metadata':{'name':'tm'},'data':{},'revision':1}"),
            Map.entry("poddisruptionbudgets.policy", "{'metadata':{'name':'tm'},'spec':{'minAvailable':1,"
                    + "'selector':{'matchLabels':{'app':'tm'}}}}"),
            Map.entry("statefulsets.apps", "{'metadata':{'name':'tm'},'spec':{" + SELECTED_TEMPLATE + "}}"),
            Map.entry("persistentvolumeclaims", "{'metadata':{'name':'tm'},'spec':{'accessModes':['ReadWriteOnce'],"
                    + "'resources':{'requests':{'storage':'1Mi'}}}}"),
            Map.entry("persistentvolumes", "{'metadata':{'name':'tm'},'spec':{'accessModes':['ReadWriteOnce'],"
                    + "'capacity':{'storage':'1Mi'},'hostPath':{'path':'/tmp/tm'}}}"),
            Map.entry("storageclasses.storage.k8s.io", "{'metadata':{'name':'tm'},'provisioner':'example.com/tm'}"),
            Map.entry("jobs.batch", "{'metadata':{'name':'tm'},'spec':{" + JOB_TEMPLATE + "}}"),
            Map.entry("cronjobs.batch", "{'metadata':{'name':'tm'},'spec':{'schedule':'@daily','jobTemplate':{'spec':{"
                    + JOB_TEMPLATE + "}}}}"),
            Map.entry("certificatesigningrequests.certificates.k8s.io", "{'metadata':{'name':'tm'},'spec':{'request':'"
                    + java.util.Base64.getEncoder().encodeToString(dev.j8s.apiserver.testing.TestCertificates.requestPem(
                            dev.j8s.apiserver.testing.TestCertificates.newKey(), "CN=tm"))
                    + "','signerName':'example.com/tm','usages':['client auth']}}"));

    @RegisterExtension
    static final TlsApiServerExtension SERVER = new TlsApiServerExtension(TOKEN);


    static Stream<ResourceType> creatable() {
        return Resources.builtin().all().stream().filter(t -> t.hasVerb("create"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("creatable")
    void createAndUpdateFillApiVersionAndKindFromTheUrl(ResourceType type) throws Exception {
        String body = BODIES.get(type.qualifiedResource());
        assertThat(body).as("a body for %s in BODIES", type.qualifiedResource()).isNotNull();
        String collection = collection(type);

        HttpResponse<String> created = call("POST", collection, "application/json", body.replace('\'', '"'));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode object = Json.MAPPER.readTree(created.body());
        assertThat(object.get("apiVersion").asText()).isEqualTo(type.apiVersion());
        assertThat(object.get("kind").asText()).isEqualTo(type.kind());
        if (!type.hasVerb("get")) {
            return;
        }
        String item = collection + "/" + object.at("/metadata/name").asText();
        JsonNode stored = Json.MAPPER.readTree(call("GET", item, null, null).body());
        assertThat(stored.get("kind").asText()).isEqualTo(type.kind());

        if (type.hasVerb("update")) {
            ObjectNode changed = withoutTypeMeta(stored);
            ((ObjectNode) changed.path("metadata")).putObject("labels").put("updated", "yes");
            HttpResponse<String> updated = call("PUT", item, "application/json", changed.toString());
            assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(updated.body()).get("kind").asText()).isEqualTo(type.kind());
            assertThat(Json.MAPPER.readTree(call("GET", item, null, null).body()).at("/metadata/labels/updated").asText())
                    .isEqualTo("yes");
        }
    }

    @Test
    void statusAndBindingBodiesWithoutKindAreTheirSubresourcesKinds() throws Exception {
        String pods = "/api/v1/namespaces/default/pods";
        call("POST", pods, "application/json",
                "{\"metadata\":{\"name\":\"bound\"},\"spec\":{\"schedulerName\":\"tester\","
                        + "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
        ObjectNode pod = withoutTypeMeta(Json.MAPPER.readTree(call("GET", pods + "/bound", null, null).body()));
        ((ObjectNode) pod.path("status")).put("message", "set through status");

        HttpResponse<String> status = call("PUT", pods + "/bound/status", "application/json", pod.toString());
        HttpResponse<String> misnamed = call("POST", pods + "/bound/binding", "application/json",
                "{\"metadata\":{\"name\":\"other\"},\"target\":{\"kind\":\"Node\",\"name\":\"node1\"}}");
        HttpResponse<String> wrongKind = call("POST", pods + "/bound/binding", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"bound\"},\"target\":{\"name\":\"node1\"}}");
        HttpResponse<String> binding = call("POST", pods + "/bound/binding", "application/json",
                "{\"metadata\":{\"name\":\"bound\"},\"target\":{\"kind\":\"Node\",\"name\":\"node1\"}}");

        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(status.body()).at("/status/message").asText()).isEqualTo("set through status");
        assertThat(misnamed.statusCode()).isEqualTo(400);
        assertThat(message(misnamed)).isEqualTo("name in URL does not match name in Binding object");
        assertThat(wrongKind.statusCode()).isEqualTo(400);
        assertThat(message(wrongKind)).isEqualTo("Pod in version \"v1\" cannot be handled as a Binding: converting "
                + "(v1.Pod) to (core.Binding): unknown conversion");
        assertThat(binding.statusCode()).as(binding.body()).isEqualTo(201);
        assertThat(Json.MAPPER.readTree(call("GET", pods + "/bound", null, null).body()).at("/spec/nodeName").asText())
                .isEqualTo("node1");
    }

    @Test
    void aTokenRequestWithoutKindIsOneAndAnotherKindIsRefused() throws Exception {
        String sa = "/api/v1/namespaces/default/serviceaccounts";
        call("POST", sa, "application/json", "{\"metadata\":{\"name\":\"tokened\"}}");

        HttpResponse<String> token = call("POST", sa + "/tokened/token", "application/json", "{\"spec\":{}}");
        HttpResponse<String> wrongKind = call("POST", sa + "/tokened/token", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"spec\":{}}");

        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
        assertThat(Json.MAPPER.readTree(token.body()).get("kind").asText()).isEqualTo("TokenRequest");
        assertThat(Json.MAPPER.readTree(token.body()).at("/status/token").asText()).isNotEmpty();
        assertThat(wrongKind.statusCode()).isEqualTo(400);
        assertThat(message(wrongKind)).isEqualTo("Secret in version \"v1\" cannot be handled as a TokenRequest: "
                + "converting (v1.Secret) to (authentication.TokenRequest): unknown conversion");
    }

    @Test
    void scaleAndEvictionBodiesWithoutKindAreTheirSubresourcesKinds() throws Exception {
        String deployments = "/apis/apps/v1/namespaces/default/deployments";
        call("POST", deployments, "application/json", "{\"metadata\":{\"name\":\"scaled\"},\"spec\":{"
                + SELECTED_TEMPLATE.replace('\'', '"') + "}}");
        String pods = "/api/v1/namespaces/default/pods";
        call("POST", pods, "application/json", "{\"metadata\":{\"name\":\"evicted\"},\"spec\":{"
                + "\"schedulerName\":\"tester\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");

        HttpResponse<String> scale = call("PUT", deployments + "/scaled/scale", "application/json",
                "{\"metadata\":{\"name\":\"scaled\"},\"spec\":{\"replicas\":3}}");
        HttpResponse<String> wrongKind = call("PUT", deployments + "/scaled/scale", "application/json",
                "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"scaled\"}}");
        HttpResponse<String> eviction = call("POST", pods + "/evicted/eviction", "application/json",
                "{\"metadata\":{\"name\":\"evicted\"}}");

        assertThat(scale.statusCode()).as(scale.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(scale.body()).get("kind").asText()).isEqualTo("Scale");
        assertThat(Json.MAPPER.readTree(call("GET", deployments + "/scaled", null, null).body()).at("/spec/replicas")
                .asInt()).isEqualTo(3);
        assertThat(wrongKind.statusCode()).isEqualTo(400);
        assertThat(message(wrongKind)).isEqualTo("Deployment in version \"v1\" cannot be handled as a Scale: converting "
                + "(v1.Deployment) to (autoscaling.Scale): unknown conversion");
        assertThat(eviction.statusCode()).as(eviction.body()).isEqualTo(201);
        assertThat(call("GET", pods + "/evicted", null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void patchesKeepTheKindAndRefuseAnotherOne() throws Exception {
        String cm = "/api/v1/namespaces/default/configmaps/patched";
        call("POST", "/api/v1/namespaces/default/configmaps", "application/json", "{\"metadata\":{\"name\":\"patched\"}}");

        HttpResponse<String> removed = call("PATCH", cm, "application/merge-patch+json", "{\"kind\":null,\"apiVersion\":null}");
        HttpResponse<String> otherKind = call("PATCH", cm, "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/kind\",\"value\":\"Secret\"}]");
        HttpResponse<String> applyWithoutKind = call("PATCH", cm + "?fieldManager=tester", "application/apply-patch+yaml",
                "apiVersion: v1\nmetadata:\n  name: patched\ndata:\n  k: v\n");

        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
        JsonNode stored = Json.MAPPER.readTree(call("GET", cm, null, null).body());
        assertThat(stored.get("apiVersion").asText()).isEqualTo("v1");
        assertThat(stored.get("kind").asText()).isEqualTo("ConfigMap");
        assertThat(otherKind.statusCode()).isEqualTo(422);
        assertThat(message(otherKind)).startsWith(" \"\" is invalid: patch: Invalid value: \"{")
                .endsWith("\": converting (v1.Secret) to (core.ConfigMap): unknown conversion");
        assertThat(applyWithoutKind.statusCode()).isEqualTo(400);
        assertThat(message(applyWithoutKind)).isEqualTo("invalid object type: /v1, Kind=");
    }

    @Test
    void aYamlBodyWithoutKindIsFilledToo() throws Exception {
        HttpResponse<String> created = call("POST", "/api/v1/namespaces/default/configmaps", "application/yaml",
                "metadata:\n  name: from-yaml\ndata:\n  k: v\n");

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(Json.MAPPER.readTree(created.body()).get("kind").asText()).isEqualTo("ConfigMap");
    }

    @Test
    void aBodyOfAnotherKindIsRefusedWithUpstreamsMessageAndNothingIsStored() throws Exception {
        HttpResponse<String> refused = call("POST", "/api/v1/namespaces/default/pods", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"not-a-pod\"}}");
        HttpResponse<String> lowercase = call("POST", "/api/v1/namespaces/default/pods", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"pod\",\"metadata\":{\"name\":\"not-a-pod\"}}");

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(message(refused)).isEqualTo("Service in version \"v1\" cannot be handled as a Pod: converting "
                + "(v1.Service) to (core.Pod): unknown conversion");
        assertThat(message(lowercase)).isEqualTo("pod in version \"v1\" cannot be handled as a Pod: no kind \"pod\" is "
                + "registered for version \"v1\" in scheme \"pkg/api/legacyscheme/scheme.go:30\"");
        assertThat(call("GET", "/api/v1/namespaces/default/pods/not-a-pod", null, null).statusCode()).isEqualTo(404);
    }

    private static String collection(ResourceType type) {
        String prefix = type.group().isEmpty() ? "/api/v1" : "/apis/" + type.apiVersion();
        return prefix + (type.namespaced() ? "/namespaces/default/" : "/") + type.plural();
    }

    private static ObjectNode withoutTypeMeta(JsonNode object) {
        ObjectNode copy = (ObjectNode) object.deepCopy();
        copy.remove("apiVersion");
        copy.remove("kind");
        return copy;
    }

    private static String message(HttpResponse<String> response) throws Exception {
        return Json.MAPPER.readTree(response.body()).get("message").asText();
    }

    private static HttpResponse<String> call(String method, String path, String contentType, String body) throws Exception {
        return SERVER.api().call(method, path, contentType, body);
    }
}
