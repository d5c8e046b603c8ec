package dev.j8s.kubelet.volume;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimVolumeSource;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A {@code persistentVolumeClaim} volume (upstream's desired-state populator resolving claim to volume, then the
 * {@code local} and {@code hostPath} volume plugins): the claim must be Bound to a volume whose {@code claimRef}
 * points back at it; the directory the volume names is what containers mount. Stateless and thread-safe.
 */
public final class PersistentClaims {

    /** Where claims and volumes are read (the API, through a cache or not); thread-safe. */
    public interface Source {
        Optional<PersistentVolumeClaim> claim(String namespace, String name);

        Optional<PersistentVolume> volume(String name);
    }

    /** A source that knows no claim (a kubelet without API objects). */
    public static final Source NONE = new Source() {
        @Override
        public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public Optional<PersistentVolume> volume(String name) {
            return Optional.empty();
        }
    };

    /** A claim resolved to the directory of its volume. */
    public record Resolved(String volumeName, Path directory, boolean readOnly) {}

    private PersistentClaims() {}

    /**
     * Resolves the claim of a volume in {@code namespace} to its volume's directory.
     *
     * @throws VolumeException with upstream's wording ({@code error processing PVC ns/name: …}) while the claim
     *                         is missing, unbound, being deleted or bound to a volume that is not its own, and when
     *                         the volume is of a type j8s does not mount
     */
    public static Resolved resolve(String namespace, PersistentVolumeClaimVolumeSource source, Source claims) {
        String name = source.getClaimName();
        String key = namespace + "/" + name;
        PersistentVolumeClaim claim = claims.claim(namespace, name).orElseThrow(() -> new VolumeException(
                "error processing PVC " + key + ": failed to fetch PVC from API server: persistentvolumeclaims \""
                        + name + "\" not found"));
        if (claim.getMetadata().getDeletionTimestamp() != null) {
            throw new VolumeException("error processing PVC " + key + ": can't start pod because PVC " + key
                    + " is being deleted");
        }
        String phase = claim.getStatus() == null || claim.getStatus().getPhase() == null ? ""
                : claim.getStatus().getPhase();
        String volumeName = claim.getSpec().getVolumeName() == null ? "" : claim.getSpec().getVolumeName();
        if (!"Bound".equals(phase) || volumeName.isEmpty()) {
            throw new VolumeException("error processing PVC " + key + ": PVC " + key + " has non-bound phase (\""
                    + phase + "\") or empty pvc.Spec.VolumeName (\"" + volumeName + "\")");
        }
        PersistentVolume pv = claims.volume(volumeName).orElseThrow(() -> new VolumeException(
                "error processing PVC " + key + ": failed to fetch PV " + volumeName + " from API server: "
                        + "persistentvolumes \"" + volumeName + "\" not found"));
        String refUid = pv.getSpec().getClaimRef() == null ? "" : pv.getSpec().getClaimRef().getUid();
        if (!claim.getMetadata().getUid().equals(refUid)) {
            throw new VolumeException("error processing PVC " + key + ": found PV object \"" + volumeName
                    + "\" but its pv.Spec.ClaimRef.UID (" + refUid + ") does not point to claim.UID ("
                    + claim.getMetadata().getUid() + ")");
        }
        String path;
        if (pv.getSpec().getLocal() != null) {
            path = pv.getSpec().getLocal().getPath();
        } else if (pv.getSpec().getHostPath() != null) {
            path = pv.getSpec().getHostPath().getPath();
        } else {
            throw new VolumeException("MountVolume.NewMounter initialization failed for volume \"" + volumeName
                    + "\" : the volume's type is not supported by j8s yet (local and hostPath are)");
        }
        Path dir = Path.of(path);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new VolumeException("MountVolume.NewMounter initialization failed for volume \"" + volumeName
                    + "\" : path \"" + path + "\" does not exist");
        }
        return new Resolved(volumeName, dir, Boolean.TRUE.equals(source.getReadOnly()));
    }
}
