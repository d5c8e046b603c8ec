package dev.j8s.apiserver.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests over request bodies recorded from the real kubectl 1.32 (see resources/protobuf/capture.py)
 * plus hand-built bodies for the edge cases kubectl does not send.
 */
class KubernetesProtobufTest {

    /** Each name has {@code <name>.bin} (the recorded body) and {@code <name>.json} (hand-written expectation). */
    static Stream<String> recordedBodies() {
        return Stream.of(
                "secret-docker-registry",       // create secret docker-registry regcred --docker-server=127.0.0.1:5000 ...
                "secret-generic",               // create secret generic s1 --from-literal=a=b --from-literal=c=d
                "secret-generic-typed-from-file", // create secret generic s2 --type=example.com/x --from-file=bin.dat=...
                "configmap-literal",            // create configmap c1 --from-literal=k=v
                "configmap-from-file",          // create configmap c2 --from-file=bin.dat=... --from-file=txt=... -n team-a
                "serviceaccount",               // create serviceaccount builder
                "namespace",                    // create namespace team-a
                "service-clusterip",            // create service clusterip mysvc --tcp=80:8080
                "service-nodeport",             // create service nodeport np --tcp=80:8080
                "service-clusterip-headless",   // create service clusterip headless --clusterip=None
                "service-externalname",         // create service externalname ext --external-name=db.example.com
                "service-loadbalancer",         // create service loadbalancer lb --tcp=443:https --tcp=5678:8080
                "token",                        // create token builder
                "token-bound",                  // create token builder --duration=1h --audience=a1 --audience=a2 --bound-object-...
                "pod-debug-node");              // debug node/n1 --image=busybox:1.36
    }

    @ParameterizedTest
    @MethodSource("recordedBodies")
    void recordedKubectlBodyDecodesToTheJsonTreeOfTheSameObject(String name) throws IOException {
        ObjectNode decoded = KubernetesProtobuf.decode(resource(name + ".bin"));

        JsonNode expected = Json.MAPPER.readTree(resource(name + ".json"));
        assertThat(decoded).isEqualTo(expected);
        assertThat(decoded.fieldNames().next()).isEqualTo("apiVersion");
    }

    @Test
    void dockerRegistrySecretCarriesTheDockerConfigJsonAsBase64() throws IOException {
        ObjectNode secret = KubernetesProtobuf.decode(resource("secret-docker-registry.bin"));

        byte[] config = Base64.getDecoder().decode(secret.path("data").path(".dockerconfigjson").asText());
        JsonNode auth = Json.MAPPER.readTree(config).path("auths").path("127.0.0.1:5000");
        assertThat(auth.path("username").asText()).isEqualTo("u");
        assertThat(auth.path("password").asText()).isEqualTo("p");
        assertThat(auth.path("email").asText()).isEqualTo("e@x");
        assertThat(new String(Base64.getDecoder().decode(auth.path("auth").asText()), StandardCharsets.UTF_8))
                .isEqualTo("u:p");
    }

    @Test
    void binaryFileContentsSurviveAsBase64InBinaryData() throws IOException {
        ObjectNode cm = KubernetesProtobuf.decode(resource("configmap-from-file.bin"));

        assertThat(Base64.getDecoder().decode(cm.path("binaryData").path("bin.dat").asText()))
                .containsExactly(0x00, 0x01, 0xff, 0xfe);
        assertThat(cm.path("data").path("txt").asText()).isEqualTo("hello\n");
    }

    @Test
    void pointerFieldsKeepTheirZeroValuesWhileValueFieldsDropThem() {
        byte[] body = ProtoWriter.envelope("v1", "ServiceAccount", ProtoWriter.message()
                .message(1, ProtoWriter.message().string(1, "sa").varint(7, 0).string(3, ""))
                .varint(4, 0)); // automountServiceAccountToken: false, a *bool

        ObjectNode sa = KubernetesProtobuf.decode(body);

        assertThat(sa.toString()).isEqualTo(
                "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"sa\"},"
                        + "\"automountServiceAccountToken\":false}");
    }

    @Test
    void metadataTimesLabelsAnnotationsOwnerReferencesAndFinalizersAreDecoded() {
        byte[] body = ProtoWriter.envelope("v1", "ConfigMap", ProtoWriter.message()
                .message(1, ProtoWriter.message()
                        .string(1, "c").string(2, "c-").string(3, "ns").string(5, "uid-1").string(6, "42")
                        .varint(7, 3)
                        .message(8, ProtoWriter.message().varint(1, 1_700_000_000L).varint(2, 5))
                        .varint(10, 30)
                        .mapEntry(11, "app", "web").mapEntry(11, "role", "")
                        .mapEntry(12, "note", "x")
                        .message(13, ProtoWriter.message().string(1, "Deployment").string(3, "d").string(4, "u2")
                                .string(5, "apps/v1").varint(6, 1))
                        .string(14, "example.com/f")
                        .message(17, ProtoWriter.message().string(1, "kubectl")))
                .varint(4, 1));

        ObjectNode cm = KubernetesProtobuf.decode(body);

        assertThat(cm.path("metadata").toString()).isEqualTo("{\"name\":\"c\",\"generateName\":\"c-\",\"namespace\":\"ns\","
                + "\"uid\":\"uid-1\",\"resourceVersion\":\"42\",\"generation\":3,"
                + "\"creationTimestamp\":\"2023-11-14T22:13:20Z\",\"deletionGracePeriodSeconds\":30,"
                + "\"labels\":{\"app\":\"web\",\"role\":\"\"},\"annotations\":{\"note\":\"x\"},"
                + "\"ownerReferences\":[{\"kind\":\"Deployment\",\"name\":\"d\",\"uid\":\"u2\",\"apiVersion\":\"apps/v1\","
                + "\"controller\":true}],\"finalizers\":[\"example.com/f\"]}");
        assertThat(cm.path("immutable").asBoolean()).isTrue();
    }

    @Test
    void podContainersEnvPortsAndPullSecretsAreDecoded() {
        byte[] body = ProtoWriter.envelope("v1", "Pod", ProtoWriter.message()
                .message(1, ProtoWriter.message().string(1, "web"))
                .message(2, ProtoWriter.message()
                        .message(2, ProtoWriter.message()
                                .string(1, "app").string(2, "127.0.0.1:5000/app:1")
                                .string(3, "sh").string(3, "-c").string(4, "echo hi")
                                .message(6, ProtoWriter.message().varint(3, 8080).string(4, "TCP"))
                                .message(7, ProtoWriter.message().string(1, "A").string(2, "1"))
                                .message(7, ProtoWriter.message().string(1, "B")
                                        .message(3, ProtoWriter.message().message(4, ProtoWriter.message()
                                                .message(1, ProtoWriter.message().string(1, "sec")).string(2, "k"))))
                                .message(8, ProtoWriter.message().message(1, ProtoWriter.message()
                                        .string(1, "memory").message(2, ProtoWriter.message().string(1, "64Mi"))))
                                .string(14, "IfNotPresent"))
                        .string(3, "Always").string(8, "builder").string(10, "node-1")
                        .message(15, ProtoWriter.message().string(1, "regcred"))));

        ObjectNode pod = KubernetesProtobuf.decode(body);

        assertThat(pod.path("spec").toString()).isEqualTo("{\"containers\":[{\"name\":\"app\",\"image\":\"127.0.0.1:5000/app:1\","
                + "\"command\":[\"sh\",\"-c\"],\"args\":[\"echo hi\"],\"ports\":[{\"containerPort\":8080,\"protocol\":\"TCP\"}],"
                + "\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"sec\",\"key\":\"k\"}}}],"
                + "\"resources\":{\"limits\":{\"memory\":\"64Mi\"}},\"imagePullPolicy\":\"IfNotPresent\"}],"
                + "\"restartPolicy\":\"Always\",\"serviceAccountName\":\"builder\",\"nodeName\":\"node-1\","
                + "\"imagePullSecrets\":[{\"name\":\"regcred\"}]}");
    }

    @Test
    void deleteOptionsKeepAnExplicitZeroGracePeriod() {
        byte[] body = ProtoWriter.envelope("meta.k8s.io/v1", "DeleteOptions", ProtoWriter.message()
                .varint(1, 0).string(4, "Foreground").string(5, "All"));

        assertThat(KubernetesProtobuf.decode(body).toString()).isEqualTo("{\"apiVersion\":\"meta.k8s.io/v1\","
                + "\"kind\":\"DeleteOptions\",\"gracePeriodSeconds\":0,\"propagationPolicy\":\"Foreground\",\"dryRun\":[\"All\"]}");
    }

    @Test
    void unknownFieldNumbersOfEveryWireTypeAreSkipped() {
        byte[] body = ProtoWriter.envelope("v1", "Secret", ProtoWriter.message()
                .varint(99, 7).fixed64(98, -1L).fixed32(97, 12).string(96, "ignored")
                .message(1, ProtoWriter.message().string(1, "s").varint(1000, 1).message(17, ProtoWriter.message()))
                .string(3, "Opaque"));

        assertThat(KubernetesProtobuf.decode(body).toString())
                .isEqualTo("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},\"type\":\"Opaque\"}");
    }

    @Test
    void negativeInt32IsReadFromItsTenByteVarint() {
        byte[] body = ProtoWriter.envelope("v1", "Service", ProtoWriter.message()
                .message(2, ProtoWriter.message().message(1, ProtoWriter.message().varint(3, -1L))));

        assertThat(KubernetesProtobuf.decode(body).path("spec").path("ports").get(0).path("port").asInt()).isEqualTo(-1);
    }

    @Test
    void unknownKindIsAnUnsupportedMediaType() {
        byte[] body = ProtoWriter.envelope("batch/v1", "Widget", ProtoWriter.message());

        assertThatThrownBy(() -> KubernetesProtobuf.decode(body))
                .isInstanceOfSatisfying(ApiError.UnsupportedMediaType.class, e -> assertThat(e.code()).isEqualTo(415))
                .hasMessage("the body of the request was in an unknown format - accepted media types include: "
                        + "application/json, application/yaml, application/vnd.kubernetes.protobuf");
    }

    @Test
    void bodyWithoutTheMagicPrefixIsABadRequest() {
        assertThatThrownBy(() -> KubernetesProtobuf.decode("{\"kind\":\"Secret\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
    }

    @Test
    void truncatedVarintIsABadRequest() {
        byte[] body = {0x6b, 0x38, 0x73, 0x00, 0x28, (byte) 0x80};

        assertThatThrownBy(() -> KubernetesProtobuf.decode(body))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("unable to decode the protobuf request body: truncated varint at offset 5");
    }

    @Test
    void int64ValuesBecomeTheSameNumberNodesJacksonReadsFromJson() throws IOException {
        byte[] body = ProtoWriter.envelope("meta.k8s.io/v1", "DeleteOptions", ProtoWriter.message().varint(1, 1L << 40));

        assertThat(KubernetesProtobuf.decode(body))
                .isEqualTo(Json.MAPPER.readTree("{\"apiVersion\":\"meta.k8s.io/v1\",\"kind\":\"DeleteOptions\","
                        + "\"gracePeriodSeconds\":1099511627776}"));
    }

    @Test
    void varintLongerThanTenBytesIsABadRequest() {
        byte[] body = new byte[4 + 1 + 11];
        System.arraycopy(new byte[] {0x6b, 0x38, 0x73, 0x00, 0x28}, 0, body, 0, 5);
        Arrays.fill(body, 5, body.length, (byte) 0xff);

        assertThatThrownBy(() -> KubernetesProtobuf.decode(body))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("unable to decode the protobuf request body: varint longer than 10 bytes at offset 5");
    }

    @Test
    void lengthPastTheEndIsABadRequest() {
        byte[] body = {0x6b, 0x38, 0x73, 0x00, 0x12, 0x7f, 0x0a};

        assertThatThrownBy(() -> KubernetesProtobuf.decode(body))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("unable to decode the protobuf request body: length 127 past the end of the message at offset 5");
    }

    @Test
    void wrongWireTypeForAKnownFieldIsABadRequest() {
        byte[] body = ProtoWriter.envelope("v1", "Secret", ProtoWriter.message().varint(3, 1));

        assertThatThrownBy(() -> KubernetesProtobuf.decode(body))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessageStartingWith("unable to decode the protobuf request body: field Secret.type (3) has wire type 0, expected 2");
    }

    @Test
    void groupWireTypeIsABadRequest() {
        byte[] body = ProtoWriter.envelope("v1", "Secret", ProtoWriter.message().tag(50, 3));

        assertThatThrownBy(() -> KubernetesProtobuf.decode(body))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessageContaining("unsupported wire type 3");
    }

    @Test
    void bodyLargerThanThreeMebibytesIsABadRequest() {
        byte[] body = new byte[Json.MAX_BODY_BYTES + 1];

        assertThatThrownBy(() -> KubernetesProtobuf.decode(body))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("the protobuf request body is 3145729 bytes, more than the limit of 3145728 bytes");
    }

    @Test
    void nestingDeeperThanSixtyFourLevelsIsABadRequest() {
        MessageType node = MessageType.named("Node");
        node.message(1, "child", node);
        ProtoWriter deep = ProtoWriter.message().string(2, "leaf");
        for (int i = 0; i < 70; i++) {
            deep = ProtoWriter.message().message(1, deep);
        }
        byte[] bytes = deep.toByteArray();

        assertThatThrownBy(() -> node.decode(new WireReader(bytes, 0, bytes.length), 1))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessageStartingWith("unable to decode the protobuf request body: messages nested deeper than 64 levels");
    }

    @Test
    void nestingOfSixtyFourLevelsIsAccepted() {
        MessageType node = MessageType.named("Node");
        node.message(1, "child", node).string(2, "leaf");
        ProtoWriter deep = ProtoWriter.message().string(2, "x");
        for (int i = 0; i < 63; i++) {
            deep = ProtoWriter.message().message(1, deep);
        }
        byte[] bytes = deep.toByteArray();

        assertThat(node.decode(new WireReader(bytes, 0, bytes.length), 1).toString()).contains("\"leaf\":\"x\"");
    }

    @ParameterizedTest
    @MethodSource("recordedBodies")
    void everyTruncationOrCorruptionOfARecordedBodyFailsOnlyAsAnApiError(String name) throws IOException {
        byte[] body = resource(name + ".bin");
        for (int length = 0; length < body.length; length++) {
            assertDecodesOrFailsCleanly(Arrays.copyOf(body, length));
        }
        Random random = new Random(name.hashCode());
        for (int i = 0; i < 2000; i++) {
            byte[] corrupt = body.clone();
            corrupt[4 + random.nextInt(corrupt.length - 4)] = (byte) random.nextInt(256);
            assertDecodesOrFailsCleanly(corrupt);
        }
    }

    private static void assertDecodesOrFailsCleanly(byte[] body) {
        Throwable t = catchThrowable(() -> KubernetesProtobuf.decode(body));
        if (t != null) {
            assertThat(t).isInstanceOfAny(ApiError.BadRequest.class, ApiError.UnsupportedMediaType.class);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = KubernetesProtobufTest.class.getResourceAsStream("/protobuf/" + name)) {
            assertThat(in).as("test resource /protobuf/" + name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void aDeploymentAsKubectlCreateDeploymentSendsItKeepsAnExplicitZeroAndDropsEmptyMessages() throws Exception {
        ProtoWriter labels = ProtoWriter.message().string(1, "app").string(2, "web");
        byte[] body = ProtoWriter.envelope("apps/v1", "Deployment", ProtoWriter.message()
                .message(1, ProtoWriter.message().string(1, "web").message(11, labels))
                .message(2, ProtoWriter.message()
                        .varint(1, 0)
                        .message(2, ProtoWriter.message().message(1, labels))
                        .message(3, ProtoWriter.message()
                                .message(1, ProtoWriter.message().message(11, labels))
                                .message(2, ProtoWriter.message().message(2, ProtoWriter.message()
                                        .string(1, "nginx").string(2, "nginx:1.25").message(8, ProtoWriter.message()))))
                        .message(4, ProtoWriter.message().message(2, ProtoWriter.message()
                                .message(1, ProtoWriter.message().varint(1, 0).varint(2, 0))))
                        .varint(7, 0))
                .message(3, ProtoWriter.message()));

        assertThat(KubernetesProtobuf.decode(body)).isEqualTo(Json.MAPPER.readTree("""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
                 "spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},
                  "template":{"metadata":{"labels":{"app":"web"}},
                   "spec":{"containers":[{"name":"nginx","image":"nginx:1.25"}]}},
                  "strategy":{"rollingUpdate":{"maxUnavailable":0}}}}
                """));
    }

    @Test
    void aScaleBodyDecodes() throws Exception {
        byte[] body = ProtoWriter.envelope("autoscaling/v1", "Scale", ProtoWriter.message()
                .message(1, ProtoWriter.message().string(1, "web").string(3, "default").string(6, "42"))
                .message(2, ProtoWriter.message().varint(1, 5))
                .message(3, ProtoWriter.message().varint(1, 3).string(2, "app=web")));

        assertThat(KubernetesProtobuf.decode(body)).isEqualTo(Json.MAPPER.readTree("""
                {"apiVersion":"autoscaling/v1","kind":"Scale",
                 "metadata":{"name":"web","namespace":"default","resourceVersion":"42"},
                 "spec":{"replicas":5},"status":{"replicas":3,"selector":"app=web"}}
                """));
    }
}
