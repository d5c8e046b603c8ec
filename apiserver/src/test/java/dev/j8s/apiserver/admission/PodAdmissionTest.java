package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidReasons;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PodAdmissionTest {

    private static final ResourceType PODS = type("pods");

    private static ObjectNode pod(String spec) {
        return json("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','namespace':'default','uid':'u1',"
                + "'creationTimestamp':'2025-01-01T00:00:00Z'},'spec':" + spec + "}");
    }

    private static ObjectNode create(String spec) {
        return admission(FakeLookup.withDefaultNamespace()).admitCreate(PODS, pod(spec));
    }

    @Test
    void createFillsUpstreamPodDefaults() {
        ObjectNode out = create("{'containers':[{'name':'nginx','image':'nginx:1.25','ports':[{'containerPort':80}]}]}");

        ObjectNode spec = (ObjectNode) out.get("spec");
        assertThat(spec.get("restartPolicy").asText()).isEqualTo("Always");
        assertThat(spec.get("terminationGracePeriodSeconds").asInt()).isEqualTo(30);
        assertThat(spec.get("dnsPolicy").asText()).isEqualTo("ClusterFirst");
        assertThat(spec.get("schedulerName").asText()).isEqualTo("default-scheduler");
        assertThat(spec.get("securityContext").isEmpty()).isTrue();
        assertThat(spec.get("enableServiceLinks").asBoolean()).isTrue();
        assertThat(spec.get("priority").asInt()).isZero();
        assertThat(spec.get("preemptionPolicy").asText()).isEqualTo("PreemptLowerPriority");
        assertThat(spec.get("serviceAccountName").asText()).isEqualTo("default");
        assertThat(spec.get("serviceAccount").asText()).isEqualTo("default");
        assertThat(spec.get("tolerations").toString()).isEqualTo(
                "[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300},"
                        + "{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300}]");
        ObjectNode c = (ObjectNode) spec.get("containers").get(0);
        assertThat(c.get("imagePullPolicy").asText()).isEqualTo("IfNotPresent");
        assertThat(c.get("terminationMessagePath").asText()).isEqualTo("/dev/termination-log");
        assertThat(c.get("terminationMessagePolicy").asText()).isEqualTo("File");
        assertThat(c.get("resources").isEmpty()).isTrue();
        assertThat(c.get("ports").get(0).get("protocol").asText()).isEqualTo("TCP");
        assertThat(out.get("status").toString()).isEqualTo("{\"phase\":\"Pending\",\"qosClass\":\"BestEffort\"}");
        assertThat(out.get("metadata").get("generation").asInt()).isEqualTo(1);
    }

    record PullCase(String image, String policy) {}

    static Stream<PullCase> pullPolicies() {
        return Stream.of(new PullCase("nginx", "Always"), new PullCase("nginx:latest", "Always"),
                new PullCase("nginx:1.25", "IfNotPresent"), new PullCase("127.0.0.1:5000/team/app", "Always"),
                new PullCase("127.0.0.1:5000/team/app:v2", "IfNotPresent"),
                new PullCase("nginx@sha256:" + "a".repeat(64), "IfNotPresent"),
                new PullCase("nginx:latest@sha256:" + "a".repeat(64), "Always"),
                new PullCase("Nginx", "IfNotPresent"));
    }

    @ParameterizedTest
    @MethodSource("pullPolicies")
    void imagePullPolicyFollowsTheTagRule(PullCase c) {
        ObjectNode out = create("{'initContainers':[{'name':'init','image':'" + c.image() + "'}],"
                + "'containers':[{'name':'app','image':'" + c.image() + "'}]}");
        assertThat(out.at("/spec/containers/0/imagePullPolicy").asText()).isEqualTo(c.policy());
        assertThat(out.at("/spec/initContainers/0/imagePullPolicy").asText()).isEqualTo(c.policy());
    }

    record QosCase(String resources, String qos) {}

    static Stream<QosCase> qosClasses() {
        return Stream.of(new QosCase("{}", "BestEffort"),
                new QosCase("{'requests':{'cpu':'100m'}}", "Burstable"),
                new QosCase("{'limits':{'cpu':'1','memory':'128Mi'}}", "Guaranteed"),
                new QosCase("{'limits':{'cpu':'1','memory':'128Mi'},'requests':{'cpu':'1000m','memory':'134217728'}}", "Guaranteed"),
                new QosCase("{'limits':{'cpu':'1','memory':'128Mi'},'requests':{'cpu':'500m'}}", "Burstable"),
                new QosCase("{'limits':{'cpu':'1'}}", "Burstable"));
    }

    @ParameterizedTest
    @MethodSource("qosClasses")
    void qosClassIsComputedFromRequestsAndLimits(QosCase c) {
        ObjectNode out = create("{'containers':[{'name':'app','image':'nginx','resources':" + c.resources() + "}]}");
        assertThat(out.at("/status/qosClass").asText()).isEqualTo(c.qos());
    }

    @Test
    void limitsWithoutRequestsBecomeRequests() {
        ObjectNode out = create("{'containers':[{'name':'app','image':'nginx','resources':{'limits':{'cpu':'1'}}}]}");
        assertThat(out.at("/spec/containers/0/resources/requests/cpu").asText()).isEqualTo("1");
    }

    record Rule(String spec, List<String> causes) {}

    static Stream<Rule> validationRules() {
        return Stream.of(
                new Rule("{'containers':[]}", List.of("spec.containers: Required value")),
                new Rule("{'containers':[{'name':'app'}]}", List.of("spec.containers[0].image: Required value")),
                new Rule("{'containers':[{'image':'nginx'}]}", List.of("spec.containers[0].name: Required value")),
                new Rule("{'containers':[{'name':'App','image':'nginx'}]}", List.of("spec.containers[0].name: Invalid value: \"App\": "
                        + "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
                        + "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")),
                new Rule("{'containers':[{'name':'a','image':'x'},{'name':'a','image':'y'}]}",
                        List.of("spec.containers[1].name: Duplicate value: \"a\"")),
                new Rule("{'restartPolicy':'Sometimes','containers':[{'name':'a','image':'x'}]}",
                        List.of("spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"")),
                new Rule("{'dnsPolicy':'Google','containers':[{'name':'a','image':'x'}]}",
                        List.of("spec.dnsPolicy: Unsupported value: \"Google\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"")),
                new Rule("{'containers':[{'name':'a','image':'x','imagePullPolicy':'Sometimes'}]}",
                        List.of("spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"")),
                new Rule("{'containers':[{'name':'a','image':'x','ports':[{'containerPort':70000,'protocol':'HTTP'}]}]}",
                        List.of("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
                                "spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"")),
                new Rule("{'containers':[{'name':'a','image':'x','env':[{'name':'A=B','value':'1'}]}]}",
                        List.of("spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='")),
                new Rule("{'volumes':[{'name':'data','emptyDir':{}},{'name':'data','emptyDir':{}}],'containers':[{'name':'a','image':'x'}]}",
                        List.of("spec.volumes[1].name: Duplicate value: \"data\"")),
                new Rule("{'containers':[{'name':'a','image':'x','volumeMounts':[{'name':'cache','mountPath':'/c'}]}]}",
                        List.of("spec.containers[0].volumeMounts[0].name: Not found: \"cache\"")),
                new Rule("{'containers':[{'name':'a','image':' nginx'}]}",
                        List.of("spec.containers[0].image: Invalid value: \" nginx\": must not have leading or trailing whitespace")),
                new Rule("{'containers':[{'name':'a','image':'x','resources':{'requests':{'cpu':'2'},'limits':{'cpu':'1'}}}]}",
                        List.of("spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1")),
                new Rule("{'activeDeadlineSeconds':0,'containers':[{'name':'a','image':'x'}]}",
                        List.of("spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive")));
    }

    @ParameterizedTest
    @MethodSource("validationRules")
    void invalidPodsAreRejectedWithUpstreamCauses(Rule rule) {
        assertThat(invalidCauses(() -> create(rule.spec()))).containsExactlyElementsOf(rule.causes());
    }

    @Test
    void invalidErrorCarriesReasonsAndTheBracketedMessage() {
        ApiError.Invalid e = (ApiError.Invalid) org.assertj.core.api.Assertions.catchThrowable(
                () -> create("{'restartPolicy':'Sometimes','containers':[{'name':'a'}]}"));
        assertThat(e.getMessage()).isEqualTo("Pod \"web\" is invalid: [spec.containers[0].image: Required value, "
                + "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"]");
        assertThat(invalidReasons(() -> create("{'restartPolicy':'Sometimes','containers':[{'name':'a'}]}")))
                .containsExactly("FieldValueRequired", "FieldValueNotSupported");
    }

    @Test
    void missingServiceAccountIsForbidden() {
        assertThatThrownBy(() -> create("{'serviceAccountName':'builder','containers':[{'name':'a','image':'x'}]}"))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("pods \"web\" is forbidden: error looking up service account default/builder: serviceaccount \"builder\" not found");
    }

    @Test
    void serviceAccountPullSecretsAreCopiedOnlyWhenThePodHasNone() {
        FakeLookup lookup = FakeLookup.withDefaultNamespace().put("serviceaccounts", "default",
                json("{'metadata':{'name':'builder','namespace':'default'},'imagePullSecrets':[{'name':'regcred'},{'name':'other'}]}"));
        ObjectNode copied = admission(lookup).admitCreate(PODS,
                pod("{'serviceAccountName':'builder','containers':[{'name':'a','image':'x'}]}"));
        ObjectNode own = admission(lookup).admitCreate(PODS,
                pod("{'serviceAccountName':'builder','imagePullSecrets':[{'name':'mine'}],'containers':[{'name':'a','image':'x'}]}"));

        assertThat(copied.at("/spec/imagePullSecrets").toString()).isEqualTo("[{\"name\":\"regcred\"},{\"name\":\"other\"}]");
        assertThat(own.at("/spec/imagePullSecrets").toString()).isEqualTo("[{\"name\":\"mine\"}]");
    }

    @Test
    void missingNamespaceIsNotFoundAndTerminatingNamespaceIsForbidden() {
        FakeLookup lookup = new FakeLookup().put("namespaces", "",
                json("{'metadata':{'name':'gone'},'status':{'phase':'Terminating'}}"));
        ObjectNode inMissing = pod("{'containers':[{'name':'a','image':'x'}]}");
        ((ObjectNode) inMissing.get("metadata")).put("namespace", "nope");
        ObjectNode inGone = pod("{'containers':[{'name':'a','image':'x'}]}");
        ((ObjectNode) inGone.get("metadata")).put("namespace", "gone");

        assertThatThrownBy(() -> admission(lookup).admitCreate(PODS, inMissing))
                .isInstanceOf(ApiError.NotFound.class).hasMessage("namespaces \"nope\" not found");
        assertThatThrownBy(() -> admission(lookup).admitCreate(PODS, inGone))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("pods \"web\" is forbidden: unable to create new content in namespace gone because it is being terminated");
    }

    @Test
    void alwaysPullImagesForcesAlwaysOnEveryContainerKind() {
        ObjectNode out = admission(FakeLookup.withDefaultNamespace(), "AlwaysPullImages").admitCreate(PODS,
                pod("{'initContainers':[{'name':'i','image':'busybox:1.36','imagePullPolicy':'Never'}],"
                        + "'containers':[{'name':'a','image':'nginx:1.25','imagePullPolicy':'IfNotPresent'}]}"));
        assertThat(out.at("/spec/initContainers/0/imagePullPolicy").asText()).isEqualTo("Always");
        assertThat(out.at("/spec/containers/0/imagePullPolicy").asText()).isEqualTo("Always");
    }

    @Test
    void alwaysPullImagesMutatesUpdatesThatBringANewImageOnly() {
        Admission withoutPlugin = admission(FakeLookup.withDefaultNamespace());
        Admission withPlugin = admission(FakeLookup.withDefaultNamespace(), "AlwaysPullImages");
        ObjectNode stored = withoutPlugin.admitCreate(PODS, pod("{'containers':[{'name':'a','image':'nginx:1.25'}]}"));
        ObjectNode relabel = stored.deepCopy();
        ((ObjectNode) relabel.get("metadata")).putObject("labels").put("tier", "web");

        ObjectNode unchangedImages = withPlugin.admitUpdate(PODS, stored, relabel, "");
        assertThat(unchangedImages.at("/spec/containers/0/imagePullPolicy").asText()).isEqualTo("IfNotPresent");

        ObjectNode newImage = stored.deepCopy();
        ((ObjectNode) newImage.at("/spec/containers/0")).put("image", "nginx:1.26");
        // imagePullPolicy is immutable, so the mutated update is refused as upstream refuses it
        assertThat(invalidCauses(() -> withPlugin.admitUpdate(PODS, stored, newImage, "")).getFirst())
                .startsWith("spec: Forbidden: pod updates may not change fields other than " + PodValidation.UPDATABLE_FIELDS);
    }

    @Test
    void imageUpdatesAreAllowedAndOtherSpecChangesAreForbidden() {
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        ObjectNode stored = admission.admitCreate(PODS, pod("{'containers':[{'name':'a','image':'nginx:1.25','ports':[{'containerPort':80}]}]}"));

        ObjectNode image = stored.deepCopy();
        ((ObjectNode) image.at("/spec/containers/0")).put("image", "nginx:1.26");
        assertThat(admission.admitUpdate(PODS, stored, image, "").at("/spec/containers/0/image").asText()).isEqualTo("nginx:1.26");

        ObjectNode port = stored.deepCopy();
        ((ObjectNode) port.at("/spec/containers/0/ports/0")).put("containerPort", 8080);
        List<String> causes = invalidCauses(() -> admission.admitUpdate(PODS, stored, port, ""));
        assertThat(causes).hasSize(1);
        assertThat(causes.getFirst()).startsWith("spec: Forbidden: pod updates may not change fields other than "
                + "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
                + "`spec.tolerations` (only additions to existing tolerations),"
                + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n");
    }

    @Test
    void replacingAPodWithItsOriginalManifestPassesAfterReDefaulting() {
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        ObjectNode stored = admission.admitCreate(PODS, pod("{'containers':[{'name':'a','image':'nginx:1.25'}]}"));
        ((ObjectNode) stored.get("spec")).put("nodeName", "node1");
        ((ObjectNode) stored.get("status")).put("phase", "Running");
        ObjectNode manifest = pod("{'containers':[{'name':'a','image':'nginx:1.25'}]}");
        ((ObjectNode) manifest.get("metadata")).remove(List.of("uid", "creationTimestamp"));
        ((ObjectNode) manifest.get("metadata")).putObject("labels").put("app", "web");

        ObjectNode out = admission.admitUpdate(PODS, stored, manifest, "");

        assertThat(out.at("/metadata/uid").asText()).isEqualTo("u1");
        assertThat(out.at("/metadata/labels/app").asText()).isEqualTo("web");
        assertThat(out.at("/status/phase").asText()).isEqualTo("Running");
        assertThat(out.at("/spec/nodeName").asText()).isEqualTo("node1");
        assertThat(out.at("/metadata/generation").asInt()).isEqualTo(1);
    }

    @Test
    void removingAContainerAndModifyingATolerationAreForbidden() {
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        ObjectNode stored = admission.admitCreate(PODS, pod("{'tolerations':[{'key':'gpu','operator':'Exists','effect':'NoSchedule'}],"
                + "'containers':[{'name':'a','image':'x'},{'name':'b','image':'y'}]}"));
        ObjectNode fewer = stored.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) fewer.at("/spec/containers")).remove(1);
        ObjectNode toleration = stored.deepCopy();
        ((ObjectNode) toleration.at("/spec/tolerations/0")).put("key", "tpu");

        assertThat(invalidCauses(() -> admission.admitUpdate(PODS, stored, fewer, "")))
                .containsExactly("spec.containers: Forbidden: pod updates may not add or remove containers");
        assertThat(invalidCauses(() -> admission.admitUpdate(PODS, stored, toleration, "")))
                .containsExactly("spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds");
    }

    @Test
    void statusUpdatesKeepTheStoredSpec() {
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        ObjectNode stored = admission.admitCreate(PODS, pod("{'containers':[{'name':'a','image':'x'}]}"));
        ObjectNode update = stored.deepCopy();
        ((ObjectNode) update.at("/spec/containers/0")).put("image", "sneaky");
        ((ObjectNode) update.get("status")).put("phase", "Running");

        ObjectNode out = admission.admitUpdate(PODS, stored, update, "status");

        assertThat(out.at("/spec/containers/0/image").asText()).isEqualTo("x");
        assertThat(out.at("/status/phase").asText()).isEqualTo("Running");
    }

    @Test
    void unknownPriorityClassIsForbidden() {
        assertThatThrownBy(() -> create("{'priorityClassName':'gold','containers':[{'name':'a','image':'x'}]}"))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("pods \"web\" is forbidden: no PriorityClass with name gold was found");
        assertThat(create("{'priorityClassName':'system-node-critical','containers':[{'name':'a','image':'x'}]}")
                .at("/spec/priority").asInt()).isEqualTo(2000001000);
    }

    @Test
    void inputObjectsAreNotMutated() {
        ObjectNode input = pod("{'containers':[{'name':'a','image':'x'}]}");
        String before = input.toString();
        admission(FakeLookup.withDefaultNamespace()).admitCreate(PODS, input);
        assertThat(input.toString()).isEqualTo(before);
    }
}
