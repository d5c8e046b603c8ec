package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import org.junit.jupiter.api.Test;

/** Defaults, the storage admission plugins and validation of claims, volumes, classes and StatefulSets. */
class StorageAdmissionTest {

    private static final ResourceType CLAIMS = type("persistentvolumeclaims");
    private static final ResourceType VOLUMES = type("persistentvolumes");
    private static final ResourceType STATEFUL_SETS = type("apps", "statefulsets");

    private static final String CLAIM = "{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'data',"
            + "'namespace':'default'},'spec':{'accessModes':['ReadWriteOnce'],'resources':{'requests':{'storage':'1Gi'}}}}";

    private static FakeLookup withDefaultClass() {
        return FakeLookup.withDefaultNamespace().put("storageclasses.storage.k8s.io", "", json("{'metadata':{"
                + "'name':'local-path','annotations':{'storageclass.kubernetes.io/is-default-class':'true'}},"
                + "'provisioner':'rancher.io/local-path','volumeBindingMode':'WaitForFirstConsumer'}"));
    }

    @Test
    void aClaimWithoutAClassGetsTheDefaultOneThePendingPhaseAndTheProtectionFinalizer() {
        ObjectNode created = admission(withDefaultClass()).admitCreate(CLAIMS, json(CLAIM));

        assertThat(created.at("/spec/storageClassName").asText()).isEqualTo("local-path");
        assertThat(created.at("/spec/volumeMode").asText()).isEqualTo("Filesystem");
        assertThat(created.at("/status/phase").asText()).isEqualTo("Pending");
        assertThat(created.at("/metadata/finalizers/0").asText()).isEqualTo("kubernetes.io/pvc-protection");
    }

    @Test
    void anEmptyClassNameStaysEmptyAndNoDefaultClassLeavesItUnset() {
        ObjectNode explicit = json(CLAIM);
        ((ObjectNode) explicit.get("spec")).put("storageClassName", "");
        assertThat(admission(withDefaultClass()).admitCreate(CLAIMS, explicit).at("/spec/storageClassName").asText())
                .isEmpty();
        assertThat(admission(FakeLookup.withDefaultNamespace()).admitCreate(CLAIMS, json(CLAIM)).at("/spec")
                .has("storageClassName")).isFalse();
    }

    @Test
    void aClaimNeedsAccessModesAndAStorageRequestAndItsSpecIsImmutable() {
        Admission admission = admission(withDefaultClass());
        assertThat(invalidCauses(() -> admission.admitCreate(CLAIMS, json("{'metadata':{'name':'x','namespace':"
                + "'default'},'spec':{'accessModes':['ReadWriteSometimes']}}"))))
                .contains("spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values: "
                        + "\"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"",
                        "spec.resources[storage]: Required value");

        ObjectNode stored = admission.admitCreate(CLAIMS, json(CLAIM));
        ObjectNode changed = stored.deepCopy();
        ((ObjectNode) changed.get("spec")).putArray("accessModes").add("ReadWriteMany");
        assertThat(invalidCauses(() -> admission.admitUpdate(CLAIMS, stored, changed, "")))
                .contains("spec: Forbidden: spec is immutable after creation except resources.requests and "
                        + "volumeAttributesClassName for bound claims");

        ObjectNode bound = stored.deepCopy();
        ((ObjectNode) bound.get("spec")).put("volumeName", "pvc-1");
        assertThat(admission.admitUpdate(CLAIMS, stored, bound, "").at("/spec/volumeName").asText()).isEqualTo("pvc-1");
    }

    @Test
    void aVolumeAttributesClassIsRefusedOnClaimsVolumesAndClaimTemplates() {
        Admission admission = admission(withDefaultClass());
        ObjectNode claim = json(CLAIM);
        ((ObjectNode) claim.get("spec")).put("volumeAttributesClassName", "gold");
        String refused = "Forbidden: not supported by j8s: VolumeAttributesClasses are not served";
        assertThat(invalidCauses(() -> admission.admitCreate(CLAIMS, claim)))
                .containsExactly("spec.volumeAttributesClassName: " + refused);

        ObjectNode stored = admission.admitCreate(CLAIMS, json(CLAIM));
        ((ObjectNode) stored.get("status")).put("phase", "Bound");
        ObjectNode changed = stored.deepCopy();
        ((ObjectNode) changed.get("spec")).put("volumeAttributesClassName", "gold");
        assertThat(invalidCauses(() -> admission.admitUpdate(CLAIMS, stored, changed, "")))
                .containsExactly("spec.volumeAttributesClassName: " + refused);

        assertThat(invalidCauses(() -> admission.admitCreate(VOLUMES, json("{'metadata':{'name':'pv'},'spec':{"
                + "'accessModes':['ReadWriteOnce'],'capacity':{'storage':'1Gi'},'hostPath':{'path':'/srv'},"
                + "'volumeAttributesClassName':'gold'}}"))))
                .containsExactly("spec.volumeAttributesClassName: " + refused);
        ObjectNode set = json(SET);
        ((ObjectNode) set.at("/spec/volumeClaimTemplates/0/spec")).put("volumeAttributesClassName", "gold");
        assertThat(invalidCauses(() -> admission.admitCreate(STATEFUL_SETS, set)))
                .containsExactly("spec.volumeClaimTemplates[0].spec.volumeAttributesClassName: " + refused);
    }

    /** The claim as stored once bound to a volume of {@code capacity}, with {@code request} asked. */
    private static ObjectNode boundClaim(Admission admission, String request, String capacity) {
        ObjectNode claim = json(CLAIM);
        ((ObjectNode) claim.at("/spec/resources/requests")).put("storage", request);
        ObjectNode stored = admission.admitCreate(CLAIMS, claim);
        ((ObjectNode) stored.get("spec")).put("volumeName", "pvc-1");
        ((ObjectNode) stored.get("status")).put("phase", "Bound").putObject("capacity").put("storage", capacity);
        return stored;
    }

    private static ObjectNode requesting(ObjectNode claim, String storage) {
        ObjectNode changed = claim.deepCopy();
        ((ObjectNode) changed.at("/spec/resources/requests")).put("storage", storage);
        return changed;
    }

    @Test
    void growingABoundClaimIsRefusedAsUpstreamWhenItsClassDoesNotAllowExpansion() {
        Admission admission = admission(withDefaultClass());
        ObjectNode bound = boundClaim(admission, "1Gi", "1Gi");
        assertThatThrownBy(() -> admission.admitUpdate(CLAIMS, bound, requesting(bound, "2Gi"), ""))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("persistentvolumeclaims \"data\" is forbidden: only dynamically provisioned pvc can be "
                        + "resized and the storageclass that provisions the pvc must support resize");

        // a class that allows expansion: j8s still cannot grow the volume, and says so
        FakeLookup expandable = FakeLookup.withDefaultNamespace().put("storageclasses.storage.k8s.io", "", json(
                "{'metadata':{'name':'local-path'},'provisioner':'rancher.io/local-path','allowVolumeExpansion':true}"));
        assertThatThrownBy(() -> admission(expandable).admitUpdate(CLAIMS, bound, requesting(bound, "2Gi"), ""))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("persistentvolumeclaims \"data\" is forbidden: not supported by j8s: volumes of "
                        + "provisioner \"rancher.io/local-path\" cannot be expanded");

        // an unbound claim's request is part of its immutable spec
        ObjectNode pending = admission.admitCreate(CLAIMS, json(CLAIM));
        assertThat(invalidCauses(() -> admission.admitUpdate(CLAIMS, pending, requesting(pending, "2Gi"), "")))
                .containsExactly("spec: Forbidden: spec is immutable after creation except resources.requests and "
                        + "volumeAttributesClassName for bound claims");
    }

    @Test
    void aBoundClaimsRequestMayGoDownButNotToItsCapacity() {
        Admission admission = admission(withDefaultClass());
        ObjectNode bound = boundClaim(admission, "1Gi", "1Gi");
        assertThat(invalidCauses(() -> admission.admitUpdate(CLAIMS, bound, requesting(bound, "512Mi"), "")))
                .containsExactly("spec.resources.requests.storage: Forbidden: field can not be less than "
                        + "status.capacity");
        // recovering from a failed expansion: down from 4Gi towards the 1Gi it has
        ObjectNode asked = boundClaim(admission, "4Gi", "1Gi");
        assertThat(admission.admitUpdate(CLAIMS, asked, requesting(asked, "2Gi"), "")
                .at("/spec/resources/requests/storage").asText()).isEqualTo("2Gi");
        assertThat(admission.admitUpdate(CLAIMS, bound, requesting(bound, "1024Mi"), "")
                .at("/spec/resources/requests/storage").asText()).as("the same size").isEqualTo("1024Mi");
    }

    @Test
    void aVolumeNeedsOneSourceAndALocalOneNeedsNodeAffinity() {
        assertThat(invalidCauses(() -> admission(FakeLookup.withDefaultNamespace()).admitCreate(VOLUMES, json(
                "{'metadata':{'name':'pv'},'spec':{'accessModes':['ReadWriteOnce'],'capacity':{'storage':'1Gi'},"
                        + "'local':{'path':'/srv'}}}"))))
                .containsExactly("spec.nodeAffinity: Required value: Local volume requires node affinity");
        ObjectNode created = admission(FakeLookup.withDefaultNamespace()).admitCreate(VOLUMES, json(
                "{'metadata':{'name':'pv'},'spec':{'accessModes':['ReadWriteOnce'],'capacity':{'storage':'1Gi'},"
                        + "'hostPath':{'path':'/srv'}}}"));
        assertThat(created.at("/spec/persistentVolumeReclaimPolicy").asText()).isEqualTo("Retain");
        assertThat(created.at("/status/phase").asText()).isEqualTo("Pending");
        assertThat(created.at("/metadata/finalizers/0").asText()).isEqualTo("kubernetes.io/pv-protection");
    }

    private static final String SET = "{'apiVersion':'apps/v1','kind':'StatefulSet','metadata':{'name':'web',"
            + "'namespace':'default'},'spec':{'selector':{'matchLabels':{'app':'web'}},'serviceName':'web',"
            + "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'nginx',"
            + "'volumeMounts':[{'name':'www','mountPath':'/data'}]}]}},'volumeClaimTemplates':[{'metadata':"
            + "{'name':'www'},'spec':{'accessModes':['ReadWriteOnce'],'resources':{'requests':{'storage':'1Gi'}}}}]}}";

    @Test
    void aStatefulSetGetsUpstreamsDefaultsAndMayMountItsClaimTemplates() {
        ObjectNode created = admission(FakeLookup.withDefaultNamespace()).admitCreate(STATEFUL_SETS, json(SET));

        assertThat(created.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(created.at("/spec/podManagementPolicy").asText()).isEqualTo("OrderedReady");
        assertThat(created.at("/spec/updateStrategy")).isEqualTo(json("{'type':'RollingUpdate','rollingUpdate':"
                + "{'partition':0}}"));
        assertThat(created.at("/spec/revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(created.at("/spec/persistentVolumeClaimRetentionPolicy")).isEqualTo(json(
                "{'whenDeleted':'Retain','whenScaled':'Retain'}"));
        assertThat(created.at("/spec/volumeClaimTemplates/0/status/phase").asText()).isEqualTo("Pending");
        assertThat(created.at("/spec/volumeClaimTemplates/0/spec/volumeMode").asText()).isEqualTo("Filesystem");
    }

    @Test
    void aStatefulSetUpdateMayChangeOnlyTheFieldsUpstreamAllows() {
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        ObjectNode stored = admission.admitCreate(STATEFUL_SETS, json(SET));
        ObjectNode renamed = stored.deepCopy();
        ((ObjectNode) renamed.get("spec")).put("serviceName", "other");

        assertThat(invalidCauses(() -> admission.admitUpdate(STATEFUL_SETS, stored, renamed, "")))
                .containsExactly("spec: Forbidden: updates to statefulset spec for fields other than 'replicas', "
                        + "'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                        + "'minReadySeconds' are forbidden");
        ObjectNode scaled = stored.deepCopy();
        ((ObjectNode) scaled.get("spec")).put("replicas", 3);
        assertThat(admission.admitUpdate(STATEFUL_SETS, stored, scaled, "").at("/spec/replicas").asInt()).isEqualTo(3);
    }

    @Test
    void anUnknownPolicyOrStrategyIsRefusedAndMaxUnavailableIsNeverDropped() {
        ObjectNode bad = json(SET);
        ((ObjectNode) bad.get("spec")).put("podManagementPolicy", "Sometimes");
        ((ObjectNode) bad.get("spec")).putObject("updateStrategy").put("type", "RollingUpdate")
                .putObject("rollingUpdate").put("maxUnavailable", 2);
        assertThat(invalidCauses(() -> admission(FakeLookup.withDefaultNamespace()).admitCreate(STATEFUL_SETS, bad)))
                .containsExactly("spec.podManagementPolicy: Invalid value: \"Sometimes\": must be 'OrderedReady' or "
                                + "'Parallel'",
                        "spec.updateStrategy.rollingUpdate.maxUnavailable: Forbidden: maxUnavailable needs the "
                                + "MaxUnavailableStatefulSet feature, which this server does not enable");
    }
}
