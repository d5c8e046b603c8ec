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

/** Defaults, the generated selector and validation of batch/v1 Jobs and CronJobs. */
class BatchAdmissionTest {

    private static final ResourceType JOBS = type("batch", "jobs");
    private static final ResourceType CRON_JOBS = type("batch", "cronjobs");
    private final Admission admission = admission(FakeLookup.withDefaultNamespace());

    private static final String TEMPLATE = "'template':{'metadata':{'labels':{'app':'pi'}},"
            + "'spec':{'restartPolicy':'Never','containers':[{'name':'pi','image':'busybox'}]}}";

    private static ObjectNode job(String spec) {
        return json("{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'pi','namespace':'default',"
                + "'uid':'u-1'},'spec':" + spec + "}");
    }

    private static ObjectNode cronJob(String name, String spec) {
        return json("{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'" + name + "','namespace':'default',"
                + "'uid':'u-2'},'spec':" + spec + "}");
    }

    @Test
    void aJobGetsUpstreamsDefaultsAndTheGeneratedSelector() {
        ObjectNode created = admission.admitCreate(JOBS, job("{" + TEMPLATE + "}"));

        assertThat(created.at("/spec/completions").asInt()).isEqualTo(1);
        assertThat(created.at("/spec/parallelism").asInt()).isEqualTo(1);
        assertThat(created.at("/spec/backoffLimit").asInt()).isEqualTo(6);
        assertThat(created.at("/spec/completionMode").asText()).isEqualTo("NonIndexed");
        assertThat(created.at("/spec/suspend").asBoolean(true)).isFalse();
        assertThat(created.at("/spec/manualSelector").asBoolean(true)).isFalse();
        assertThat(created.at("/spec/podReplacementPolicy").asText()).isEqualTo("TerminatingOrFailed");
        assertThat(created.at("/spec/selector")).isEqualTo(json(
                "{'matchLabels':{'batch.kubernetes.io/controller-uid':'u-1'}}"));
        assertThat(created.at("/spec/template/metadata/labels")).isEqualTo(json("{'app':'pi',"
                + "'batch.kubernetes.io/controller-uid':'u-1','batch.kubernetes.io/job-name':'pi',"
                + "'controller-uid':'u-1','job-name':'pi'}"));
        assertThat(created.at("/metadata/labels")).as("the template's labels as the user wrote them")
                .isEqualTo(json("{'app':'pi'}"));
        assertThat(created.get("status")).isEqualTo(json("{}"));
    }

    @Test
    void parallelismAloneLeavesCompletionsUnsetAndAFailurePolicyMeansReplacingFailedPodsOnly() {
        ObjectNode created = admission.admitCreate(JOBS, job("{'parallelism':3,'podFailurePolicy':{'rules':[{"
                + "'action':'FailJob','onPodConditions':[{'type':'DisruptionTarget'}]}]}," + TEMPLATE + "}"));

        assertThat(created.at("/spec/completions").isMissingNode()).isTrue();
        assertThat(created.at("/spec/podReplacementPolicy").asText()).isEqualTo("Failed");
        assertThat(created.at("/spec/podFailurePolicy/rules/0/onPodConditions/0/status").asText()).isEqualTo("True");
    }

    static Stream<AppsAdmissionTest.Case> invalidJobs() {
        String always = TEMPLATE.replace("'restartPolicy':'Never',", "");
        return Stream.of(
                new AppsAdmissionTest.Case("{" + always + "}", List.of(
                        "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"")),
                new AppsAdmissionTest.Case("{'selector':{'matchLabels':{'app':'pi'}}," + TEMPLATE + "}", List.of(
                        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"pi\", "
                                + "\"batch.kubernetes.io/controller-uid\":\"u-1\"}, "
                                + "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated")),
                new AppsAdmissionTest.Case("{'completions':-1," + TEMPLATE + "}", List.of(
                        "spec.completions: Invalid value: -1: must be greater than or equal to 0")),
                new AppsAdmissionTest.Case("{'completionMode':'Indexed','parallelism':2," + TEMPLATE + "}", List.of(
                        "spec.completions: Required value: when completion mode is Indexed")),
                new AppsAdmissionTest.Case("{'podFailurePolicy':{'rules':[{'action':'FailJob','onExitCodes':{"
                        + "'operator':'In','values':[0,42]}}]}," + TEMPLATE.replace("Never", "OnFailure") + "}", List.of(
                        "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: "
                                + "must not be 0 for the In operator",
                        "spec.template.spec.restartPolicy: Invalid value: \"OnFailure\": only \"Never\" is supported "
                                + "when podFailurePolicy is specified")),
                new AppsAdmissionTest.Case("{'successPolicy':{'rules':[{'succeededCount':1}]}," + TEMPLATE + "}",
                        List.of("spec.successPolicy: Invalid value: batch.SuccessPolicy{...}: "
                                + "requires indexed completion mode")));
    }

    @ParameterizedTest
    @MethodSource("invalidJobs")
    void invalidJobsAreRefusedWithUpstreamsMessages(AppsAdmissionTest.Case c) {
        assertThat(invalidCauses(() -> admission.admitCreate(JOBS, job(c.spec())))).containsExactlyElementsOf(c.causes());
    }

    @Test
    void aJobsTemplateSelectorAndModeAreImmutable() {
        ObjectNode created = admission.admitCreate(JOBS, job("{" + TEMPLATE + "}"));
        ObjectNode changed = created.deepCopy();
        ((ObjectNode) changed.at("/spec/template/spec/containers/0")).put("image", "busybox:2");
        ((ObjectNode) changed.at("/spec")).put("completions", 2);

        assertThat(invalidCauses(() -> admission.admitUpdate(JOBS, created, changed, ""))).containsExactly(
                "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable",
                "spec.completions: Invalid value: 2: field is immutable");
    }

    @Test
    void aCronJobGetsItsDefaults() {
        ObjectNode created = admission.admitCreate(CRON_JOBS, cronJob("hello",
                "{'schedule':'*/1 * * * *','jobTemplate':{'spec':{" + TEMPLATE + "}}}"));

        assertThat(created.at("/spec/concurrencyPolicy").asText()).isEqualTo("Allow");
        assertThat(created.at("/spec/suspend").asBoolean(true)).isFalse();
        assertThat(created.at("/spec/successfulJobsHistoryLimit").asInt()).isEqualTo(3);
        assertThat(created.at("/spec/failedJobsHistoryLimit").asInt()).isEqualTo(1);
        assertThat(created.at("/spec/jobTemplate/spec/template/spec/dnsPolicy").asText()).isEqualTo("ClusterFirst");
        assertThat(created.at("/spec/jobTemplate/spec/backoffLimit").isMissingNode()).isTrue();
    }

    static Stream<AppsAdmissionTest.Case> invalidCronJobs() {
        String tail = ",'jobTemplate':{'spec':{" + TEMPLATE + "}}}";
        return Stream.of(
                new AppsAdmissionTest.Case("{'schedule':'61 * * * *'" + tail, List.of(
                        "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61")),
                new AppsAdmissionTest.Case("{'schedule':'TZ=Europe/Berlin 0 * * * *'" + tail, List.of(
                        "spec.schedule: Invalid value: \"TZ=Europe/Berlin 0 * * * *\": cannot use TZ or CRON_TZ in "
                                + "schedule, use timeZone field instead")),
                new AppsAdmissionTest.Case("{'schedule':'@hourly','timeZone':'Mars/Olympus'" + tail, List.of(
                        "spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus")),
                new AppsAdmissionTest.Case("{'schedule':'@hourly','concurrencyPolicy':'Sometimes'" + tail, List.of(
                        "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", "
                                + "\"Forbid\", \"Replace\"")));
    }

    @ParameterizedTest
    @MethodSource("invalidCronJobs")
    void invalidCronJobsAreRefusedWithUpstreamsMessages(AppsAdmissionTest.Case c) {
        assertThat(invalidCauses(() -> admission.admitCreate(CRON_JOBS, cronJob("hello", c.spec()))))
                .containsExactlyElementsOf(c.causes());
    }

    @Test
    void aCronJobNameLongerThan52CharactersIsRefused() {
        String name = "c".repeat(53);
        assertThat(invalidCauses(() -> admission.admitCreate(CRON_JOBS, cronJob(name,
                "{'schedule':'@daily','timeZone':'Europe/Berlin','jobTemplate':{'spec':{" + TEMPLATE + "}}}"))))
                .containsExactly("metadata.name: Invalid value: \"" + name + "\": must be no more than 52 characters");
    }
}
