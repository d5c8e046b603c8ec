package dev.j8s.apiserver.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FieldSelectorTest {

    static final Resources RESOURCES = Resources.builtin();

    static ResourceType type(String group, String plural) {
        return RESOURCES.all().stream().filter(t -> t.group().equals(group) && t.plural().equals(plural))
                .findFirst().orElseThrow();
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static final JsonNode POD = json("""
            {'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','namespace':'default'},
             'spec':{'nodeName':'node1','restartPolicy':'Always','schedulerName':'default-scheduler',
              'serviceAccountName':'default','containers':[]},
             'status':{'phase':'Running','podIP':'10.88.0.5','podIPs':[{'ip':'10.88.0.5'},{'ip':'fd00::5'}]}}""");

    static boolean pod(String selector) {
        return FieldSelector.parse(selector, type("", "pods")).matches(POD);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "''                                                            | true",
            "metadata.name=web                                             | true",
            "metadata.name==web                                            | true",
            "metadata.name!=web                                            | false",
            "metadata.namespace=default                                    | true",
            "'spec.nodeName=node1,status.phase!=Succeeded,status.phase!=Failed' | true",
            "spec.nodeName=                                                | false",
            "spec.host=node1                                               | true",
            "spec.restartPolicy=Always                                     | true",
            "spec.schedulerName=default-scheduler                          | true",
            "spec.serviceAccountName=default                               | true",
            "spec.hostNetwork=false                                        | true",
            "spec.hostNetwork=true                                         | false",
            "status.podIP=10.88.0.5                                        | true",
            "status.podIPs=10.88.0.5                                       | false",
            "status.podIPs=                                                | true",
            "status.nominatedNodeName=                                     | true",
    })
    void podFieldsAreComputedAsUpstream(String selector, boolean expected) {
        assertThat(pod(selector)).isEqualTo(expected);
    }

    @Test
    void hostNetworkPodIsSelectable() {
        JsonNode hostPod = json("{'metadata':{'name':'h'},'spec':{'hostNetwork':true},'status':{'podIP':'192.168.1.10'}}");
        FieldSelector s = FieldSelector.parse("spec.hostNetwork=true,status.podIP=192.168.1.10", type("", "pods"));
        assertThat(s.matches(hostPod)).isTrue();
    }

    @Test
    void unsupportedKeysAreRejected() {
        assertThatThrownBy(() -> FieldSelector.parse("spec.containers=x", type("", "pods")))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("field label not supported: spec.containers");
        assertThatThrownBy(() -> FieldSelector.parse("metadata.namespace=x", type("", "nodes")))
                .hasMessage("field label not supported: metadata.namespace");
        assertThatThrownBy(() -> FieldSelector.parse("type=Opaque", type("", "configmaps")))
                .hasMessage("field label not supported: type");
        assertThatThrownBy(() -> FieldSelector.parse("metadata.name=a,spec.host=b", type("", "services")))
                .hasMessage("field label not supported: spec.host");
    }

    @Test
    void syntaxErrorsAreBadRequests() {
        assertThatThrownBy(() -> FieldSelector.parse("metadata.name", type("", "pods")))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("invalid selector: 'metadata.name'; can't understand 'metadata.name'");
        assertThatThrownBy(() -> FieldSelector.parse("metadata.name=a=b", type("", "pods")))
                .hasMessage("invalid field selector: unescaped character in value: 61");
        assertThatThrownBy(() -> FieldSelector.parse("metadata.name=a\\x", type("", "pods")))
                .hasMessage("invalid field selector: invalid escape sequence: \\x");
        assertThatThrownBy(() -> FieldSelector.parse("metadata.name=a\\", type("", "pods")))
                .hasMessage("invalid field selector: invalid escape sequence: \\");
    }

    @Test
    void escapedValuesAreUnescaped() {
        JsonNode cm = json("{'metadata':{'name':'a,b=c\\\\d'}}");
        FieldSelector s = FieldSelector.parse("metadata.name=a\\,b\\=c\\\\d", type("", "configmaps"));
        assertThat(s.terms()).hasSize(1);
        assertThat(s.requiredName()).contains("a,b=c\\d");
        assertThat(s.matches(cm)).isTrue();
    }

    @Test
    void describePodEventQueryMatchesOnlyThatPodsEvents() {
        JsonNode event = json("""
                {'apiVersion':'v1','kind':'Event','metadata':{'name':'web.1','namespace':'default'},
                 'involvedObject':{'kind':'Pod','namespace':'default','name':'web','uid':'u-1','apiVersion':'v1',
                  'fieldPath':'spec.containers{main}'},
                 'reason':'Pulled','type':'Normal','source':{'component':'kubelet','host':'node1'}}""");
        ResourceType events = type("", "events");
        assertThat(FieldSelector.parse("involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=u-1",
                events).matches(event)).isTrue();
        assertThat(FieldSelector.parse("involvedObject.uid=u-2,involvedObject.name=web", events).matches(event)).isFalse();
        assertThat(FieldSelector.parse("involvedObject.kind=Pod,involvedObject.fieldPath=spec.containers{main}", events)
                .matches(event)).isTrue();
        assertThat(FieldSelector.parse("reason=Pulled,type=Normal,source=kubelet,involvedObject.apiVersion=v1", events)
                .matches(event)).isTrue();
        assertThat(FieldSelector.parse("involvedObject.resourceVersion=", events).matches(event)).isTrue();
    }

    @Test
    void eventSourceFallsBackToReportingController() {
        JsonNode event = json("{'apiVersion':'v1','kind':'Event','metadata':{'name':'e'},'source':{},"
                + "'reportingComponent':'j8s-scheduler','involvedObject':{'kind':'Node','name':'node1'}}");
        ResourceType events = type("", "events");
        assertThat(FieldSelector.parse("source=j8s-scheduler", events).matches(event)).isTrue();
        assertThat(FieldSelector.parse("reportingComponent=j8s-scheduler", events).matches(event)).isTrue();
        assertThat(FieldSelector.parse("involvedObject.namespace=", events).matches(event)).isTrue();
    }

    @Test
    void eventsK8sIoLabelsWorkOnBothEventShapes() {
        ResourceType v1 = type("events.k8s.io", "events");
        FieldSelector s = FieldSelector.parse(
                "regarding.name=web,regarding.kind=Pod,reportingController=kubelet,deprecatedSource.component=kubelet", v1);
        JsonNode newShape = json("{'apiVersion':'events.k8s.io/v1','kind':'Event','metadata':{'name':'e'},"
                + "'regarding':{'kind':'Pod','name':'web'},'reportingController':'kubelet'}");
        JsonNode coreShape = json("{'apiVersion':'v1','kind':'Event','metadata':{'name':'e'},"
                + "'involvedObject':{'kind':'Pod','name':'web'},'reportingComponent':'kubelet','source':{'component':'kubelet'}}");
        assertThat(s.matches(newShape)).isTrue();
        assertThat(s.matches(coreShape)).isTrue();
        assertThatThrownBy(() -> FieldSelector.parse("involvedObject.name=web", v1))
                .hasMessage("field label not supported: involvedObject.name");
    }

    @Test
    void namespaceSecretAndNodeFields() {
        JsonNode ns = json("{'metadata':{'name':'team'},'status':{'phase':'Active'}}");
        assertThat(FieldSelector.parse("status.phase=Active,name=team", type("", "namespaces")).matches(ns)).isTrue();
        assertThat(FieldSelector.parse("name=other", type("", "namespaces")).matches(ns)).isFalse();

        JsonNode secret = json("{'metadata':{'name':'regcred'},'type':'kubernetes.io/dockerconfigjson'}");
        assertThat(FieldSelector.parse("type=kubernetes.io/dockerconfigjson", type("", "secrets")).matches(secret)).isTrue();
        assertThat(FieldSelector.parse("type!=Opaque", type("", "secrets")).matches(secret)).isTrue();

        JsonNode node = json("{'metadata':{'name':'node1'},'spec':{}}");
        assertThat(FieldSelector.parse("spec.unschedulable=false", type("", "nodes")).matches(node)).isTrue();
        JsonNode cordoned = json("{'metadata':{'name':'node1'},'spec':{'unschedulable':true}}");
        assertThat(FieldSelector.parse("spec.unschedulable=true", type("", "nodes")).matches(cordoned)).isTrue();
    }

    @Test
    void requiredNameIsOnlyAPositiveNameTerm() {
        assertThat(FieldSelector.parse("metadata.name=web", type("", "pods")).requiredName()).contains("web");
        assertThat(FieldSelector.parse("metadata.name!=web", type("", "pods")).requiredName()).isEmpty();
        assertThat(FieldSelector.parse("spec.nodeName=n", type("", "pods")).requiredName()).isEmpty();
        assertThat(FieldSelector.everything().requiredName()).isEmpty();
        assertThat(FieldSelector.everything().matches(POD)).isTrue();
    }
}
