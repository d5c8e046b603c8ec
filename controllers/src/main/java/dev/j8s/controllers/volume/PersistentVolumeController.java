package dev.j8s.controllers.volume;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.common.EventRecorder;
import dev.j8s.controllers.common.Hashes;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.common.Selectors;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.lang.System.Logger.Level;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The PV controller (upstream {@code pkg/controller/volume/persistentvolume}) with the protection controllers: binds
 * each unbound claim to a matching Available volume (a volume pre-bound to it first, else the smallest that fits),
 * or has the local-path provisioner make one once the scheduler selected a node for a {@code WaitForFirstConsumer}
 * claim; completes bindings made from either side; marks volumes whose claim is gone Released and reclaims them
 * ({@code Retain} keeps them, {@code Delete} removes the directory and the volume); and removes the
 * {@code kubernetes.io/pvc-protection} finalizer once no pod uses a deleted claim ({@code pv-protection} once a
 * deleted volume is no longer bound). Events are upstream's ({@code persistentvolume-controller}). Thread-safe.
 */
public final class PersistentVolumeController implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PersistentVolumeController.class.getName());
    static final String COMPONENT = "persistentvolume-controller";
    /** Upstream's service account of this controller ({@code kube-system/persistent-volume-binder}). */
    public static final String SERVICE_ACCOUNT = "persistent-volume-binder";
    static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";
    static final String STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
    static final String BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
    static final String BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
    static final String BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
    static final String PVC_PROTECTION = "kubernetes.io/pvc-protection";
    static final String PV_PROTECTION = "kubernetes.io/pv-protection";
    private static final String CLAIM = "claim:";
    private static final String VOLUME = "volume:";

    private final ResourceClient<PersistentVolumeClaim> claims;
    private final ResourceClient<PersistentVolume> volumes;
    private final SharedInformer<PersistentVolumeClaim> claimInformer;
    private final SharedInformer<PersistentVolume> volumeInformer;
    private final SharedInformer<StorageClass> classInformer;
    private final SharedInformer<Pod> podInformer;
    private final SharedInformer<io.fabric8.kubernetes.api.model.Node> nodeInformer;
    private final Clock clock;
    private final EventRecorder events;
    private final Optional<LocalPathProvisioner> provisioner;
    private final WorkQueue queue = new WorkQueue("persistentvolume", RateLimiter.defaults());
    private final ControllerLoop loop;

    /** @param provisioner the local-path provisioner, absent where this process has no storage directory */
    public PersistentVolumeController(KubeClient client, InformerFactory informers, Clock clock,
            Optional<LocalPathProvisioner> provisioner) {
        this.claims = client.resource(Kind.PERSISTENT_VOLUME_CLAIMS);
        this.volumes = client.resource(Kind.PERSISTENT_VOLUMES);
        this.claimInformer = informers.informer(Kind.PERSISTENT_VOLUME_CLAIMS);
        this.volumeInformer = informers.informer(Kind.PERSISTENT_VOLUMES);
        this.classInformer = informers.informer(Kind.STORAGE_CLASSES);
        this.podInformer = informers.informer(Kind.PODS);
        this.nodeInformer = informers.informer(Kind.NODES);
        this.clock = clock;
        this.events = new EventRecorder(client, COMPONENT, clock);
        this.provisioner = provisioner;
        this.loop = new ControllerLoop(COMPONENT, queue, this::sync, 2);
        claimInformer.addEventHandler(ResourceEventHandler.of(c -> queue.add(CLAIM + SharedInformer.key(c)),
                this::onClaimDeleted));
        volumeInformer.addEventHandler(ResourceEventHandler.of(this::onVolume, this::onVolume));
        podInformer.addEventHandler(ResourceEventHandler.of(this::onPod, this::onPod));
        classInformer.addEventHandler(ResourceEventHandler.of(sc -> enqueueUnboundClaims(), sc -> { }));
    }

    /** Something an unbound claim may be waiting for appeared (a class, a free volume): every unbound claim is retried. */
    private void enqueueUnboundClaims() {
        claimInformer.list().stream()
                .filter(c -> c.getSpec().getVolumeName() == null || c.getSpec().getVolumeName().isEmpty())
                .forEach(c -> queue.add(CLAIM + SharedInformer.key(c)));
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
        events.close();
    }

    /** A claim is gone: the volumes bound or reserved for it are released. */
    private void onClaimDeleted(PersistentVolumeClaim claim) {
        for (PersistentVolume pv : volumeInformer.list()) {
            ObjectReference ref = pv.getSpec().getClaimRef();
            if (ref != null && Objects.equals(ref.getNamespace(), claim.getMetadata().getNamespace())
                    && Objects.equals(ref.getName(), claim.getMetadata().getName())) {
                queue.add(VOLUME + pv.getMetadata().getName());
            }
        }
    }

    private void onVolume(PersistentVolume pv) {
        queue.add(VOLUME + pv.getMetadata().getName());
        ObjectReference ref = pv.getSpec().getClaimRef();
        if (ref != null) {
            queue.add(CLAIM + SharedInformer.key(ref.getNamespace(), ref.getName()));
        } else {
            // a free volume: a claim synced before the volume reached this cache would otherwise wait for a resync
            enqueueUnboundClaims();
        }
    }

    /** A pod came or went: the deleted claims it used may now lose their protection. */
    private void onPod(Pod pod) {
        for (String claim : claimNames(pod)) {
            queue.add(CLAIM + SharedInformer.key(pod.getMetadata().getNamespace(), claim));
        }
    }

    private static List<String> claimNames(Pod pod) {
        List<String> names = new ArrayList<>();
        for (Volume v : pod.getSpec().getVolumes()) {
            if (v.getPersistentVolumeClaim() != null) {
                names.add(v.getPersistentVolumeClaim().getClaimName());
            }
        }
        return names;
    }

    private void sync(String key) {
        if (key.startsWith(CLAIM)) {
            claimInformer.getByKey(key.substring(CLAIM.length())).ifPresent(c ->
                    syncClaim(Hashes.copy(c, PersistentVolumeClaim.class)));
        } else {
            volumeInformer.getByKey(key.substring(VOLUME.length())).ifPresent(v ->
                    syncVolume(Hashes.copy(v, PersistentVolume.class)));
        }
    }

    // ---- claims ----------------------------------------------------------------------------------------

    void syncClaim(PersistentVolumeClaim claim) {
        if (Owners.isDeleting(claim)) {
            releaseProtection(claim);
            return;
        }
        String volumeName = claim.getSpec().getVolumeName();
        if (volumeName == null || volumeName.isEmpty()) {
            syncUnboundClaim(claim);
        } else {
            syncBoundClaim(claim, volumeName);
        }
    }

    /** pvc-protection: a deleted claim keeps its finalizer while a pod that is not finished uses it. */
    private void releaseProtection(PersistentVolumeClaim claim) {
        List<String> finalizers = claim.getMetadata().getFinalizers();
        if (finalizers == null || !finalizers.contains(PVC_PROTECTION)) {
            return;
        }
        String name = claim.getMetadata().getName();
        boolean used = podInformer.list(claim.getMetadata().getNamespace()).stream()
                .anyMatch(p -> !Pods.isTerminal(p) && claimNames(p).contains(name));
        if (used) {
            return;
        }
        PersistentVolumeClaim copy = Hashes.copy(claim, PersistentVolumeClaim.class);
        List<String> kept = new ArrayList<>(finalizers);
        kept.remove(PVC_PROTECTION);
        copy.getMetadata().setFinalizers(kept);
        claims.update(copy);
    }

    private void syncUnboundClaim(PersistentVolumeClaim claim) {
        Optional<PersistentVolume> preBound = volumeInformer.list().stream()
                .filter(pv -> pv.getSpec().getClaimRef() != null && refersTo(pv.getSpec().getClaimRef(), claim))
                .findFirst();
        if (preBound.isPresent()) {
            bind(preBound.get(), claim);
            return;
        }
        String className = className(claim);
        Optional<StorageClass> storageClass = className.isEmpty() ? Optional.empty()
                : classInformer.get("", className);
        boolean delayed = storageClass.isPresent()
                && "WaitForFirstConsumer".equals(storageClass.get().getVolumeBindingMode());
        String node = annotation(claim, SELECTED_NODE);
        if (delayed && node.isEmpty()) {
            events.event(claim, EventRecorder.NORMAL, "WaitForFirstConsumer",
                    "waiting for first consumer to be created before binding");
            return;
        }
        Optional<PersistentVolume> match = findBestMatch(claim, node);
        if (match.isPresent()) {
            bind(match.get(), claim);
            return;
        }
        if (className.isEmpty()) {
            events.event(claim, EventRecorder.NORMAL, "FailedBinding",
                    "no persistent volumes available for this claim and no storage class is set");
            return;
        }
        if (storageClass.isEmpty()) {
            events.event(claim, EventRecorder.WARNING, "ProvisioningFailed",
                    "storageclass.storage.k8s.io \"" + className + "\" not found");
            return;
        }
        provision(claim, storageClass.get(), node);
    }

    private void provision(PersistentVolumeClaim claim, StorageClass storageClass, String node) {
        String name = storageClass.getProvisioner();
        if (!name.equals(annotation(claim, STORAGE_PROVISIONER))) {
            PersistentVolumeClaim copy = Hashes.copy(claim, PersistentVolumeClaim.class);
            Map<String, String> annotations = new HashMap<>(annotations(copy));
            annotations.put(STORAGE_PROVISIONER, name);
            annotations.put(BETA_STORAGE_PROVISIONER, name);
            copy.getMetadata().setAnnotations(annotations);
            claims.update(copy);
            return; // the update brings the claim back
        }
        if (!name.equals(LocalPathProvisioner.NAME) || provisioner.isEmpty()) {
            events.event(claim, EventRecorder.NORMAL, "ExternalProvisioning",
                    "Waiting for a volume to be created either by the external provisioner '" + name
                            + "' or manually by the system administrator. If volume creation is delayed, please verify"
                            + " that the provisioner is running and correctly registered.");
            return;
        }
        String claimKey = claim.getMetadata().getNamespace() + "/" + claim.getMetadata().getName();
        Optional<String> refusal = LocalPathProvisioner.refusal(claim);
        if (refusal.isPresent()) {
            events.event(claim, EventRecorder.WARNING, "ProvisioningFailed", "failed to provision volume with StorageClass \""
                    + storageClass.getMetadata().getName() + "\": " + refusal.get());
            return;
        }
        if (node.isEmpty()) {
            // an Immediate local-path class: the volume goes to the only node there is, this one
            node = provisionerNode();
        }
        events.event(claim, EventRecorder.NORMAL, "Provisioning",
                "External provisioner is provisioning volume for claim \"" + claimKey + "\"");
        PersistentVolume pv;
        try {
            pv = provisioner.get().provision(claim, storageClass, node);
        } catch (RuntimeException e) {
            events.event(claim, EventRecorder.WARNING, "ProvisioningFailed", "failed to provision volume with StorageClass \""
                    + storageClass.getMetadata().getName() + "\": " + e.getMessage());
            throw e;
        }
        LOG.log(Level.INFO, "created volume name=" + pv.getMetadata().getName() + " node=" + node + " path="
                + pv.getSpec().getLocal().getPath());
        try {
            volumes.create(pv);
        } catch (ClusterException.AlreadyExists exists) {
            // made by an earlier sync; it binds through its claimRef
        }
        events.event(claim, EventRecorder.NORMAL, "ProvisioningSucceeded",
                "Successfully provisioned volume " + pv.getMetadata().getName());
    }

    /** The node of a volume provisioned without a selected node (an Immediate class): the cluster's first node. */
    private String provisionerNode() {
        return nodeInformer.list().stream().map(n -> n.getMetadata().getName()).sorted().findFirst()
                .orElseThrow(() -> new IllegalStateException("no node to provision a volume on"));
    }

    private void syncBoundClaim(PersistentVolumeClaim claim, String volumeName) {
        Optional<PersistentVolume> found = volumeInformer.get("", volumeName);
        if (found.isEmpty()) {
            if (!"Lost".equals(phase(claim))) {
                setClaimPhase(claim, "Lost", null);
                events.event(claim, EventRecorder.WARNING, "ClaimLost",
                        "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
            }
            return;
        }
        PersistentVolume pv = found.get();
        ObjectReference ref = pv.getSpec().getClaimRef();
        if (ref == null) {
            bind(pv, claim); // a claim pre-bound to a volume by name
            return;
        }
        if (!refersTo(ref, claim) || ref.getUid() == null || !ref.getUid().equals(claim.getMetadata().getUid())) {
            if (ref.getUid() == null || ref.getUid().isEmpty()) {
                bind(pv, claim);
                return;
            }
            if (!"Lost".equals(phase(claim))) {
                setClaimPhase(claim, "Lost", null);
                events.event(claim, EventRecorder.WARNING, "ClaimMisbound",
                        "Two claims are bound to the same volume, this one is bound incorrectly");
            }
            return;
        }
        completeClaim(claim, pv);
    }

    // ---- volumes ---------------------------------------------------------------------------------------

    void syncVolume(PersistentVolume pv) {
        if (Owners.isDeleting(pv)) {
            List<String> finalizers = pv.getMetadata().getFinalizers();
            if (finalizers != null && finalizers.contains(PV_PROTECTION) && !"Bound".equals(phase(pv))) {
                PersistentVolume copy = Hashes.copy(pv, PersistentVolume.class);
                List<String> kept = new ArrayList<>(finalizers);
                kept.remove(PV_PROTECTION);
                copy.getMetadata().setFinalizers(kept);
                volumes.update(copy);
            }
            return;
        }
        ObjectReference ref = pv.getSpec().getClaimRef();
        if (ref == null) {
            setVolumePhase(pv, "Available", null);
            return;
        }
        Optional<PersistentVolumeClaim> claim = claimInformer.get(ref.getNamespace(), ref.getName());
        if (ref.getUid() == null || ref.getUid().isEmpty()) {
            setVolumePhase(pv, "Available", null); // pre-bound, waiting for its claim
            return;
        }
        if (claim.isPresent() && ref.getUid().equals(claim.get().getMetadata().getUid())) {
            if (claim.get().getSpec().getVolumeName() == null || claim.get().getSpec().getVolumeName().isEmpty()) {
                bind(pv, claim.get());
            } else {
                setVolumePhase(pv, "Bound", null);
            }
            return;
        }
        if (claim.isEmpty()) {
            // the cache may lag a claim just made: look at the API before releasing what it binds
            Optional<PersistentVolumeClaim> live = claims.get(ref.getNamespace(), ref.getName());
            if (live.isPresent() && ref.getUid().equals(live.get().getMetadata().getUid())) {
                return;
            }
        }
        reclaim(pv);
    }

    /** The claim is gone: the volume is Released, then kept (Retain) or deleted (Delete). */
    private void reclaim(PersistentVolume pv) {
        if (!"Released".equals(phase(pv)) && !"Failed".equals(phase(pv))) {
            pv = setVolumePhase(pv, "Released", null);
        }
        String policy = pv.getSpec().getPersistentVolumeReclaimPolicy();
        if ("Retain".equals(policy) || "Failed".equals(phase(pv))) {
            return;
        }
        if (!"Delete".equals(policy)) {
            setVolumePhase(pv, "Failed", "policy \"" + policy + "\" is not supported by j8s");
            events.event(pv, EventRecorder.WARNING, "VolumeFailedRecycle", "Recycle policy is not supported by j8s");
            return;
        }
        if (!LocalPathProvisioner.provisioned(pv) || provisioner.isEmpty()) {
            String message = "error getting deleter volume plugin for volume \"" + pv.getMetadata().getName()
                    + "\": no deletable volume plugin matched";
            setVolumePhase(pv, "Failed", message);
            events.event(pv, EventRecorder.WARNING, "VolumeFailedDelete", message);
            return;
        }
        try {
            provisioner.get().delete(pv);
        } catch (RuntimeException e) {
            events.event(pv, EventRecorder.WARNING, "VolumeFailedDelete", e.getMessage());
            throw e;
        }
        LOG.log(Level.INFO, "deleted volume name=" + pv.getMetadata().getName());
        try {
            volumes.delete("", pv.getMetadata().getName(), DeleteOptions.defaults().withUid(Owners.uid(pv)));
        } catch (ClusterException.NotFound gone) {
            // deleted meanwhile
        }
    }

    // ---- binding ---------------------------------------------------------------------------------------

    /** Binds both sides: the volume's claimRef and phase first, then the claim's volumeName and status. */
    private void bind(PersistentVolume pv, PersistentVolumeClaim claim) {
        ObjectReference ref = pv.getSpec().getClaimRef();
        if (ref == null || ref.getUid() == null || !ref.getUid().equals(claim.getMetadata().getUid())) {
            PersistentVolume copy = Hashes.copy(pv, PersistentVolume.class);
            copy.getSpec().setClaimRef(new ObjectReferenceBuilder().withKind("PersistentVolumeClaim").withApiVersion("v1")
                    .withNamespace(claim.getMetadata().getNamespace()).withName(claim.getMetadata().getName())
                    .withUid(claim.getMetadata().getUid()).withResourceVersion(claim.getMetadata().getResourceVersion())
                    .build());
            if (ref == null) {
                Map<String, String> annotations = new HashMap<>(annotations(copy));
                annotations.put(BOUND_BY_CONTROLLER, "yes");
                copy.getMetadata().setAnnotations(annotations);
            }
            pv = volumes.update(copy);
        }
        pv = setVolumePhase(pv, "Bound", null);
        if (claim.getSpec().getVolumeName() == null || claim.getSpec().getVolumeName().isEmpty()
                || !annotations(claim).containsKey(BIND_COMPLETED)) {
            PersistentVolumeClaim copy = Hashes.copy(claim, PersistentVolumeClaim.class);
            Map<String, String> annotations = new HashMap<>(annotations(copy));
            if (copy.getSpec().getVolumeName() == null || copy.getSpec().getVolumeName().isEmpty()) {
                copy.getSpec().setVolumeName(pv.getMetadata().getName());
                annotations.put(BOUND_BY_CONTROLLER, "yes");
            }
            annotations.put(BIND_COMPLETED, "yes");
            copy.getMetadata().setAnnotations(annotations);
            claim = claims.update(copy);
        }
        completeClaim(claim, pv);
    }

    /** The claim's status once bound: phase Bound with the volume's capacity and access modes. */
    private void completeClaim(PersistentVolumeClaim claim, PersistentVolume pv) {
        if (!annotations(claim).containsKey(BIND_COMPLETED)) {
            PersistentVolumeClaim copy = Hashes.copy(claim, PersistentVolumeClaim.class);
            Map<String, String> annotations = new HashMap<>(annotations(copy));
            annotations.put(BIND_COMPLETED, "yes");
            copy.getMetadata().setAnnotations(annotations);
            claim = claims.update(copy);
        }
        setClaimPhase(claim, "Bound", pv);
    }

    private void setClaimPhase(PersistentVolumeClaim claim, String phase, PersistentVolume pv) {
        PersistentVolumeClaimStatus status = claim.getStatus() == null ? new PersistentVolumeClaimStatus()
                : Hashes.copy(claim.getStatus(), PersistentVolumeClaimStatus.class);
        status.setPhase(phase);
        if (pv != null) {
            status.setCapacity(pv.getSpec().getCapacity());
            status.setAccessModes(pv.getSpec().getAccessModes());
        }
        if (Hashes.semanticallyEqual(status, claim.getStatus())) {
            return;
        }
        PersistentVolumeClaim copy = Hashes.copy(claim, PersistentVolumeClaim.class);
        copy.setStatus(status);
        claims.updateStatus(copy);
    }

    private PersistentVolume setVolumePhase(PersistentVolume pv, String phase, String message) {
        if (phase.equals(phase(pv)) && Objects.equals(message, pv.getStatus() == null ? null : pv.getStatus().getMessage())) {
            return pv;
        }
        PersistentVolume copy = Hashes.copy(pv, PersistentVolume.class);
        PersistentVolumeStatus status = copy.getStatus() == null ? new PersistentVolumeStatus() : copy.getStatus();
        status.setPhase(phase);
        status.setMessage(message);
        status.setLastPhaseTransitionTime(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        copy.setStatus(status);
        return volumes.updateStatus(copy);
    }

    /**
     * findBestMatchForClaim: the smallest Available, unclaimed volume of the claim's class whose capacity, access
     * modes, volume mode, selector and (for a delayed claim) node fit.
     */
    private Optional<PersistentVolume> findBestMatch(PersistentVolumeClaim claim, String node) {
        BigDecimal requested = bytes(claim.getSpec().getResources() == null ? null
                : claim.getSpec().getResources().getRequests().get("storage"));
        String className = className(claim);
        String mode = claim.getSpec().getVolumeMode() == null ? "Filesystem" : claim.getSpec().getVolumeMode();
        return volumeInformer.list().stream()
                .filter(pv -> pv.getSpec().getClaimRef() == null && !Owners.isDeleting(pv))
                .filter(pv -> "Available".equals(phase(pv)) || "Pending".equals(phase(pv)))
                .filter(pv -> className.equals(pv.getSpec().getStorageClassName() == null ? ""
                        : pv.getSpec().getStorageClassName()))
                .filter(pv -> pv.getSpec().getAccessModes().containsAll(claim.getSpec().getAccessModes()))
                .filter(pv -> mode.equals(pv.getSpec().getVolumeMode() == null ? "Filesystem" : pv.getSpec().getVolumeMode()))
                .filter(pv -> bytes(pv.getSpec().getCapacity() == null ? null : pv.getSpec().getCapacity().get("storage"))
                        .compareTo(requested) >= 0)
                .filter(pv -> claim.getSpec().getSelector() == null
                        || Selectors.matches(claim.getSpec().getSelector(), pv.getMetadata().getLabels()))
                .filter(pv -> node.isEmpty() || nodeAllowed(pv, node))
                .min(Comparator.comparing((PersistentVolume pv) -> bytes(pv.getSpec().getCapacity().get("storage"))));
    }

    private static boolean nodeAllowed(PersistentVolume pv, String node) {
        if (pv.getSpec().getNodeAffinity() == null || pv.getSpec().getNodeAffinity().getRequired() == null) {
            return true;
        }
        return pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms().stream().anyMatch(term ->
                term.getMatchExpressions().stream().allMatch(r -> !"kubernetes.io/hostname".equals(r.getKey())
                        || ("In".equals(r.getOperator()) == r.getValues().contains(node))));
    }

    private static BigDecimal bytes(Quantity q) {
        return q == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(q);
    }

    private static boolean refersTo(ObjectReference ref, PersistentVolumeClaim claim) {
        return Objects.equals(ref.getNamespace(), claim.getMetadata().getNamespace())
                && Objects.equals(ref.getName(), claim.getMetadata().getName())
                && (ref.getUid() == null || ref.getUid().isEmpty() || ref.getUid().equals(claim.getMetadata().getUid()));
    }

    private static String className(PersistentVolumeClaim claim) {
        return claim.getSpec().getStorageClassName() == null ? "" : claim.getSpec().getStorageClassName();
    }

    private static Map<String, String> annotations(io.fabric8.kubernetes.api.model.HasMetadata o) {
        return o.getMetadata().getAnnotations() == null ? Map.of() : o.getMetadata().getAnnotations();
    }

    private static String annotation(io.fabric8.kubernetes.api.model.HasMetadata o, String key) {
        return annotations(o).getOrDefault(key, "");
    }

    private static String phase(PersistentVolumeClaim claim) {
        return claim.getStatus() == null || claim.getStatus().getPhase() == null ? "" : claim.getStatus().getPhase();
    }

    private static String phase(PersistentVolume pv) {
        return pv.getStatus() == null || pv.getStatus().getPhase() == null ? "" : pv.getStatus().getPhase();
    }
}
