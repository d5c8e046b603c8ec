package dev.j8s.apiserver.patch;

import static dev.j8s.apiserver.patch.PatchFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class StrategicMergePatchTest {

    record Case(String name, ResourceType resource, String current, String patch, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("maps merge and null deletes", CONFIG_MAPS,
                        "{'metadata':{'name':'c','labels':{'a':'1','b':'2'}},'data':{'k':'v'}}",
                        "{'metadata':{'labels':{'a':null,'c':'3'}},'data':{'k2':'v2'}}",
                        "{'metadata':{'name':'c','labels':{'b':'2','c':'3'}},'data':{'k':'v','k2':'v2'}}"),
                new Case("containers merge by name and keep the others", PODS,
                        "{'spec':{'containers':[{'name':'a','image':'x:1'},{'name':'b','image':'y:1'}]}}",
                        "{'spec':{'containers':[{'name':'b','image':'y:2'}]}}",
                        "{'spec':{'containers':[{'name':'a','image':'x:1'},{'name':'b','image':'y:2'}]}}"),
                new Case("a new container goes first, as upstream without $setElementOrder", PODS,
                        "{'spec':{'containers':[{'name':'a','image':'x:1'}]}}",
                        "{'spec':{'containers':[{'name':'c','image':'z:1'}]}}",
                        "{'spec':{'containers':[{'name':'c','image':'z:1'},{'name':'a','image':'x:1'}]}}"),
                new Case("env merges by name inside a container", PODS,
                        "{'spec':{'containers':[{'name':'a','env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}]}]}}",
                        "{'spec':{'containers':[{'name':'a','env':[{'name':'Y','value':'3'},{'name':'Z','value':'4'}]}]}}",
                        "{'spec':{'containers':[{'name':'a','env':[{'name':'X','value':'1'},{'name':'Y','value':'3'},{'name':'Z','value':'4'}]}]}}"),
                new Case("container ports merge by containerPort", PODS,
                        "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'protocol':'TCP'}]}]}}",
                        "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http'},{'containerPort':443}]}]}}",
                        "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'protocol':'TCP','name':'http'},{'containerPort':443}]}]}}"),
                new Case("volumeMounts merge by mountPath", PODS,
                        "{'spec':{'containers':[{'name':'a','volumeMounts':[{'name':'d','mountPath':'/d'}]}]}}",
                        "{'spec':{'containers':[{'name':'a','volumeMounts':[{'mountPath':'/d','readOnly':true}]}]}}",
                        "{'spec':{'containers':[{'name':'a','volumeMounts':[{'name':'d','mountPath':'/d','readOnly':true}]}]}}"),
                new Case("initContainers merge by name", PODS,
                        "{'spec':{'initContainers':[{'name':'i','image':'x:1'}]}}",
                        "{'spec':{'initContainers':[{'name':'i','image':'x:2'}]}}",
                        "{'spec':{'initContainers':[{'name':'i','image':'x:2'}]}}"),
                new Case("pod imagePullSecrets merge by name", PODS,
                        "{'spec':{'imagePullSecrets':[{'name':'a'}]}}",
                        "{'spec':{'imagePullSecrets':[{'name':'b'}]}}",
                        "{'spec':{'imagePullSecrets':[{'name':'b'},{'name':'a'}]}}"),
                new Case("lists without a strategy are replaced", PODS,
                        "{'spec':{'tolerations':[{'key':'a'}],'containers':[{'name':'a','args':['1','2']}]}}",
                        "{'spec':{'tolerations':[{'key':'b'}],'containers':[{'name':'a','args':['3']}]}}",
                        "{'spec':{'tolerations':[{'key':'b'}],'containers':[{'name':'a','args':['3']}]}}"),
                new Case("pod conditions merge by type", PODS,
                        "{'status':{'conditions':[{'type':'Ready','status':'False'},{'type':'Initialized','status':'True'}]}}",
                        "{'status':{'conditions':[{'type':'Ready','status':'True'}]}}",
                        "{'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'Initialized','status':'True'}]}}"),
                new Case("pod containerStatuses are replaced", PODS,
                        "{'status':{'containerStatuses':[{'name':'a','ready':true},{'name':'b','ready':true}]}}",
                        "{'status':{'containerStatuses':[{'name':'b','ready':false}]}}",
                        "{'status':{'containerStatuses':[{'name':'b','ready':false}]}}"),
                new Case("node conditions and addresses merge by type", NODES,
                        "{'status':{'conditions':[{'type':'Ready','status':'False'}],'addresses':[{'type':'InternalIP','address':'10.0.0.1'},{'type':'Hostname','address':'n'}]}}",
                        "{'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'MemoryPressure','status':'False'}],'addresses':[{'type':'InternalIP','address':'10.0.0.2'}]}}",
                        "{'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'MemoryPressure','status':'False'}],'addresses':[{'type':'InternalIP','address':'10.0.0.2'},{'type':'Hostname','address':'n'}]}}"),
                new Case("service ports merge by port", SERVICES,
                        "{'spec':{'ports':[{'port':80,'targetPort':8080},{'port':443}]}}",
                        "{'spec':{'ports':[{'port':80,'targetPort':9090}]}}",
                        "{'spec':{'ports':[{'port':80,'targetPort':9090},{'port':443}]}}"),
                new Case("service account secrets merge by name", SERVICE_ACCOUNTS,
                        "{'secrets':[{'name':'a'}]}",
                        "{'secrets':[{'name':'b'}]}",
                        "{'secrets':[{'name':'b'},{'name':'a'}]}"),
                new Case("service account imagePullSecrets are replaced whole", SERVICE_ACCOUNTS,
                        "{'imagePullSecrets':[{'name':'a'}]}",
                        "{'imagePullSecrets':[{'name':'x'}]}",
                        "{'imagePullSecrets':[{'name':'x'}]}"),
                new Case("ownerReferences merge by uid", CONFIG_MAPS,
                        "{'metadata':{'ownerReferences':[{'uid':'1','name':'a'}]}}",
                        "{'metadata':{'ownerReferences':[{'uid':'1','controller':true},{'uid':'2','name':'b'}]}}",
                        "{'metadata':{'ownerReferences':[{'uid':'1','name':'a','controller':true},{'uid':'2','name':'b'}]}}"),
                new Case("finalizers merge as a set of primitives", CONFIG_MAPS,
                        "{'metadata':{'finalizers':['a','b']}}",
                        "{'metadata':{'finalizers':['b','c']}}",
                        "{'metadata':{'finalizers':['a','b','c']}}"),
                new Case("$patch delete removes a list element by merge key", PODS,
                        "{'spec':{'containers':[{'name':'a','env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}]}]}}",
                        "{'spec':{'containers':[{'name':'a','env':[{'$patch':'delete','name':'Y'}]}]}}",
                        "{'spec':{'containers':[{'name':'a','env':[{'name':'X','value':'1'}]}]}}"),
                new Case("$patch replace on a list replaces it", PODS,
                        "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
                        "{'spec':{'containers':[{'name':'c'},{'$patch':'replace'}]}}",
                        "{'spec':{'containers':[{'name':'c'}]}}"),
                new Case("$patch replace on a map replaces it", CONFIG_MAPS,
                        "{'data':{'a':'1','b':'2'}}",
                        "{'data':{'$patch':'replace','c':'3'}}",
                        "{'data':{'c':'3'}}"),
                new Case("$patch delete on a map deletes it", CONFIG_MAPS,
                        "{'data':{'a':'1'},'metadata':{'name':'c'}}",
                        "{'data':{'$patch':'delete'}}",
                        "{'metadata':{'name':'c'}}"),
                new Case("$patch merge on a map is the default merge", CONFIG_MAPS,
                        "{'data':{'a':'1'}}",
                        "{'data':{'$patch':'merge','b':'2'}}",
                        "{'data':{'a':'1','b':'2'}}"),
                new Case("$deleteFromPrimitiveList removes values", CONFIG_MAPS,
                        "{'metadata':{'finalizers':['a','b','c']}}",
                        "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b','x']}}",
                        "{'metadata':{'finalizers':['a','c']}}"),
                new Case("$setElementOrder orders a merged list", PODS,
                        "{'spec':{'containers':[{'name':'a','image':'1'},{'name':'b','image':'1'}]}}",
                        "{'spec':{'$setElementOrder/containers':[{'name':'b'},{'name':'a'}],'containers':[{'name':'a','image':'2'}]}}",
                        "{'spec':{'containers':[{'name':'b','image':'1'},{'name':'a','image':'2'}]}}"),
                new Case("$setElementOrder alone orders the named items, others keep their place", PODS,
                        "{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}",
                        "{'spec':{'$setElementOrder/containers':[{'name':'c'},{'name':'a'}]}}",
                        "{'spec':{'containers':[{'name':'b'},{'name':'c'},{'name':'a'}]}}"),
                new Case("$setElementOrder on primitives", CONFIG_MAPS,
                        "{'metadata':{'finalizers':['a','b']}}",
                        "{'metadata':{'$setElementOrder/finalizers':['c','b','a'],'finalizers':['c']}}",
                        "{'metadata':{'finalizers':['c','b','a']}}"),
                new Case("$retainKeys drops the keys not listed", PODS,
                        "{'spec':{'volumes':[{'name':'v','emptyDir':{}}]}}",
                        "{'spec':{'volumes':[{'$retainKeys':['name','hostPath'],'name':'v','hostPath':{'path':'/x'}}]}}",
                        "{'spec':{'volumes':[{'name':'v','hostPath':{'path':'/x'}}]}}"),
                new Case("directives in a value the object lacks are not stored", PODS,
                        "{'spec':{}}",
                        "{'spec':{'$setElementOrder/containers':[{'name':'a'}],'containers':[{'name':'a','$setElementOrder/env':[{'name':'X'}],'env':[{'name':'X','value':'1'},{'$patch':'delete','name':'Y'}],'labels':null}]}}",
                        "{'spec':{'containers':[{'name':'a','env':[{'name':'X','value':'1'}]}]}}"),
                new Case("a type change replaces the value", CONFIG_MAPS,
                        "{'data':{'a':'1'}}",
                        "{'data':['x']}",
                        "{'data':['x']}"),
                new Case("merge-key lists compare numbers by value", SERVICES,
                        "{'spec':{'ports':[{'port':80,'name':'a'}]}}",
                        "{'spec':{'ports':[{'port':80.0,'name':'b'}]}}",
                        "{'spec':{'ports':[{'port':80.0,'name':'b'}]}}"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void strategicMergeGivesTheUpstreamResult(Case c) {
        ObjectNode current = json(c.current());
        ObjectNode before = current.deepCopy();

        ObjectNode result = Patches.apply(PatchType.STRATEGIC_MERGE_PATCH, current, body(c.patch()), c.resource());

        assertThat(result).isEqualTo(json(c.expected()));
        assertThat(current).as("current is never mutated").isEqualTo(before);
    }

    @Test
    void theRecordedClientSideApplyBodyChangesImagesAndDeletesAnEnvVar() {
        ObjectNode current = json("""
                {'apiVersion':'v1','kind':'Pod',
                 'metadata':{'name':'p','namespace':'default','resourceVersion':'9',
                   'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'old','note':'one','other':'one'}},
                 'spec':{'containers':[
                   {'name':'a','image':'busybox:1.36','env':[{'name':'X','value':'x'},{'name':'Y','value':'y'}]},
                   {'name':'b','image':'busybox:1.36'}]}}
                """);
        String recorded = """
                {'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'new','note':null,'other':'two'}},
                 'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'b'}],
                   'containers':[{'$setElementOrder/env':[{'name':'X'}],'env':[{'$patch':'delete','name':'Y'}],'image':'busybox:1.37','name':'a'},
                                 {'image':'busybox:1.37','name':'b'}]}}
                """;

        ObjectNode result = Patches.apply(PatchType.STRATEGIC_MERGE_PATCH, current, body(recorded), PODS);

        assertThat(result).isEqualTo(json("""
                {'apiVersion':'v1','kind':'Pod',
                 'metadata':{'name':'p','namespace':'default','resourceVersion':'9',
                   'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'new','other':'two'}},
                 'spec':{'containers':[
                   {'name':'a','image':'busybox:1.37','env':[{'name':'X','value':'x'}]},
                   {'name':'b','image':'busybox:1.37'}]}}
                """));
        assertThat(result.toString()).doesNotContain("$");
    }

    @Test
    void kubectlPatchOfServiceAccountImagePullSecretsReplacesTheList() {
        ObjectNode result = Patches.apply(PatchType.STRATEGIC_MERGE_PATCH, serviceAccount(),
                body("{'imagePullSecrets':[{'name':'x'}]}"), SERVICE_ACCOUNTS);

        assertThat(result.get("imagePullSecrets")).isEqualTo(json("{'l':[{'name':'x'}]}").get("l"));
        assertThat(result.get("secrets")).isEqualTo(json("{'l':[{'name':'tok'}]}").get("l"));
    }

    @Test
    void hugeMergedListsAreMergedInLinearTime() {
        int n = 60_000;
        ObjectNode current = json("{'spec':{'containers':[{'name':'a'}]}}");
        var env = ((ObjectNode) current.at("/spec/containers/0")).putArray("env");
        StringBuilder patch = new StringBuilder("{\"spec\":{\"containers\":[{\"name\":\"a\",\"env\":[");
        for (int i = 0; i < n; i++) {
            env.addObject().put("name", "V" + i).put("value", "old");
            patch.append(i == 0 ? "" : ",").append(i % 2 == 0
                    ? "{\"name\":\"V" + i + "\",\"value\":\"new\"}"
                    : "{\"$patch\":\"delete\",\"name\":\"V" + i + "\"}");
        }
        byte[] body = patch.append("]}]}}").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long start = System.nanoTime();

        ObjectNode result = Patches.apply(PatchType.STRATEGIC_MERGE_PATCH, current, body, PODS);

        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(5));
        assertThat(result.at("/spec/containers/0/env")).hasSize(n / 2);
        assertThat(result.at("/spec/containers/0/env/1")).isEqualTo(json("{'name':'V2','value':'new'}"));
    }

    @Test
    void strategicMergeOfAnUnknownKindIsAnUnsupportedMediaType() {
        assertThatThrownBy(() -> Patches.apply(PatchType.STRATEGIC_MERGE_PATCH, json("{'spec':{}}"),
                body("{'spec':{'a':1}}"), WIDGETS))
                .isInstanceOfSatisfying(ApiError.UnsupportedMediaType.class, e -> assertThat(e.code()).isEqualTo(415))
                .hasMessage("the body of the request was in an unknown format - accepted media types include: "
                        + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
    }

    record Bad(String name, String patch, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Bad> malformed() {
        return Stream.of(
                new Bad("not JSON", "{'spec':", "error decoding patch: "),
                new Bad("an array body", "[1]", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
                new Bad("unknown $patch value", "{'spec':{'$patch':'explode'}}", "unknown patch type: \"explode\" in map at spec"),
                new Bad("delete without merge key", "{'spec':{'containers':[{'$patch':'delete','image':'x'}]}}",
                        "map: {\"$patch\":\"delete\",\"image\":\"x\"} does not contain declared merge key: name"),
                new Bad("element without merge key", "{'spec':{'containers':[{'image':'x'}]}}",
                        "map: {\"image\":\"x\"} does not contain declared merge key: name"),
                new Bad("retainKeys not a list", "{'spec':{'$retainKeys':'x'}}", "invalid patch format of retainKeys"),
                new Bad("retainKeys missing a patched key", "{'spec':{'$retainKeys':['a'],'b':1}}", "invalid patch format of retainKeys"),
                new Bad("setElementOrder not a list", "{'spec':{'$setElementOrder/containers':{}}}",
                        "invalid patch format of setElementOrder list"),
                new Bad("deleteFromPrimitiveList with maps", "{'metadata':{'$deleteFromPrimitiveList/finalizers':[{}]}}",
                        "invalid patch format of primitive list"),
                new Bad("mixed list", "{'metadata':{'finalizers':[{'a':1}]}}", "mixed maps and values in the list at metadata.finalizers"),
                new Bad("whole object deleted", "{'$patch':'delete'}", "$patch: delete cannot be applied to the whole object"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedPatchesAreBadRequests(Bad c) {
        assertThatThrownBy(() -> Patches.apply(PatchType.STRATEGIC_MERGE_PATCH, pod(), body(c.patch()), PODS))
                .isInstanceOfSatisfying(ApiError.BadRequest.class, e -> assertThat(e.code()).isEqualTo(400))
                .message().startsWith(c.message());
    }

    @Test
    void aStaleResourceVersionInTheBodyIsAConflict() {
        assertThatThrownBy(() -> Patches.apply(PatchType.STRATEGIC_MERGE_PATCH, pod(),
                body("{'metadata':{'resourceVersion':'6','labels':{'x':'y'}}}"), PODS))
                .isInstanceOfSatisfying(ApiError.Conflict.class, e -> assertThat(e.code()).isEqualTo(409))
                .hasMessage("Operation cannot be fulfilled on pods \"web\": the object has been modified; "
                        + "please apply your changes to the latest version and try again");
    }

    @Test
    void theCurrentResourceVersionInTheBodyIsAccepted() {
        ObjectNode result = Patches.apply(PatchType.STRATEGIC_MERGE_PATCH, pod(),
                body("{'metadata':{'resourceVersion':'7','labels':{'x':'y'}}}"), PODS);

        assertThat(result.at("/metadata/labels/x").asText()).isEqualTo("y");
    }
}
