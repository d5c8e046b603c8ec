package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Hooks, probes, stop signals and sidecars in a pod spec, refused with upstream's causes. */
class LifecycleValidationTest {

    private static ObjectNode create(String spec) {
        return admission(FakeLookup.withDefaultNamespace()).admitCreate(type("pods"), json(
                "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','namespace':'default'},'spec':" + spec + "}"));
    }

    private static String container(String extra) {
        return "{'containers':[{'name':'a','image':'x'," + extra + "}]}";
    }

    record Rule(String spec, List<String> causes) {}

    static Stream<Rule> rules() {
        return Stream.of(
                new Rule(container("'lifecycle':{'postStart':{}}"),
                        List.of("spec.containers[0].lifecycle.postStart: Required value: must specify a handler type")),
                new Rule(container("'lifecycle':{'preStop':{'exec':{'command':['true']},'sleep':{'seconds':1}}}"),
                        List.of("spec.containers[0].lifecycle.preStop.sleep: Forbidden: may not specify more than 1 handler type")),
                new Rule(container("'lifecycle':{'postStart':{'exec':{}}}"),
                        List.of("spec.containers[0].lifecycle.postStart.exec.command: Required value")),
                new Rule(container("'lifecycle':{'preStop':{'sleep':{'seconds':31}}}"),
                        List.of("spec.containers[0].lifecycle.preStop.sleep: Invalid value: 31: must be greater than 0 "
                                + "and less than terminationGracePeriodSeconds (30)")),
                new Rule(container("'lifecycle':{'preStop':{'httpGet':{'port':0,'scheme':'FTP','httpHeaders':[{'name':'a b','value':'1'}]}}}"),
                        List.of("spec.containers[0].lifecycle.preStop.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
                                "spec.containers[0].lifecycle.preStop.httpGet.scheme: Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\"",
                                "spec.containers[0].lifecycle.preStop.httpGet.httpHeaders[0].name: Invalid value: \"a b\": a valid HTTP header "
                                        + "must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')")),
                new Rule(container("'lifecycle':{'stopSignal':'SIGUSR1'}"),
                        List.of("spec.containers[0].lifecycle.stopSignal: Forbidden: may not be set for containers with empty `spec.os.name`")),
                new Rule("{'os':{'name':'linux'}," + container("'lifecycle':{'stopSignal':'SIGFOO'}").substring(1),
                        List.of("spec.containers[0].lifecycle.stopSignal: Unsupported value: \"SIGFOO\": supported values: "
                                + String.join(", ", LifecycleValidation.LINUX_STOP_SIGNALS.stream().map(s -> "\"" + s + "\"").toList()))),
                new Rule(container("'livenessProbe':{'tcpSocket':{'port':'http-port-name-too-long'},'successThreshold':2}"),
                        List.of("spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: \"http-port-name-too-long\": must be no more than 15 characters",
                                "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1")),
                new Rule(container("'readinessProbe':{'grpc':{'port':70000},'terminationGracePeriodSeconds':5,'periodSeconds':-1}"),
                        List.of("spec.containers[0].readinessProbe.grpc.port: Invalid value: 70000: must be between 1 and 65535, inclusive",
                                "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
                                "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes")),
                new Rule(container("'startupProbe':{'exec':{'command':['true']},'terminationGracePeriodSeconds':0}"),
                        List.of("spec.containers[0].startupProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0")),
                new Rule(container("'restartPolicy':'Always'"),
                        List.of("spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers")),
                new Rule("{'initContainers':[{'name':'i','image':'x','restartPolicy':'OnFailure'}],'containers':[{'name':'a','image':'x'}]}",
                        List.of("spec.initContainers[0].restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\"")),
                new Rule("{'initContainers':[{'name':'i','image':'x','lifecycle':{'preStop':{'exec':{'command':['true']}}},"
                        + "'readinessProbe':{'exec':{'command':['true']}}}],'containers':[{'name':'a','image':'x'}]}",
                        List.of("spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always",
                                "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always")));
    }

    @ParameterizedTest
    @MethodSource("rules")
    void refusedWithUpstreamsCauses(Rule rule) {
        assertThat(invalidCauses(() -> create(rule.spec()))).containsExactlyElementsOf(rule.causes());
    }

    @Test
    void validHooksProbesStopSignalsAndSidecarsAreAcceptedWithProbeDefaults() {
        ObjectNode out = create("{'os':{'name':'linux'},'initContainers':[{'name':'side','image':'x','restartPolicy':'Always',"
                + "'startupProbe':{'tcpSocket':{'port':80}},'lifecycle':{'postStart':{'exec':{'command':['true']}}}}],"
                + "'containers':[{'name':'a','image':'x','ports':[{'name':'web','containerPort':8080}],"
                + "'lifecycle':{'postStart':{'httpGet':{'port':'web'}},'preStop':{'sleep':{'seconds':5}},'stopSignal':'SIGUSR1'},"
                + "'readinessProbe':{'httpGet':{'port':8080}},'livenessProbe':{'grpc':{'port':9000}}}]}");
        assertThat(out.at("/spec/containers/0/readinessProbe/periodSeconds").asInt()).isEqualTo(10);
        assertThat(out.at("/spec/containers/0/readinessProbe/httpGet/path").asText()).isEqualTo("/");
        assertThat(out.at("/spec/containers/0/lifecycle/postStart/httpGet/scheme").asText()).isEqualTo("HTTP");
        assertThat(out.at("/spec/containers/0/livenessProbe/grpc/service").asText()).isEmpty();
    }
}
