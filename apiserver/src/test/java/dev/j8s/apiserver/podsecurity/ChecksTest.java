package dev.j8s.apiserver.podsecurity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ChecksTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String compact) {
        try {
            return MAPPER.readTree(compact.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(compact, e);
        }
    }

    private static String detail(String level, String metadata, String spec) {
        String[] parts = level.split(":");
        Policy.LevelVersion lv = new Policy.LevelVersion(Policy.Level.parse(parts[0]), Policy.Version.parse(parts[1]));
        return Checks.describe(Checks.evaluate(lv, json(metadata), json(spec)));
    }

    private static final String PRIVILEGED_POD = "{'hostNetwork':true,'hostPID':true,"
            + "'volumes':[{'name':'proc','hostPath':{'path':'/proc'}},{'name':'sys','hostPath':{'path':'/sys'}}],"
            + "'containers':[{'name':'node-exporter','image':'x','ports':[{'containerPort':9100,'hostPort':9100}],"
            + "'securityContext':{'privileged':true,'capabilities':{'add':['NET_ADMIN','NET_RAW']}}}]}";

    @Test
    void baselineViolationsAreListedInUpstreamsOrderAndWords() {
        assertThat(detail("baseline:latest", "{}", PRIVILEGED_POD)).isEqualTo(
                "non-default capabilities (container \"node-exporter\" must not include \"NET_ADMIN\", \"NET_RAW\" in"
                        + " securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true),"
                        + " hostPath volumes (volumes \"proc\", \"sys\"), hostPort (container \"node-exporter\" uses"
                        + " hostPort 9100), privileged (container \"node-exporter\" must not set"
                        + " securityContext.privileged=true)");
    }

    @Test
    void privilegedAllowsEverythingAndAPlainPodMeetsBaseline() {
        assertThat(detail("privileged:latest", "{}", PRIVILEGED_POD)).isEmpty();
        assertThat(detail("baseline:latest", "{}", "{'containers':[{'name':'c','image':'x'}]}")).isEmpty();
    }

    @Test
    void restrictedAddsItsChecksAfterTheBaselineOnesItDoesNotReplace() {
        assertThat(detail("restricted:v1.32", "{}", "{'volumes':[{'name':'h','hostPath':{'path':'/'}}],"
                + "'containers':[{'name':'app','image':'x','securityContext':{'privileged':true}}]}")).isEqualTo(
                "privileged (container \"app\" must not set securityContext.privileged=true),"
                        + " allowPrivilegeEscalation != false (container \"app\" must set"
                        + " securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container"
                        + " \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), restricted volume types"
                        + " (volume \"h\" uses restricted volume type \"hostPath\"), runAsNonRoot != true (pod or"
                        + " container \"app\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or"
                        + " container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or"
                        + " \"Localhost\")");
    }

    @Test
    void aRestrictedPodPassesRestricted() {
        assertThat(detail("restricted:latest", "{}", "{'securityContext':{'runAsNonRoot':true,"
                + "'seccompProfile':{'type':'RuntimeDefault'}},'volumes':[{'name':'v','emptyDir':{}}],"
                + "'containers':[{'name':'c','image':'x','securityContext':{'allowPrivilegeEscalation':false,"
                + "'capabilities':{'drop':['ALL'],'add':['NET_BIND_SERVICE']}}}]}")).isEmpty();
    }

    @Test
    void seccompSysctlsProcMountAndSeLinuxAreChecked() {
        assertThat(detail("baseline:latest", "{}", "{'securityContext':{'seccompProfile':{'type':'Unconfined'},"
                + "'sysctls':[{'name':'kernel.msgmax','value':'1'},{'name':'net.ipv4.tcp_rmem','value':'1'}],"
                + "'seLinuxOptions':{'type':'spc_t','user':'u'}},"
                + "'containers':[{'name':'c','image':'x','securityContext':{'procMount':'Unmasked'}}]}")).isEqualTo(
                "procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\"), seLinuxOptions"
                        + " (pod set forbidden securityContext.seLinuxOptions: type \"spc_t\"; user may not be set),"
                        + " seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\"),"
                        + " forbidden sysctls (kernel.msgmax)");
        assertThat(detail("baseline:v1.31", "{}", "{'securityContext':{'sysctls':"
                + "[{'name':'net.ipv4.tcp_rmem','value':'1'}]},'containers':[{'name':'c','image':'x'}]}"))
                .as("tcp_rmem is safe from policy v1.32 on").isEqualTo("forbidden sysctls (net.ipv4.tcp_rmem)");
    }

    @Test
    void versionsBefore119CheckTheSeccompAnnotations() {
        assertThat(detail("baseline:v1.18", "{'annotations':{'seccomp.security.alpha.kubernetes.io/pod':'unconfined'}}",
                "{'securityContext':{'seccompProfile':{'type':'Unconfined'}},'containers':[{'name':'c','image':'x'}]}"))
                .isEqualTo("seccompProfile (forbidden annotation"
                        + " seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")");
    }
}
