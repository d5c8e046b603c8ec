package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodSecurityAdmissionTest {

    private static final ResourceType PODS = type("pods");
    private static final ResourceType NAMESPACES = type("namespaces");
    private static final String PRIVILEGED = "{'containers':[{'name':'app','image':'busybox',"
            + "'securityContext':{'privileged':true}}]}";

    private final FakeLookup lookup = FakeLookup.withDefaultNamespace();
    private final Admission admission = new Admission(lookup, new ServiceIpAllocator("10.96.0.0/12"), Set.of(),
            new Random(7), AdmissionOptions.DEFAULT);

    private static ObjectNode pod(String namespace, String name, String spec) {
        return json("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'" + name + "','namespace':'" + namespace
                + "','uid':'u1','creationTimestamp':'2025-01-01T00:00:00Z'},'spec':" + spec + "}");
    }

    private void namespace(String name, String labels) {
        lookup.put("namespaces", "", json("{'metadata':{'name':'" + name + "','labels':{" + labels + "}},"
                + "'status':{'phase':'Active'}}"));
        lookup.put("serviceaccounts", name, json("{'metadata':{'name':'default','namespace':'" + name + "'}}"));
    }

    private List<String> warnings(Runnable request) {
        List<String> out = new ArrayList<>();
        Warnings.collecting(out::add, request);
        return out;
    }

    @Test
    void aPrivilegedPodInANamespaceEnforcingBaselineIsForbiddenWithUpstreamsMessage() {
        namespace("locked", "'pod-security.kubernetes.io/enforce':'baseline'");

        ApiError.Forbidden e = catchThrowableOfType(ApiError.Forbidden.class,
                () -> admission.admitCreate(PODS, pod("locked", "priv", PRIVILEGED)));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isEqualTo("pods \"priv\" is forbidden: violates PodSecurity \"baseline:latest\":"
                + " privileged (container \"app\" must not set securityContext.privileged=true)");
        assertThat(e.code()).isEqualTo(403);
    }

    @Test
    void aStatefulSetsPrivilegedTemplateIsAdmittedWithTheWarningWhereItsPodsWouldBeRefused() {
        namespace("locked", "'pod-security.kubernetes.io/enforce':'baseline'");
        ObjectNode set = json("{'apiVersion':'apps/v1','kind':'StatefulSet','metadata':{'name':'db','namespace':"
                + "'locked'},'spec':{'selector':{'matchLabels':{'app':'db'}},'serviceName':'db','template':{"
                + "'metadata':{'labels':{'app':'db'}},'spec':" + PRIVILEGED + "},'volumeClaimTemplates':[{'metadata':"
                + "{'name':'data'},'spec':{'accessModes':['ReadWriteOnce'],'resources':{'requests':"
                + "{'storage':'1Gi'}}}}]}}");

        List<String> warnings = warnings(() -> admission.admitCreate(type("apps", "statefulsets"), set));

        assertThat(warnings).containsExactly("would violate PodSecurity \"baseline:latest\": privileged (container"
                + " \"app\" must not set securityContext.privileged=true)");
    }

    @Test
    void anUnlabelledNamespaceWarnsBaselineByDefaultAndAdmitsThePod() {
        List<String> warnings = warnings(() -> admission.admitCreate(PODS, pod("default", "priv", PRIVILEGED)));

        assertThat(warnings).containsExactly("would violate PodSecurity \"baseline:latest\": privileged (container"
                + " \"app\" must not set securityContext.privileged=true)");
        assertThat(warnings(() -> admission.admitCreate(PODS, pod("default", "plain",
                "{'containers':[{'name':'app','image':'busybox'}]}")))).isEmpty();
    }

    @Test
    void labelsChooseTheWarnLevelAndVersion() {
        namespace("strict", "'pod-security.kubernetes.io/warn':'restricted','pod-security.kubernetes.io/warn-version':'v1.30'");

        assertThat(warnings(() -> admission.admitCreate(PODS, pod("strict", "plain",
                "{'containers':[{'name':'app','image':'busybox'}]}")))).containsExactly(
                "would violate PodSecurity \"restricted:v1.30\": allowPrivilegeEscalation != false (container \"app\""
                        + " must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities"
                        + " (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot !="
                        + " true (pod or container \"app\" must set securityContext.runAsNonRoot=true), seccompProfile"
                        + " (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\""
                        + " or \"Localhost\")");
    }

    @Test
    void aNamespaceWithAWrongLabelIsInvalid() {
        ApiError.Invalid e = catchThrowableOfType(ApiError.Invalid.class, () -> admission.admitCreate(NAMESPACES,
                json("{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'bad','uid':'u',"
                        + "'creationTimestamp':'2025-01-01T00:00:00Z',"
                        + "'labels':{'pod-security.kubernetes.io/enforce':'strict'}}}")));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isEqualTo("metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value:"
                + " \"strict\": must be one of privileged, baseline, restricted");
        assertThat(e.causes()).isEmpty();
    }

    @Test
    void aStricterEnforceLabelWarnsAboutThePodsAlreadyThere() {
        namespace("apps", "");
        lookup.put("pods", "apps", pod("apps", "b-priv", PRIVILEGED));
        lookup.put("pods", "apps", pod("apps", "a-priv", PRIVILEGED));
        lookup.put("pods", "apps", pod("apps", "host", "{'hostNetwork':true,'containers':[{'name':'c','image':'x'}]}"));
        ObjectNode old = lookup.get("namespaces", "", "apps").orElseThrow();
        old.put("apiVersion", "v1").put("kind", "Namespace");
        ((ObjectNode) old.get("metadata")).put("uid", "u").put("creationTimestamp", "2025-01-01T00:00:00Z")
                .put("resourceVersion", "1");
        ObjectNode labelled = old.deepCopy();
        ((ObjectNode) labelled.get("metadata").get("labels")).put("pod-security.kubernetes.io/enforce", "baseline");

        assertThat(warnings(() -> admission.admitUpdate(NAMESPACES, old, labelled, ""))).containsExactly(
                "existing pods in namespace \"apps\" violate the new PodSecurity enforce level \"baseline:latest\"",
                "a-priv (and 1 other pod): privileged",
                "host: host namespaces");
    }
}
