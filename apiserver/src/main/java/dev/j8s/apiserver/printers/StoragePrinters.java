package dev.j8s.apiserver.printers;

import static dev.j8s.apiserver.printers.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The columns and rows of v1 PersistentVolumes and PersistentVolumeClaims and storage.k8s.io/v1 StorageClasses,
 * as upstream's printers.go registers them. Stateless and thread-safe.
 */
final class StoragePrinters {

    private StoragePrinters() {}

    private static final Column VOLUME_MODE = Column.string("VolumeMode",
            "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw "
                    + "block state. Value of Filesystem is implied when not included in spec.").wide();

    static final List<Column> PERSISTENT_VOLUMES = List.of(
            Column.nameColumn(),
            Column.string("Capacity", "capacity is the description of the persistent volume's resources and capacity."),
            Column.string("Access Modes", "accessModes contains all ways the volume can be mounted."),
            Column.string("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume "
                    + "when released from its claim."),
            Column.string("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
            Column.string("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and "
                    + "PersistentVolumeClaim."),
            Column.string("StorageClass", "StorageClass of the pv"),
            Column.string("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
            Column.string("Reason", "reason is a brief CamelCase string that describes any failure and is meant for "
                    + "machine parsing and tidy display in the CLI."),
            Column.age(),
            VOLUME_MODE);

    static final List<Column> PERSISTENT_VOLUME_CLAIMS = List.of(
            Column.nameColumn(),
            Column.string("Status", "phase represents the current phase of PersistentVolumeClaim."),
            Column.string("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
            Column.string("Capacity", "capacity represents the actual resources of the underlying volume."),
            Column.string("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has."),
            Column.string("StorageClass", "StorageClass of the pvc"),
            Column.string("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
            Column.age(),
            VOLUME_MODE);

    static final List<Column> STORAGE_CLASSES = List.of(
            Column.nameColumn(),
            Column.string("Provisioner", "provisioner indicates the type of the provisioner."),
            Column.string("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned "
                    + "PersistentVolumes of this storage class. Defaults to Delete."),
            Column.string("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be "
                    + "provisioned and bound.  When unset, VolumeBindingImmediate is used."),
            Column.string("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume "
                    + "expand."),
            Column.age());

    static Row persistentVolume(JsonNode pv, Instant now) {
        JsonNode spec = pv.path("spec");
        JsonNode claimRef = spec.path("claimRef");
        String claim = claimRef.isObject() ? text(claimRef, "namespace") + "/" + text(claimRef, "name") : "";
        return Row.of(Printers.name(pv), text(spec.path("capacity"), "storage"), accessModes(spec.path("accessModes")),
                text(spec, "persistentVolumeReclaimPolicy"), phase(pv), claim, text(spec, "storageClassName"),
                unset(text(spec, "volumeAttributesClassName")), text(pv.path("status"), "reason"),
                Printers.age(pv, now), unset(text(spec, "volumeMode")));
    }

    static Row persistentVolumeClaim(JsonNode pvc, Instant now) {
        JsonNode spec = pvc.path("spec");
        JsonNode status = pvc.path("status");
        String capacity = "";
        String modes = "";
        if (!text(spec, "volumeName").isEmpty()) {
            capacity = text(status.path("capacity"), "storage");
            modes = accessModes(status.path("accessModes"));
        }
        return Row.of(Printers.name(pvc), phase(pvc), text(spec, "volumeName"), capacity, modes,
                text(spec, "storageClassName"), unset(text(spec, "volumeAttributesClassName")), Printers.age(pvc, now),
                unset(text(spec, "volumeMode")));
    }

    static Row storageClass(JsonNode sc, Instant now) {
        String name = Printers.name(sc);
        JsonNode annotations = sc.path("metadata").path("annotations");
        if ("true".equals(annotations.path("storageclass.kubernetes.io/is-default-class").asText(""))
                || "true".equals(annotations.path("storageclass.beta.kubernetes.io/is-default-class").asText(""))) {
            name += " (default)";
        }
        String reclaim = text(sc, "reclaimPolicy");
        String mode = text(sc, "volumeBindingMode");
        return Row.of(name, text(sc, "provisioner"), reclaim.isEmpty() ? "Delete" : reclaim,
                mode.isEmpty() ? "Immediate" : mode, Boolean.toString(Nodes.bool(sc, "allowVolumeExpansion")),
                Printers.age(sc, now));
    }

    /** The phase, or {@code Terminating} once deletion started. */
    private static String phase(JsonNode o) {
        return o.path("metadata").hasNonNull("deletionTimestamp") ? "Terminating" : text(o.path("status"), "phase");
    }

    private static String unset(String s) {
        return s.isEmpty() ? "<unset>" : s;
    }

    /** GetAccessModesAsString: the short forms, in upstream's fixed order, comma-joined. */
    static String accessModes(JsonNode modes) {
        List<String> present = new ArrayList<>();
        modes.forEach(m -> present.add(m.asText()));
        List<String> out = new ArrayList<>();
        String[][] order = {{"ReadWriteOnce", "RWO"}, {"ReadOnlyMany", "ROX"}, {"ReadWriteMany", "RWX"},
                {"ReadWriteOncePod", "RWOP"}};
        for (String[] mode : order) {
            if (present.contains(mode[0])) {
                out.add(mode[1]);
            }
        }
        return String.join(",", out);
    }
}
