package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Defaults, registry strategies and validation of apps/v1 workloads and policy/v1 budgets. */
class AppsAdmissionTest {

    private static final ResourceType DEPLOYMENTS = type("apps", "deployments");
    private static final ResourceType REPLICA_SETS = type("apps", "replicasets");
    private static final ResourceType DAEMON_SETS = type("apps", "daemonsets");
    private static final ResourceType BUDGETS = type("policy", "poddisruptionbudgets");
    private final Admission admission = admission(FakeLookup.withDefaultNamespace());

    private static ObjectNode deployment(String spec) {
        return json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default'},"
                + "'spec':" + spec + "}");
    }

    private static final String TEMPLATE = "'template':{'metadata':{'labels':{'app':'web'}},"
            + "'spec':{'containers':[{'name':'nginx','image':'nginx:1.25'}]}}";

    @Test
    void aDeploymentGetsUpstreamsDefaultsAndAnEmptyStatus() {
        ObjectNode created = admission.admitCreate(DEPLOYMENTS,
                deployment("{'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + "}"));

        assertThat(created.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(created.at("/spec/strategy")).isEqualTo(json(
                "{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':'25%','maxSurge':'25%'}}"));
        assertThat(created.at("/spec/revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(created.at("/spec/progressDeadlineSeconds").asInt()).isEqualTo(600);
        assertThat(created.get("status")).isEqualTo(json("{}"));
        ObjectNode templateSpec = (ObjectNode) created.at("/spec/template/spec");
        assertThat(templateSpec.path("restartPolicy").asText()).isEqualTo("Always");
        assertThat(templateSpec.path("dnsPolicy").asText()).isEqualTo("ClusterFirst");
        assertThat(templateSpec.path("terminationGracePeriodSeconds").asInt()).isEqualTo(30);
        assertThat(templateSpec.has("enableServiceLinks")).as("a pod default, not a template one").isFalse();
        assertThat(templateSpec.at("/containers/0/imagePullPolicy").asText()).isEqualTo("IfNotPresent");
        assertThat(templateSpec.at("/containers/0/terminationMessagePath").asText()).isEqualTo("/dev/termination-log");
    }

    @Test
    void aReplicaSetAndADaemonSetGetTheirDefaults() {
        ObjectNode rs = admission.admitCreate(REPLICA_SETS, json("{'apiVersion':'apps/v1','kind':'ReplicaSet',"
                + "'metadata':{'name':'web','namespace':'default'},'spec':{'selector':{'matchLabels':{'app':'web'}},"
                + TEMPLATE + "}}"));
        assertThat(rs.at("/spec/replicas").asInt()).isEqualTo(1);

        ObjectNode ds = admission.admitCreate(DAEMON_SETS, json("{'apiVersion':'apps/v1','kind':'DaemonSet',"
                + "'metadata':{'name':'agent','namespace':'default'},'spec':{'selector':{'matchLabels':{'app':'web'}},"
                + TEMPLATE + "}}"));
        assertThat(ds.at("/spec/updateStrategy")).isEqualTo(json(
                "{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':1,'maxSurge':0}}"));
        assertThat(ds.at("/spec/revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(ds.at("/metadata/annotations/deprecated.daemonset.template.generation").asText()).isEqualTo("1");
    }

    record Case(String spec, List<String> causes) {}

    static Stream<Case> invalidDeployments() {
        return Stream.of(
                new Case("{" + TEMPLATE + "}", List.of("spec.selector: Required value")),
                new Case("{'selector':{}," + TEMPLATE + "}", List.of("spec.selector: Invalid value: "
                        + "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: "
                        + "empty selector is invalid for deployment")),
                new Case("{'selector':{'matchLabels':{'app':'db'}}," + TEMPLATE + "}", List.of(
                        "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: "
                                + "`selector` does not match template `labels`")),
                new Case("{'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},"
                        + "'spec':{'restartPolicy':'Never','containers':[{'name':'c','image':'busybox'}]}}}", List.of(
                        "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"")),
                new Case("{'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},"
                        + "'spec':{'containers':[{'name':'c'}]}}}", List.of(
                        "spec.template.spec.containers[0].image: Required value")),
                new Case("{'replicas':-1,'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + "}", List.of(
                        "spec.replicas: Invalid value: -1: must be greater than or equal to 0")),
                new Case("{'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + ",'strategy':{'type':'RollingUpdate',"
                        + "'rollingUpdate':{'maxUnavailable':0,'maxSurge':0}}}", List.of(
                        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, "
                                + "StrVal:\"\"}: may not be 0 when `maxSurge` is 0")),
                new Case("{'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + ",'strategy':{'type':'RollingUpdate',"
                        + "'rollingUpdate':{'maxUnavailable':'101%'}}}", List.of(
                        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, "
                                + "StrVal:\"101%\"}: must not be greater than 100%")),
                new Case("{'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + ",'strategy':{'type':'Recreate',"
                        + "'rollingUpdate':{'maxSurge':1}}}", List.of(
                        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'")),
                new Case("{'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + ",'minReadySeconds':10,"
                        + "'progressDeadlineSeconds':10}", List.of(
                        "spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds")));
    }

    @ParameterizedTest
    @MethodSource("invalidDeployments")
    void invalidDeploymentsAreRefusedWithUpstreamsMessages(Case c) {
        assertThat(invalidCauses(() -> admission.admitCreate(DEPLOYMENTS, deployment(c.spec()))))
                .containsExactlyElementsOf(c.causes());
    }

    @Test
    void theSelectorOfADeploymentIsImmutableButItsTemplateBumpsTheGeneration() {
        ObjectNode created = admission.admitCreate(DEPLOYMENTS,
                deployment("{'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + "}"));
        created.with("metadata").put("generation", 1);

        ObjectNode changed = created.deepCopy();
        ((ObjectNode) changed.at("/spec/template/spec/containers/0")).put("image", "nginx:1.26");
        ObjectNode updated = admission.admitUpdate(DEPLOYMENTS, created, changed, "");
        assertThat(updated.at("/metadata/generation").asInt()).isEqualTo(2);

        ObjectNode annotated = created.deepCopy();
        annotated.with("metadata").with("annotations").put("kubernetes.io/change-cause", "x");
        assertThat(admission.admitUpdate(DEPLOYMENTS, created, annotated, "").at("/metadata/generation").asInt())
                .as("a Deployment's annotations count as a change").isEqualTo(2);

        ObjectNode reselected = created.deepCopy();
        ((ObjectNode) reselected.at("/spec/selector/matchLabels")).put("tier", "front");
        ((ObjectNode) reselected.at("/spec/template/metadata/labels")).put("tier", "front");
        assertThat(invalidCauses(() -> admission.admitUpdate(DEPLOYMENTS, created, reselected, ""))).containsExactly(
                "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", "
                        + "\"tier\":\"front\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
    }

    @Test
    void aMainUpdateKeepsTheStatusAndAStatusUpdateKeepsTheSpec() {
        ObjectNode stored = admission.admitCreate(DEPLOYMENTS,
                deployment("{'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + "}"));
        stored.with("status").put("replicas", 3);

        ObjectNode userWrite = stored.deepCopy();
        userWrite.with("status").put("replicas", 99);
        assertThat(admission.admitUpdate(DEPLOYMENTS, stored, userWrite, "").at("/status/replicas").asInt()).isEqualTo(3);

        ObjectNode statusWrite = stored.deepCopy();
        statusWrite.with("spec").put("replicas", 7);
        statusWrite.with("status").put("replicas", 2);
        ObjectNode written = admission.admitUpdate(DEPLOYMENTS, stored, statusWrite, "status");
        assertThat(written.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(written.at("/status/replicas").asInt()).isEqualTo(2);
    }

    @Test
    void aDaemonSetWithAnEmptySelectorOrBothSurgeAndUnavailableIsRefused() {
        ObjectNode ds = json("{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'agent','namespace':'default'},"
                + "'spec':{'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + ",'updateStrategy':{'type':'RollingUpdate',"
                + "'rollingUpdate':{'maxUnavailable':1,'maxSurge':1}}}}");
        assertThat(invalidCauses(() -> admission.admitCreate(DAEMON_SETS, ds))).containsExactly(
                "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, "
                        + "StrVal:\"\"}: may not be set when maxUnavailable is non-zero");
    }

    @Test
    void onlyOneOwnerReferenceMayBeTheController() {
        ObjectNode cm = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'default',"
                + "'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'a','uid':'1','controller':true},"
                + "{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'b','uid':'2','controller':true},"
                + "{'apiVersion':'','kind':'X','name':'c','uid':''}]}}");
        assertThat(invalidCauses(() -> admission.admitCreate(type("configmaps"), cm))).containsExactly(
                "metadata.ownerReferences: Invalid value: []v1.OwnerReference{...}: Only one reference can have "
                        + "Controller set to true. Found \"true\" in references for ReplicaSet/a and ReplicaSet/b",
                "metadata.ownerReferences.apiVersion: Invalid value: \"\": version must not be empty",
                "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty");
    }

    @Test
    void aBudgetNamesEitherMinAvailableOrMaxUnavailable() {
        ObjectNode pdb = json("{'apiVersion':'policy/v1','kind':'PodDisruptionBudget','metadata':{'name':'web',"
                + "'namespace':'default'},'spec':{'minAvailable':2,'maxUnavailable':'50%','selector':{'matchLabels':"
                + "{'app':'web'}}}}");
        assertThat(invalidCauses(() -> admission.admitCreate(BUDGETS, pdb))).containsExactly(
                "spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:intstr.IntOrString{Type:0, IntVal:2, "
                        + "StrVal:\"\"}, MaxUnavailable:intstr.IntOrString{Type:1, IntVal:0, StrVal:\"50%\"}}: "
                        + "minAvailable and maxUnavailable cannot be both set");
        pdb.with("spec").remove("maxUnavailable");
        ObjectNode created = admission.admitCreate(BUDGETS, pdb);
        assertThat(created.get("status")).isEqualTo(json(
                "{'disruptionsAllowed':0,'currentHealthy':0,'desiredHealthy':0,'expectedPods':0}"));
    }
}
