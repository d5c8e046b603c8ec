package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import dev.j8s.apiserver.errors.ApiError;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Defaulting, the registry strategies, validation and the storage admission plugins (DefaultStorageClass,
 * StorageObjectInUseProtection, PersistentVolumeClaimResize) of v1 PersistentVolumeClaims and PersistentVolumes and storage.k8s.io/v1
 * StorageClasses, worded as upstream's {@code pkg/apis/core/validation} ({@code ValidatePersistentVolume*}),
 * {@code pkg/apis/storage/validation} and {@code pkg/registry/core/persistentvolume*}. Stateless and thread-safe.
 */
final class StorageRules {

    static final String CLAIM = "PersistentVolumeClaim";
    static final String VOLUME = "PersistentVolume";
    static final String STORAGE_CLASS = "storage.k8s.io/StorageClass";
    static final List<String> KINDS = List.of(CLAIM, VOLUME, STORAGE_CLASS);
    /** The kinds with a status subresource whose status a main-resource update keeps. */
    static final List<String> WITH_STATUS = List.of(CLAIM, VOLUME);

    static final String PVC_PROTECTION = "kubernetes.io/pvc-protection";
    static final String PV_PROTECTION = "kubernetes.io/pv-protection";
    static final String DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
    private static final String BETA_DEFAULT_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class";
    private static final List<String> ACCESS_MODES = List.of("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce",
            "ReadWriteOncePod");
    private static final List<String> VOLUME_SOURCES = List.of("hostPath", "local", "nfs", "iscsi", "glusterfs",
            "rbd", "cephfs", "cinder", "fc", "flexVolume", "csi", "awsElasticBlockStore", "gcePersistentDisk",
            "azureFile", "azureDisk", "vsphereVolume", "quobyte", "flocker", "photonPersistentDisk", "portworxVolume",
            "scaleIO", "storageos");

    private StorageRules() {}

    // ---- defaults ---------------------------------------------------------------------------------------

    static void defaults(String kind, ObjectNode obj) {
        switch (kind) {
            case CLAIM -> claimSpecDefaults(Trees.objOrCreate(obj, "spec"));
            case VOLUME -> {
                ObjectNode spec = Trees.objOrCreate(obj, "spec");
                Trees.putIfAbsent(spec, "persistentVolumeReclaimPolicy", "Retain");
                Trees.putIfAbsent(spec, "volumeMode", "Filesystem");
            }
            case STORAGE_CLASS -> {
                Trees.putIfAbsent(obj, "reclaimPolicy", "Delete");
                Trees.putIfAbsent(obj, "volumeBindingMode", "Immediate");
            }
            default -> { }
        }
    }

    /** SetDefaults_PersistentVolumeClaimSpec, also applied to a StatefulSet's volumeClaimTemplates. */
    static void claimSpecDefaults(ObjectNode spec) {
        Trees.putIfAbsent(spec, "volumeMode", "Filesystem");
    }

    // ---- registry strategies and admission plugins ----------------------------------------------------

    /**
     * PrepareForCreate (the phase starts Pending), DefaultStorageClass (a claim without {@code storageClassName}
     * gets the default class, if there is one) and StorageObjectInUseProtection (the protection finalizers).
     *
     * @param defaultClass the name of the newest default StorageClass, read only for claims
     */
    static void prepareForCreate(String kind, ObjectNode obj, Supplier<Optional<String>> defaultClass) {
        switch (kind) {
            case CLAIM -> {
                ObjectNode spec = Trees.objOrCreate(obj, "spec");
                JsonNode className = spec.get("storageClassName");
                if (className == null || className.isNull()) {
                    defaultClass.get().ifPresent(name -> spec.put("storageClassName", name));
                }
                obj.putObject("status").put("phase", "Pending");
                addFinalizer(obj, PVC_PROTECTION);
            }
            case VOLUME -> {
                obj.putObject("status").put("phase", "Pending");
                addFinalizer(obj, PV_PROTECTION);
            }
            default -> { }
        }
    }

    /** Whether a StorageClass object is marked as the default (either annotation, {@code "true"}). */
    static boolean isDefaultClass(JsonNode storageClass) {
        JsonNode annotations = storageClass.path("metadata").path("annotations");
        return "true".equals(annotations.path(DEFAULT_CLASS_ANNOTATION).asText(""))
                || "true".equals(annotations.path(BETA_DEFAULT_CLASS_ANNOTATION).asText(""));
    }

    private static void addFinalizer(ObjectNode obj, String finalizer) {
        ObjectNode meta = Trees.objOrCreate(obj, "metadata");
        ArrayNode finalizers = meta.has("finalizers") && meta.get("finalizers").isArray()
                ? (ArrayNode) meta.get("finalizers") : meta.putArray("finalizers");
        for (JsonNode f : finalizers) {
            if (f.asText().equals(finalizer)) {
                return;
            }
        }
        finalizers.add(finalizer);
    }

    // ---- validation ---------------------------------------------------------------------------------------

    static void validate(String kind, ObjectNode obj, FieldErrors errs) {
        switch (kind) {
            case CLAIM -> claimSpec(Trees.obj(obj, "spec"), "spec", errs);
            case VOLUME -> volumeSpec(Trees.obj(obj, "spec"), errs);
            case STORAGE_CLASS -> storageClass(obj, errs);
            default -> { }
        }
    }

    static void validateUpdate(String kind, ObjectNode obj, ObjectNode old, FieldErrors errs) {
        validate(kind, obj, errs);
        switch (kind) {
            case CLAIM -> {
                // as ValidatePersistentVolumeClaimUpdate: volumeName may be set once; a bound claim may change its
                // requested storage and volumeAttributesClassName; nothing else of the spec
                ObjectNode spec = spec(obj).deepCopy();
                ObjectNode oldSpec = spec(old).deepCopy();
                if (Trees.str(oldSpec, "volumeName").isEmpty()) {
                    spec.remove("volumeName");
                    oldSpec.remove("volumeName");
                }
                boolean bound = phase(obj).equals("Bound");
                if (bound) {
                    JsonNode oldStorage = oldSpec.path("resources").path("requests").get("storage");
                    ObjectNode requests = Trees.objOrCreate(Trees.objOrCreate(spec, "resources"), "requests");
                    if (oldStorage == null) {
                        requests.remove("storage");
                    } else {
                        requests.set("storage", oldStorage.deepCopy());
                    }
                    spec.remove("volumeAttributesClassName"); // refused by the claim's own validation
                    oldSpec.remove("volumeAttributesClassName");
                }
                if (!TreeEquality.equal(spec, oldSpec)) {
                    errs.forbidden("spec", "spec is immutable after creation except resources.requests and "
                            + "volumeAttributesClassName for bound claims");
                }
                // RecoverVolumeExpansionFailure (beta, on in 1.32): a request may go down, never to the capacity
                Quantity newSize = storageRequest(obj);
                Quantity oldSize = storageRequest(old);
                Quantity capacity = Quantity.parse(Trees.obj(old, "status") == null ? ""
                        : Trees.obj(old, "status").path("capacity").path("storage").asText(""));
                if (newSize != null && oldSize != null && newSize.compareTo(oldSize) < 0
                        && (capacity == null || newSize.compareTo(capacity) <= 0)) {
                    errs.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity");
                }
            }
            case VOLUME -> {
                for (String source : VOLUME_SOURCES) {
                    if (!TreeEquality.equal(spec(obj).get(source), spec(old).get(source))) {
                        errs.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after"
                                + " creation");
                        break;
                    }
                }
                if (!TreeEquality.equal(spec(obj).get("nodeAffinity"), spec(old).get("nodeAffinity"))
                        && spec(old).has("nodeAffinity")) {
                    errs.invalid("nodeAffinity", new FieldErrors.Raw("core.VolumeNodeAffinity{...}"), MetaRules.IMMUTABLE);
                }
            }
            case STORAGE_CLASS -> {
                if (!TreeEquality.equal(obj.get("parameters"), old.get("parameters"))) {
                    errs.forbidden("parameters", "updates to parameters are forbidden.");
                }
                if (!Trees.str(obj, "provisioner").equals(Trees.str(old, "provisioner"))) {
                    errs.forbidden("provisioner", "updates to provisioner are forbidden.");
                }
                if (!Trees.str(obj, "reclaimPolicy").equals(Trees.str(old, "reclaimPolicy"))) {
                    errs.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden.");
                }
                if (!Trees.str(obj, "volumeBindingMode").equals(Trees.str(old, "volumeBindingMode"))) {
                    errs.invalid("volumeBindingMode", Trees.str(obj, "volumeBindingMode"), MetaRules.IMMUTABLE);
                }
            }
            default -> { }
        }
    }

    private static String phase(ObjectNode obj) {
        return Trees.obj(obj, "status") == null ? "" : Trees.str(Trees.obj(obj, "status"), "phase");
    }

    /** A claim's {@code spec.resources.requests.storage}, or null when missing or not a quantity. */
    private static Quantity storageRequest(ObjectNode claim) {
        return Quantity.parse(spec(claim).path("resources").path("requests").path("storage").asText(""));
    }

    /**
     * The PersistentVolumeClaimResize admission plugin, after validation: growing the storage request needs a
     * bound claim whose class allows expansion (upstream's messages); j8s expands no volume, so a class that
     * allows it is refused too rather than the request left unanswered.
     *
     * @param storageClass the named StorageClass, if stored
     * @throws ApiError.Forbidden when the claim may not grow
     */
    static void admitResize(ObjectNode claim, ObjectNode old, Function<String, Optional<ObjectNode>> storageClass) {
        Quantity newSize = storageRequest(claim);
        Quantity oldSize = storageRequest(old);
        if (newSize == null || oldSize == null || newSize.compareTo(oldSize) <= 0) {
            return;
        }
        String name = Trees.str(Trees.obj(claim, "metadata"), "name");
        if (!phase(old).equals("Bound")) {
            throw ApiError.Forbidden.of("persistentvolumeclaims", name,
                    "Only bound persistent volume claims can be expanded");
        }
        String className = Trees.str(spec(claim), "storageClassName");
        boolean sameClass = !className.isEmpty() && className.equals(Trees.str(spec(old), "storageClassName"));
        Optional<ObjectNode> found = sameClass ? storageClass.apply(className) : Optional.empty();
        if (found.isEmpty() || !found.get().path("allowVolumeExpansion").asBoolean(false)) {
            throw ApiError.Forbidden.of("persistentvolumeclaims", name, "only dynamically provisioned pvc can be"
                    + " resized and the storageclass that provisions the pvc must support resize");
        }
        throw ApiError.Forbidden.of("persistentvolumeclaims", name, "not supported by j8s: volumes of provisioner "
                + dev.j8s.apiserver.json.GoJson.quote(Trees.str(found.get(), "provisioner")) + " cannot be expanded");
    }

    /** The status checks: a known phase. */
    static void validateStatus(String kind, ObjectNode obj, FieldErrors errs) {
        String phase = Trees.str(Trees.obj(obj, "status"), "phase");
        List<String> phases = kind.equals(CLAIM) ? List.of("Bound", "Lost", "Pending")
                : List.of("Available", "Bound", "Failed", "Pending", "Released");
        if (!phase.isEmpty() && !phases.contains(phase)) {
            errs.notSupported("status.phase", phase, phases);
        }
    }

    private static ObjectNode spec(ObjectNode obj) {
        return Trees.obj(obj, "spec") == null ? obj.objectNode() : Trees.obj(obj, "spec");
    }

    /** ValidatePersistentVolumeClaimSpec at {@code path} (also a StatefulSet's claim templates). */
    static void claimSpec(ObjectNode spec, String path, FieldErrors errs) {
        if (spec == null) {
            spec = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        accessModes(spec, path + ".accessModes", errs);
        volumeAttributesClass(spec, path, errs);
        JsonNode storage = spec.path("resources").path("requests").get("storage");
        if (storage == null || storage.isNull()) {
            errs.required(path + ".resources[storage]", "");
        } else {
            Quantity q = Quantity.parse(storage.asText());
            if (q != null && q.value().signum() <= 0) {
                errs.invalid(path + ".resources[storage]", storage.asText(), "must be greater than zero");
            }
        }
        AppsRules.labelSelector(spec.get("selector"), path + ".selector", errs);
        volumeMode(spec, path + ".volumeMode", errs);
        String className = Trees.str(spec, "storageClassName");
        if (!className.isEmpty()) {
            errs.invalidAll(path + ".storageClassName", className,
                    dev.j8s.apiserver.validation.Syntax.dns1123Subdomain(className));
        }
    }

    /**
     * VolumeAttributesClasses (beta and off in 1.32, where the field would be dropped) are not served: a claim or
     * volume naming one is refused rather than stored without effect.
     */
    private static void volumeAttributesClass(ObjectNode spec, String path, FieldErrors errs) {
        JsonNode name = spec.get("volumeAttributesClassName");
        if (name != null && !name.isNull()) {
            errs.forbidden(path + ".volumeAttributesClassName",
                    "not supported by j8s: VolumeAttributesClasses are not served");
        }
    }

    private static void volumeSpec(ObjectNode given, FieldErrors errs) {
        ObjectNode spec = given == null ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode() : given;
        accessModes(spec, "spec.accessModes", errs);
        volumeAttributesClass(spec, "spec", errs);
        JsonNode storage = spec.path("capacity").get("storage");
        if (storage == null || storage.isNull()) {
            errs.required("spec.capacity", "");
        }
        String reclaim = Trees.str(spec, "persistentVolumeReclaimPolicy");
        if (!reclaim.isEmpty() && !List.of("Delete", "Recycle", "Retain").contains(reclaim)) {
            errs.notSupported("spec.persistentVolumeReclaimPolicy", reclaim, List.of("Delete", "Recycle", "Retain"));
        }
        volumeMode(spec, "spec.volumeMode", errs);
        List<String> sources = VOLUME_SOURCES.stream().filter(s -> Trees.has(spec, s)).toList();
        if (sources.isEmpty()) {
            errs.required("spec", "must specify a volume type");
        } else if (sources.size() > 1) {
            errs.forbidden("spec." + sources.get(1), "may not specify more than 1 volume type");
        }
        if (sources.contains("local")) {
            if (Trees.str(Trees.obj(spec, "local"), "path").isEmpty()) {
                errs.required("spec.local.path", "");
            }
            if (!Trees.has(spec, "nodeAffinity")) {
                errs.required("spec.nodeAffinity", "Local volume requires node affinity");
            }
        }
        if (sources.contains("hostPath") && Trees.str(Trees.obj(spec, "hostPath"), "path").isEmpty()) {
            errs.required("spec.hostPath.path", "");
        }
        String className = Trees.str(spec, "storageClassName");
        if (!className.isEmpty()) {
            errs.invalidAll("spec.storageClassName", className,
                    dev.j8s.apiserver.validation.Syntax.dns1123Subdomain(className));
        }
    }

    private static void storageClass(ObjectNode obj, FieldErrors errs) {
        String provisioner = Trees.str(obj, "provisioner");
        if (provisioner.isEmpty()) {
            errs.required("provisioner", "");
        } else {
            errs.invalidAll("provisioner", provisioner, dev.j8s.apiserver.validation.Syntax.qualifiedName(
                    provisioner.toLowerCase(java.util.Locale.ROOT)));
        }
        String reclaim = Trees.str(obj, "reclaimPolicy");
        if (!List.of("Delete", "Retain").contains(reclaim)) {
            errs.notSupported("reclaimPolicy", reclaim, List.of("Delete", "Retain"));
        }
        String mode = Trees.str(obj, "volumeBindingMode");
        if (!List.of("Immediate", "WaitForFirstConsumer").contains(mode)) {
            errs.notSupported("volumeBindingMode", mode, List.of("Immediate", "WaitForFirstConsumer"));
        }
    }

    private static void accessModes(ObjectNode spec, String path, FieldErrors errs) {
        List<String> modes = MetaRules.strings(spec.get("accessModes"));
        if (modes.isEmpty()) {
            errs.required(path, "at least 1 access mode is required");
        }
        for (String mode : modes) {
            if (!ACCESS_MODES.contains(mode)) {
                errs.notSupported(path, mode, ACCESS_MODES);
            }
        }
        if (modes.contains("ReadWriteOncePod") && modes.size() > 1) {
            errs.forbidden(path, "may not use ReadWriteOncePod with other access modes");
        }
    }

    private static void volumeMode(ObjectNode spec, String path, FieldErrors errs) {
        String mode = Trees.str(spec, "volumeMode");
        if (!mode.isEmpty() && !List.of("Block", "Filesystem").contains(mode)) {
            errs.notSupported(path, mode, List.of("Block", "Filesystem"));
        }
    }
}
