package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecurityContextAdmissionTest {

    private static final ResourceType PODS = type("pods");

    private static ObjectNode pod(String metadata, String spec) {
        return json("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','namespace':'default','uid':'u1',"
                + "'creationTimestamp':'2025-01-01T00:00:00Z'" + metadata + "},'spec':" + spec + "}");
    }

    private static ObjectNode create(HostFeatures host, String metadata, String spec) {
        return new Admission(FakeLookup.withDefaultNamespace(), new ServiceIpAllocator("10.96.0.0/12"), Set.of(),
                new Random(7), new AdmissionOptions(host, AdmissionOptions.POD_SECURITY_DEFAULTS)).admitCreate(PODS, pod(metadata, spec));
    }

    private static ObjectNode create(String spec) {
        return create(HostFeatures.NONE, "", spec);
    }

    @Test
    void securityContextsThisNodeHonoursAreAdmitted() {
        ObjectNode out = create("{'hostNetwork':true,'hostPID':true,"
                + "'securityContext':{'runAsUser':1000,'seccompProfile':{'type':'RuntimeDefault'},"
                + "'sysctls':[{'name':'kernel.shm_rmid_forced','value':'1'}]},"
                + "'containers':[{'name':'c','image':'busybox','ports':[{'containerPort':8080}],'securityContext':{"
                + "'privileged':true,'capabilities':{'add':['NET_ADMIN'],'drop':['ALL']},'readOnlyRootFilesystem':true,"
                + "'seccompProfile':{'type':'Localhost','localhostProfile':'audit.json'},'procMount':'Default',"
                + "'appArmorProfile':{'type':'Unconfined'}}}]}");

        assertThat(out.at("/spec/containers/0/ports/0/hostPort").asInt()).isEqualTo(8080);
    }

    @Test
    void sysctlsAreValidatedAsUpstreamWordsThem() {
        assertThat(invalidCauses(() -> create("{'hostNetwork':true,'securityContext':{'sysctls':["
                + "{'name':'net.ipv4.ip_unprivileged_port_start','value':'0'},{'name':'Bad_Name','value':'1'},"
                + "{'name':'kernel.msgmax','value':'1'},{'name':'kernel.msgmax','value':'2'},{'value':'3'}]},"
                + "'containers':[{'name':'c','image':'busybox'}]}"))).containsExactly(
                "spec.securityContext.sysctls[0].name: Invalid value: \"net.ipv4.ip_unprivileged_port_start\": may not"
                        + " be specified when 'hostNetwork' is true",
                "spec.securityContext.sysctls[1].name: Invalid value: \"Bad_Name\": must have at most 253 characters"
                        + " and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$",
                "spec.securityContext.sysctls[3].name: Duplicate value: \"kernel.msgmax\"",
                "spec.securityContext.sysctls[4].name: Required value");
    }

    @Test
    void seccompProfilesAreValidated() {
        assertThat(invalidCauses(() -> create("{'securityContext':{'seccompProfile':{'type':'Localhost'}},"
                + "'containers':[{'name':'c','image':'busybox','securityContext':{'seccompProfile':"
                + "{'type':'RuntimeDefault','localhostProfile':'x.json'}}},"
                + "{'name':'d','image':'busybox','securityContext':{'seccompProfile':"
                + "{'type':'Localhost','localhostProfile':'../x.json'}}},"
                + "{'name':'e','image':'busybox','securityContext':{'seccompProfile':{'type':'Strict'}}}]}")))
                .containsExactly(
                        "spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp"
                                + " type is Localhost",
                        "spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: \"x.json\":"
                                + " can only be set when seccomp type is Localhost",
                        "spec.containers[1].securityContext.seccompProfile.localhostProfile: Invalid value:"
                                + " \"../x.json\": must not contain '..'",
                        "spec.containers[2].securityContext.seccompProfile.type: Unsupported value: \"Strict\":"
                                + " supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\"");
    }

    @Test
    void contradictionsAreRefused() {
        assertThat(invalidCauses(() -> create("{'shareProcessNamespace':true,'hostPID':true,'hostNetwork':true,"
                + "'containers':[{'name':'c','image':'busybox','ports':[{'containerPort':80,'hostPort':8080}],"
                + "'securityContext':{'privileged':true,'allowPrivilegeEscalation':false,'runAsUser':-1}}]}")))
                .containsExactly(
                        "spec.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both"
                                + " be enabled",
                        "spec.containers[0].ports[0].containerPort: Invalid value: 80: must match `hostPort` when"
                                + " `hostNetwork` is true",
                        "spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and"
                                + " 2147483647, inclusive",
                        "spec.containers[0].securityContext: Invalid value: {\"privileged\":true,"
                                + "\"allowPrivilegeEscalation\":false,\"runAsUser\":-1}: cannot set"
                                + " `allowPrivilegeEscalation` to false and `privileged` to true");
    }

    @Test
    void whatThisNodeCannotGiveIsRefusedNamingTheField() {
        assertThat(invalidCauses(() -> create(HostFeatures.NONE,
                ",'annotations':{'container.apparmor.security.beta.kubernetes.io/c':'runtime/default'}",
                "{'hostUsers':false,'securityContext':{'appArmorProfile':{'type':'RuntimeDefault'},"
                        + "'seLinuxOptions':{'level':'s0:c123,c456'}},"
                        + "'containers':[{'name':'c','image':'busybox','securityContext':{'procMount':'Unmasked',"
                        + "'appArmorProfile':{'type':'Localhost','localhostProfile':'k8s-nginx'},"
                        + "'seLinuxOptions':{'type':'spc_t'}}}]}"))).containsExactly(
                "spec.hostUsers: Forbidden: this node cannot run pods in user namespaces: its container runtime (runc)"
                        + " lacks idmapped mounts",
                "spec.securityContext.appArmorProfile.type: Forbidden: Cannot enforce AppArmor: AppArmor is not"
                        + " enabled on the host",
                "spec.securityContext.seLinuxOptions: Forbidden: SELinux is not enabled on this node: the labels"
                        + " cannot be applied",
                "spec.containers[0].securityContext.procMount: Forbidden: an unmasked /proc needs a user namespace:"
                        + " this node cannot run pods in user namespaces: its container runtime (runc) lacks idmapped"
                        + " mounts",
                "spec.containers[0].securityContext.appArmorProfile.type: Forbidden: Cannot enforce AppArmor: AppArmor"
                        + " is not enabled on the host",
                "spec.containers[0].securityContext.seLinuxOptions: Forbidden: SELinux is not enabled on this node:"
                        + " the labels cannot be applied",
                "metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Forbidden: Cannot enforce"
                        + " AppArmor: AppArmor is not enabled on the host");
    }

    @Test
    void onAnAppArmorHostLocalhostProfilesAreAdmittedAndTheRuntimeDefaultIsNot() {
        HostFeatures appArmor = new HostFeatures(true, false, false);
        create(appArmor, "", "{'containers':[{'name':'c','image':'busybox','securityContext':{"
                + "'appArmorProfile':{'type':'Localhost','localhostProfile':'k8s-nginx'}}}]}");

        assertThat(invalidCauses(() -> create(appArmor, "", "{'containers':[{'name':'c','image':'busybox',"
                + "'securityContext':{'appArmorProfile':{'type':'RuntimeDefault'}}}]}"))).containsExactly(
                "spec.containers[0].securityContext.appArmorProfile.type: Forbidden: j8s loads no runtime default"
                        + " AppArmor profile: use type Localhost");
    }
}
