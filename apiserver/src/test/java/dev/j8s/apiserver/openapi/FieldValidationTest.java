package dev.j8s.apiserver.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.openapi.FieldValidation.StrictError;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldValidationTest {

    private static final ResourceType PODS = Resources.builtin().find("", "v1", "pods").orElseThrow();

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text.replace('\'', '"'));
    }

    private static byte[] bytes(String text) {
        return text.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aValidPodHasNoUnknownFields() throws Exception {
        JsonNode pod = json("""
                {'apiVersion':'v1','kind':'Pod',
                 'metadata':{'name':'web','labels':{'app':'web','anything.io/x':'y'},
                             'annotations':{'a':'b'},'ownerReferences':[{'apiVersion':'v1','kind':'X','name':'n','uid':'u'}],
                             'managedFields':[{'manager':'m','fieldsV1':{'f:metadata':{'f:labels':{}}}}]},
                 'spec':{'containers':[{'name':'c','image':'busybox','command':['sh'],
                          'ports':[{'containerPort':80,'protocol':'TCP'}],
                          'env':[{'name':'A','valueFrom':{'fieldRef':{'fieldPath':'metadata.name'}}}],
                          'resources':{'limits':{'cpu':'100m','memory':'64Mi'},'requests':{'cpu':1}},
                          'livenessProbe':{'httpGet':{'port':'http','path':'/'},'periodSeconds':3}}],
                         'volumes':[{'name':'v','emptyDir':{'sizeLimit':'1Gi'}}],
                         'nodeSelector':{'k':'v'},'restartPolicy':'Always'},
                 'status':{'phase':'Running','conditions':[{'type':'Ready','status':'True','lastTransitionTime':null}]}}
                """);

        assertThat(FieldValidation.unknownFields(Pod.class, pod)).isEmpty();
    }

    @Test
    void unknownFieldsAreReportedWithUpstreamPathsInDocumentOrder() throws Exception {
        JsonNode pod = json("""
                {'apiVersion':'v1','kind':'Pod','foo':1,
                 'metadata':{'name':'web','nmae':'x','labels':{'free':'form'}},
                 'spec':{'containers':[{'name':'a','image':'i'},{'name':'b','image':'i','foo':{'deep':1},
                          'ports':[{'containerPort':80,'hostPortt':1}]}],
                         'additionalProperties':{}}}
                """);

        assertThat(FieldValidation.unknownFields(Pod.class, pod)).containsExactly(
                "foo", "metadata.nmae", "spec.containers[1].foo", "spec.containers[1].ports[0].hostPortt",
                "spec.additionalProperties");
    }

    @Test
    void everyServedKindKnowsItsTypeAndObjectMetadata() throws Exception {
        for (ResourceType type : Resources.builtin().all()) {
            JsonNode object = json("{'apiVersion':'" + type.apiVersion() + "','kind':'" + type.kind() + "',"
                    + "'metadata':{'name':'x','namespace':'y','labels':{'a':'b'},'finalizers':['f']},'bogus':1}");

            assertThat(FieldValidation.unknownFields(type.model(), object)).as(type.kind()).containsExactly("bogus");
        }
    }

    @Test
    void dataMapsAreFreeFormButTheirSiblingsAreChecked() throws Exception {
        JsonNode cm = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},"
                + "'data':{'any-key':'v','x.y':'z'},'binaryData':{'b':'AA=='},'dat':{}}");
        JsonNode secret = json("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'s'},"
                + "'type':'Opaque','data':{'k':'dg=='},'stringData':{'a':'b'},'immutable':true}");

        assertThat(FieldValidation.unknownFields(ConfigMap.class, cm)).containsExactly("dat");
        assertThat(FieldValidation.unknownFields(Secret.class, secret)).isEmpty();
    }

    @Test
    void intOrStringAndQuantityAreLeaves() throws Exception {
        JsonNode svc = json("{'apiVersion':'v1','kind':'Service','metadata':{'name':'s'},"
                + "'spec':{'ports':[{'port':80,'targetPort':'http'},{'port':81,'targetPort':8081,'nodePortt':1}],"
                + "'selector':{'app':'x'}}}");

        assertThat(FieldValidation.unknownFields(Service.class, svc)).containsExactly("spec.ports[1].nodePortt");
    }

    @Test
    void otherGroupsAreCheckedAgainstTheirOwnModel() throws Exception {
        JsonNode lease = json("{'apiVersion':'coordination.k8s.io/v1','kind':'Lease','metadata':{'name':'l'},"
                + "'spec':{'holderIdentity':'n','leaseDurationSeconds':40,'renewTime':'2024-01-01T00:00:00.000000Z','x':1}}");

        assertThat(FieldValidation.unknownFields(Lease.class, lease)).containsExactly("spec.x");
    }

    @Test
    void strictDecodingMessageIsWordedAsUpstream() {
        assertThat(FieldValidation.strictDecodingMessage(PODS, List.of("spec.containers[0].foo")))
                .isEqualTo("Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: "
                        + "unknown field \"spec.containers[0].foo\"");
        assertThat(FieldValidation.strictDecodingMessage(PODS, List.of("a", "b")))
                .isEqualTo("Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: "
                        + "unknown field \"a\", unknown field \"b\"");
    }

    @Test
    void warningHeaderEscapesQuotesAsUpstream() {
        assertThat(FieldValidation.warningHeader("spec.containers[0].foo"))
                .isEqualTo("299 - \"unknown field \\\"spec.containers[0].foo\\\"\"");
        assertThat(FieldValidation.warningHeader("a\"b\\c\nd"))
                .isEqualTo("299 - \"unknown field \\\"a\\\"b\\\\c d\\\"\"");
    }

    @Test
    void decodeReportsUnknownAndDuplicateFieldsInDocumentOrderAndKeepsTheLastValue() {
        FieldValidation.Decoded decoded = FieldValidation.decode(Pod.class, bytes("""
                {'apiVersion':'v1','kind':'Pod','metadata':{'name':'a','name':'b','labels':{'x':'1','x':'2'}},
                 'spec':{'foo':1,'foo':2,'containers':[{'name':'c','image':'i','bar':{'k':1,'k':2}}]}}
                """));

        assertThat(decoded.errors()).extracting(StrictError::message).containsExactly(
                "duplicate field \"metadata.name\"",
                "duplicate field \"metadata.labels.x\"",
                "unknown field \"spec.foo\"",
                "unknown field \"spec.foo\"",
                "unknown field \"spec.containers[0].bar\"");
        assertThat(Json.name(decoded.object())).isEqualTo("b");
        assertThat(decoded.object().at("/metadata/labels/x").asText()).isEqualTo("2");
        assertThat(decoded.object().at("/spec/containers/0/bar/k").asInt()).isEqualTo(2);
        assertThat(FieldValidation.strictDecodingError(PODS, decoded.errors().subList(0, 1)).getMessage())
                .isEqualTo("Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: "
                        + "duplicate field \"metadata.name\"");
    }

    @Test
    void decodeKeepsValuesExactlyAsReadTreeDoes() throws Exception {
        String text = "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'a','annotations':{'n':'1.50'}},"
                + "'spec':{'containers':[{'name':'c','image':'i','resources':{'limits':{'cpu':0.5,'memory':1e3}}}],"
                + "'activeDeadlineSeconds':12345678901,'hostNetwork':false,'nodeName':null}}";

        FieldValidation.Decoded decoded = FieldValidation.decode(Pod.class, bytes(text));

        assertThat(decoded.errors()).isEmpty();
        assertThat(decoded.object()).isEqualTo(json(text));
    }

    @Test
    void decodeRejectsMalformedBodies() {
        assertThatThrownBy(() -> FieldValidation.decode(Pod.class, bytes("{'a':")))
                .isInstanceOf(ApiError.BadRequest.class);
        assertThatThrownBy(() -> FieldValidation.decode(Pod.class, bytes("[1]")))
                .isInstanceOf(ApiError.BadRequest.class);
        assertThatThrownBy(() -> FieldValidation.decode(Pod.class, bytes("{} {}")))
                .isInstanceOf(ApiError.BadRequest.class);
    }
}
