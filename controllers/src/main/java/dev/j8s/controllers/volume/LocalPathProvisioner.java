package dev.j8s.controllers.volume;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The local-path provisioner as k3s ships it ({@code rancher.io/local-path}), run in process: a claim's volume is a
 * directory {@code <storage>/pvc-<uid>_<namespace>_<claim>} (mode 0777, the root 0700) on the node the scheduler
 * selected, published as a {@code local} PersistentVolume {@code pvc-<uid>} pinned to that node; deleting the
 * volume removes the directory. Stateless apart from the directory it owns; thread-safe.
 */
public final class LocalPathProvisioner {

    public static final String NAME = "rancher.io/local-path";
    public static final String STORAGE_CLASS = "local-path";
    static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";

    private final Path root;

    /** @param root where volumes are made ({@code <data>/storage}) */
    public LocalPathProvisioner(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /**
     * Creates {@link #defaultStorageClass} unless a class of its name exists, through {@code admin}: an identity
     * allowed to create StorageClasses, as k3s applies its manifests (no controller's role may).
     */
    public static void ensureDefaultStorageClass(KubeClient admin) {
        var classes = admin.resource(Kind.STORAGE_CLASSES);
        if (classes.get("", STORAGE_CLASS).isPresent()) {
            return;
        }
        try {
            classes.create(defaultStorageClass());
        } catch (ClusterException.AlreadyExists e) {
            // created concurrently
        }
    }

    /** The default StorageClass k3s installs: WaitForFirstConsumer, reclaim Delete, marked default. */
    public static StorageClass defaultStorageClass() {
        return new StorageClassBuilder()
                .withNewMetadata()
                .withName(STORAGE_CLASS)
                .withAnnotations(Map.of("storageclass.kubernetes.io/is-default-class", "true",
                        "defaultVolumeType", "local"))
                .endMetadata()
                .withProvisioner(NAME)
                .withReclaimPolicy("Delete")
                .withVolumeBindingMode("WaitForFirstConsumer")
                .build();
    }

    /** Why this provisioner cannot make a volume for the claim, or empty when it can. */
    static java.util.Optional<String> refusal(PersistentVolumeClaim claim) {
        for (String mode : claim.getSpec().getAccessModes()) {
            if (!mode.equals("ReadWriteOnce") && !mode.equals("ReadWriteOncePod")) {
                return java.util.Optional.of("NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes");
            }
        }
        if (claim.getSpec().getSelector() != null) {
            return java.util.Optional.of("claim.Spec.Selector is not supported");
        }
        if (claim.getSpec().getDataSource() != null || claim.getSpec().getDataSourceRef() != null) {
            return java.util.Optional.of("claim.Spec.DataSource is not supported");
        }
        if ("Block".equals(claim.getSpec().getVolumeMode())) {
            return java.util.Optional.of("volumeMode Block is not supported");
        }
        return java.util.Optional.empty();
    }

    /** The directory of a claim's volume. */
    Path directory(PersistentVolumeClaim claim) {
        return root.resolve("pvc-" + claim.getMetadata().getUid() + "_" + claim.getMetadata().getNamespace() + "_"
                + claim.getMetadata().getName());
    }

    /** Makes the claim's directory and returns the PersistentVolume to create for it, pre-bound to the claim. */
    PersistentVolume provision(PersistentVolumeClaim claim, StorageClass storageClass, String node) {
        Path dir = directory(claim);
        try {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir);
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            throw new UncheckedIOException("create volume directory " + dir, e);
        }
        Quantity size = claim.getSpec().getResources().getRequests().get("storage");
        return new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName("pvc-" + claim.getMetadata().getUid())
                .withAnnotations(Map.of(PROVISIONED_BY, NAME, "local.path.provisioner/selected-node", node))
                .endMetadata()
                .withNewSpec()
                .withCapacity(Map.of("storage", size))
                .withAccessModes(claim.getSpec().getAccessModes())
                .withPersistentVolumeReclaimPolicy(storageClass.getReclaimPolicy() == null ? "Delete"
                        : storageClass.getReclaimPolicy())
                .withStorageClassName(storageClass.getMetadata().getName())
                .withVolumeMode("Filesystem")
                .withClaimRef(new ObjectReferenceBuilder().withKind("PersistentVolumeClaim").withApiVersion("v1")
                        .withNamespace(claim.getMetadata().getNamespace()).withName(claim.getMetadata().getName())
                        .withUid(claim.getMetadata().getUid())
                        .withResourceVersion(claim.getMetadata().getResourceVersion()).build())
                .withNewLocal().withPath(dir.toString()).endLocal()
                .withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm()
                .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("kubernetes.io/hostname")
                        .withOperator("In").withValues(List.of(node)).build())
                .endNodeSelectorTerm().endRequired().endNodeAffinity()
                .endSpec()
                .build();
    }

    /** Whether this provisioner made the volume. */
    static boolean provisioned(PersistentVolume pv) {
        return pv.getMetadata().getAnnotations() != null
                && NAME.equals(pv.getMetadata().getAnnotations().get(PROVISIONED_BY));
    }

    /**
     * Removes a volume's directory (its content included, never following links out of it). Only a directory
     * {@code pvc-…} directly under the storage root is removed; anything else is refused.
     */
    void delete(PersistentVolume pv) {
        String path = pv.getSpec().getLocal() != null ? pv.getSpec().getLocal().getPath()
                : pv.getSpec().getHostPath() != null ? pv.getSpec().getHostPath().getPath() : "";
        Path dir = Path.of(path).toAbsolutePath().normalize();
        if (!root.equals(dir.getParent()) || !dir.getFileName().toString().startsWith("pvc-")) {
            throw new IllegalStateException("volume " + pv.getMetadata().getName() + " path " + path
                    + " is not a local-path volume under " + root);
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            // walk does not follow links: a link planted in the volume is removed, not its target
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("remove volume directory " + dir, e);
        }
    }
}
