package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ServiceAccountAdmissionTest {

    private static final ResourceType PODS = type("pods");
    private static final String MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

    private static ObjectNode pod(String spec) {
        return json("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','namespace':'default','uid':'u1',"
                + "'creationTimestamp':'2025-01-01T00:00:00Z'},'spec':" + spec + "}");
    }

    private static ObjectNode create(FakeLookup lookup, String spec) {
        return admission(lookup).admitCreate(PODS, pod(spec));
    }

    @Test
    void everyContainerMountsTheKubeApiAccessVolumeReadOnly() {
        ObjectNode out = create(FakeLookup.withDefaultNamespace(), "{'initContainers':[{'name':'i','image':'b'}],"
                + "'containers':[{'name':'a','image':'b'},{'name':'c','image':'b'}]}");

        JsonNode volumes = out.at("/spec/volumes");
        assertThat(volumes).hasSize(1);
        String name = volumes.get(0).path("name").asText();
        assertThat(name).matches("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}");
        assertThat(volumes.get(0).path("projected").toString()).isEqualTo("{\"defaultMode\":420,\"sources\":["
                + "{\"serviceAccountToken\":{\"expirationSeconds\":3607,\"path\":\"token\"}},"
                + "{\"configMap\":{\"name\":\"kube-root-ca.crt\",\"items\":[{\"key\":\"ca.crt\",\"path\":\"ca.crt\"}]}},"
                + "{\"downwardAPI\":{\"items\":[{\"path\":\"namespace\",\"fieldRef\":{\"apiVersion\":\"v1\","
                + "\"fieldPath\":\"metadata.namespace\"}}]}}]}");
        for (String pointer : new String[] {"/spec/initContainers/0", "/spec/containers/0", "/spec/containers/1"}) {
            assertThat(out.at(pointer + "/volumeMounts").toString())
                    .isEqualTo("[{\"name\":\"" + name + "\",\"readOnly\":true,\"mountPath\":\"" + MOUNT + "\"}]");
        }
    }

    @Test
    void thePodsSettingWinsOverTheServiceAccountsAndTheDefaultIsToMount() {
        FakeLookup optOut = FakeLookup.withDefaultNamespace().put("serviceaccounts", "default",
                json("{'metadata':{'name':'quiet','namespace':'default'},'automountServiceAccountToken':false}"));
        assertThat(create(optOut, "{'serviceAccountName':'quiet','containers':[{'name':'a','image':'b'}]}")
                .at("/spec/volumes").isMissingNode()).isTrue();
        assertThat(create(optOut, "{'serviceAccountName':'quiet','automountServiceAccountToken':true,"
                + "'containers':[{'name':'a','image':'b'}]}").at("/spec/volumes")).hasSize(1);
        assertThat(create(FakeLookup.withDefaultNamespace(), "{'automountServiceAccountToken':false,"
                + "'containers':[{'name':'a','image':'b'}]}").at("/spec/volumes").isMissingNode()).isTrue();
    }

    @Test
    void aContainerWithItsOwnMountThereAndAnExistingVolumeAreKept() {
        ObjectNode out = create(FakeLookup.withDefaultNamespace(), "{'volumes':[{'name':'kube-api-access-mine',"
                + "'projected':{'sources':[]}},{'name':'own','emptyDir':{}}],'containers':[{'name':'a','image':'b',"
                + "'volumeMounts':[{'name':'own','mountPath':'" + MOUNT + "'}]},{'name':'c','image':'b'}]}");
        assertThat(out.at("/spec/volumes")).hasSize(2);
        assertThat(out.at("/spec/containers/0/volumeMounts")).hasSize(1);
        assertThat(out.at("/spec/containers/1/volumeMounts/0/name").asText()).isEqualTo("kube-api-access-mine");
    }

    @Test
    void theDefaultAccountOfANewNamespaceIsWaitedForAsUpstreamDoes() {
        FakeLookup withoutAccount = new FakeLookup().put("namespaces", "",
                json("{'metadata':{'name':'default'},'status':{'phase':'Active'}}"));
        AtomicInteger lookups = new AtomicInteger();
        Admission.Lookup appearsOnTheThirdLookup = new Admission.Lookup() {
            @Override
            public Optional<ObjectNode> get(String resource, String namespace, String name) {
                if (resource.equals("serviceaccounts") && lookups.incrementAndGet() >= 3) {
                    return FakeLookup.withDefaultNamespace().get(resource, namespace, name);
                }
                return withoutAccount.get(resource, namespace, name);
            }

            @Override
            public List<ObjectNode> list(String resource, String namespace) {
                return withoutAccount.list(resource, namespace);
            }
        };

        ObjectNode out = new Admission(appearsOnTheThirdLookup, new ServiceIpAllocator("10.96.0.0/12"),
                Set.of(), new Random(7)).admitCreate(PODS, pod("{'containers':[{'name':'a','image':'b'}]}"));

        assertThat(out.at("/spec/serviceAccountName").asText()).isEqualTo("default");
        assertThat(lookups.get()).isEqualTo(3);
        lookups.set(-100);
        assertThatThrownBy(() -> new Admission(appearsOnTheThirdLookup, new ServiceIpAllocator("10.96.0.0/12"),
                Set.of(), new Random(7)).admitCreate(PODS, pod("{'containers':[{'name':'a','image':'b'}]}")))
                .hasMessage("pods \"web\" is forbidden: error looking up service account default/default: serviceaccount"
                        + " \"default\" not found");
        assertThat(lookups.get()).isEqualTo(-90);
    }

    @Test
    void aMissingServiceAccountIsRefusedAndMirrorPodsReferenceNone() {
        assertThatThrownBy(() -> create(FakeLookup.withDefaultNamespace(), "{'serviceAccountName':'nope',"
                + "'containers':[{'name':'a','image':'b'}]}"))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("pods \"web\" is forbidden: error looking up service account default/nope: serviceaccount"
                        + " \"nope\" not found");
        ObjectNode mirror = json("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web','namespace':'default',"
                + "'annotations':{'kubernetes.io/config.mirror':'x'}},'spec':{'volumes':[{'name':'s','secret':"
                + "{'secretName':'db'}}],'containers':[{'name':'a','image':'b'}]}}");
        assertThatThrownBy(() -> admission(FakeLookup.withDefaultNamespace()).admitCreate(PODS, mirror))
                .hasMessage("pods \"web\" is forbidden: a mirror pod may not reference secrets");
    }

    @Test
    void aProjectedTokenIsDefaultedTo3600SecondsAndMayNotBeShorterThanTenMinutes() {
        ObjectNode out = create(FakeLookup.withDefaultNamespace(), "{'automountServiceAccountToken':false,"
                + "'volumes':[{'name':'t','projected':{'sources':[{'serviceAccountToken':{'path':'tok'}}]}}],"
                + "'containers':[{'name':'a','image':'b'}]}");
        assertThat(out.at("/spec/volumes/0/projected/sources/0/serviceAccountToken/expirationSeconds").asInt())
                .isEqualTo(3600);
        assertThat(AdmissionTestSupport.invalidCauses(() -> create(FakeLookup.withDefaultNamespace(),
                "{'volumes':[{'name':'t','projected':{'sources':[{'serviceAccountToken':{'path':'tok',"
                        + "'expirationSeconds':60}}]}}],'containers':[{'name':'a','image':'b'}]}")))
                .containsExactly("spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid"
                        + " value: 60: may not specify a duration less than 10 minutes");
    }
}
