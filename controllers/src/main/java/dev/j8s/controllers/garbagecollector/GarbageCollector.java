package dev.j8s.controllers.garbagecollector;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.PatchType;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The garbage collector (upstream's pkg/controller/garbagecollector), over one informer per collected kind, each
 * indexed by the uids of its objects' owners (the ownership graph). Thread-safe.
 *
 * <p>An object is looked at ({@code attemptToDelete}) when one of its owners goes away or starts a foreground
 * deletion, or when it appears with an owner the caches do not know. Its owners are then read live from the API:
 * an owner that is absent or has another uid is <em>dangling</em>, one deleting in the foreground is
 * <em>waiting</em>, any other is <em>solid</em>. With a solid owner left, dangling references are removed and
 * waiting ones stop blocking; without one, the object is deleted (in the foreground when a waiting owner needs
 * its own dependents gone first). An owner deleting in the foreground keeps its {@code foregroundDeletion}
 * finalizer until no dependent with {@code blockOwnerDeletion} is left; one deleted with the orphan policy first
 * loses its references from every dependent, then its {@code orphan} finalizer.
 */
public final class GarbageCollector implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(GarbageCollector.class.getName());
    /** Upstream's service account of the garbage collector ({@code kube-system/generic-garbage-collector}). */
    public static final String SERVICE_ACCOUNT = "generic-garbage-collector";
    static final String OWNER_INDEX = "ownerUid";
    static final String FOREGROUND = "foregroundDeletion";
    static final String ORPHAN = "orphan";
    private static final String DELETE = "delete";
    private static final String ORPHAN_TASK = "orphan";

    private final KubeClient client;
    private final Map<String, Kind<?>> kinds = new LinkedHashMap<>();
    private final Map<Kind<?>, SharedInformer<?>> informers = new LinkedHashMap<>();
    private final WorkQueue queue = new WorkQueue("garbagecollector", RateLimiter.defaults());
    private final ControllerLoop loop;

    public GarbageCollector(KubeClient client, InformerFactory factory, List<Kind<?>> collected, int workers) {
        this.client = client;
        for (Kind<?> kind : collected) {
            kinds.put(kind.toString(), kind);
            informers.put(kind, watch(factory, kind));
        }
        this.loop = new ControllerLoop("garbagecollector", queue, this::sync, workers);
    }

    private <T extends HasMetadata> SharedInformer<T> watch(InformerFactory factory, Kind<T> kind) {
        SharedInformer<T> informer = factory.informer(kind);
        if (!informer.hasIndexer(OWNER_INDEX)) {
            informer.addIndexer(OWNER_INDEX, o -> Owners.references(o).stream().map(OwnerReference::getUid).toList());
        }
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                changed(kind, null, object);
            }

            @Override
            public void onUpdate(T old, T object) {
                changed(kind, old, object);
            }

            @Override
            public void onDelete(T object) {
                deleted(kind, object);
            }
        });
        return informer;
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
    }

    // ---- the graph's changes --------------------------------------------------------------------------

    /** Who an object is: its kind and key, and its uid (a new object with the same name is someone else). */
    record Identity(Kind<?> kind, String namespace, String name, String uid) {
        String key(String task) {
            return String.join("\u0000", task, kind.toString(), namespace, name, uid);
        }
    }

    private static Identity identity(Kind<?> kind, HasMetadata o) {
        return new Identity(kind, SharedInformer.namespace(o), o.getMetadata().getName(), Owners.uid(o));
    }

    private void changed(Kind<?> kind, HasMetadata old, HasMetadata object) {
        if (old != null && java.util.Objects.equals(old.getMetadata().getResourceVersion(),
                object.getMetadata().getResourceVersion())) {
            return; // a resync: the graph did not change
        }
        Identity id = identity(kind, object);
        if (Owners.isDeleting(object)) {
            if (hasFinalizer(object, ORPHAN)) {
                queue.add(id.key(ORPHAN_TASK));
            }
            if (hasFinalizer(object, FOREGROUND)) {
                queue.add(id.key(DELETE));
                if (old == null || !hasFinalizer(old, FOREGROUND) || !Owners.isDeleting(old)) {
                    dependents(Owners.uid(object)).forEach(d -> queue.add(d.key(DELETE)));
                }
            }
        }
        if (!Owners.references(object).isEmpty() && needsVerification(object)) {
            queue.add(id.key(DELETE));
        }
    }

    private void deleted(Kind<?> kind, HasMetadata object) {
        dependents(Owners.uid(object)).forEach(d -> queue.add(d.key(DELETE)));
        for (OwnerReference ref : Owners.references(object)) {
            ownerInCache(object, ref).filter(owner -> Owners.isDeleting(owner) && hasFinalizer(owner, FOREGROUND))
                    .ifPresent(owner -> queue.add(identity(kindOf(ref).orElseThrow(), owner).key(DELETE)));
        }
    }

    /** Whether some owner is unknown to the caches or deleting in the foreground: worth a live look. */
    private boolean needsVerification(HasMetadata object) {
        for (OwnerReference ref : Owners.references(object)) {
            if (kindOf(ref).isEmpty()) {
                continue; // a kind we do not follow: treated as present
            }
            Optional<HasMetadata> owner = ownerInCache(object, ref);
            if (owner.isEmpty() || Owners.isDeleting(owner.get()) && hasFinalizer(owner.get(), FOREGROUND)) {
                return true;
            }
        }
        return false;
    }

    private Optional<Kind<?>> kindOf(OwnerReference ref) {
        return Kind.of(ref.getApiVersion(), ref.getKind()).filter(informers::containsKey);
    }

    private Optional<HasMetadata> ownerInCache(HasMetadata dependent, OwnerReference ref) {
        return kindOf(ref).flatMap(kind -> {
            String ns = kind.namespaced() ? SharedInformer.namespace(dependent) : "";
            return informers.get(kind).get(ns, ref.getName()).map(o -> (HasMetadata) o)
                    .filter(o -> Owners.uid(o).equals(ref.getUid()));
        });
    }

    /** The cached objects that name {@code uid} as an owner, with their references to it. */
    private List<Identity> dependents(String uid) {
        List<Identity> out = new ArrayList<>();
        informers.forEach((kind, informer) -> {
            for (Object o : informer.byIndex(OWNER_INDEX, uid)) {
                out.add(identity(kind, (HasMetadata) o));
            }
        });
        return out;
    }

    private boolean hasBlockingDependents(String uid) {
        for (SharedInformer<?> informer : informers.values()) {
            for (Object o : informer.byIndex(OWNER_INDEX, uid)) {
                for (OwnerReference ref : Owners.references((HasMetadata) o)) {
                    if (uid.equals(ref.getUid()) && Boolean.TRUE.equals(ref.getBlockOwnerDeletion())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean hasFinalizer(HasMetadata o, String finalizer) {
        List<String> finalizers = o.getMetadata().getFinalizers();
        return finalizers != null && finalizers.contains(finalizer);
    }

    // ---- work -------------------------------------------------------------------------------------------

    private void sync(String key) {
        String[] parts = key.split("\u0000", -1);
        Kind<?> kind = kinds.get(parts[1]);
        Identity id = new Identity(kind, parts[2], parts[3], parts[4]);
        if (parts[0].equals(ORPHAN_TASK)) {
            orphanDependents(id);
        } else {
            attemptToDelete(id);
        }
    }

    private <T extends HasMetadata> Optional<HasMetadata> live(Kind<T> kind, String namespace, String name) {
        return client.resource(kind).get(namespace, name).map(o -> (HasMetadata) o);
    }

    private void attemptToDelete(Identity id) {
        Optional<HasMetadata> latest = live(id.kind(), id.namespace(), id.name());
        if (latest.isEmpty() || !Owners.uid(latest.get()).equals(id.uid())) {
            return;
        }
        HasMetadata object = latest.get();
        if (Owners.isDeleting(object)) {
            if (hasFinalizer(object, FOREGROUND)) {
                processDeletingDependents(id, object);
            }
            return;
        }
        List<OwnerReference> refs = Owners.references(object);
        if (refs.isEmpty()) {
            return;
        }
        List<OwnerReference> solid = new ArrayList<>();
        List<OwnerReference> dangling = new ArrayList<>();
        List<OwnerReference> waiting = new ArrayList<>();
        for (OwnerReference ref : refs) {
            Optional<Kind<?>> ownerKind = kindOf(ref);
            if (ownerKind.isEmpty()) {
                solid.add(ref); // not followed here: never a reason to delete
                continue;
            }
            if (ownerKind.get().namespaced() && id.namespace().isEmpty()) {
                dangling.add(ref); // a cluster-scoped object cannot be owned by a namespaced one
                continue;
            }
            String ns = ownerKind.get().namespaced() ? id.namespace() : "";
            Optional<HasMetadata> owner = live(ownerKind.get(), ns, ref.getName());
            if (owner.isEmpty() || !Owners.uid(owner.get()).equals(ref.getUid())) {
                dangling.add(ref);
            } else if (Owners.isDeleting(owner.get()) && hasFinalizer(owner.get(), FOREGROUND)) {
                waiting.add(ref);
            } else {
                solid.add(ref);
            }
        }
        if (!solid.isEmpty()) {
            if (!dangling.isEmpty() || !waiting.isEmpty()) {
                keepOnlyLiveOwners(id, object, dangling, waiting);
            }
            return;
        }
        if (!waiting.isEmpty() && !dependents(id.uid()).isEmpty()) {
            // its own dependents must go before it, so the waiting owner can go
            delete(id, DeleteOptions.Propagation.FOREGROUND);
            return;
        }
        DeleteOptions.Propagation policy = hasFinalizer(object, ORPHAN) ? DeleteOptions.Propagation.ORPHAN
                : hasFinalizer(object, FOREGROUND) ? DeleteOptions.Propagation.FOREGROUND
                : DeleteOptions.Propagation.BACKGROUND;
        delete(id, policy);
    }

    private void delete(Identity id, DeleteOptions.Propagation policy) {
        LOG.log(Level.DEBUG, "deleting object whose owners are gone kind={0} object={1}/{2} propagation={3}",
                id.kind(), id.namespace(), id.name(), policy.value());
        try {
            client.resource(id.kind()).delete(id.namespace(), id.name(),
                    DeleteOptions.propagation(policy).withUid(id.uid()));
        } catch (ClusterException.NotFound | ClusterException.Conflict gone) {
            // gone already, or the name now belongs to another object
        }
    }

    /** Drops dangling references and makes waiting ones non-blocking, in one patch of the whole list. */
    private void keepOnlyLiveOwners(Identity id, HasMetadata object, List<OwnerReference> dangling,
                                    List<OwnerReference> waiting) {
        List<String> danglingUids = dangling.stream().map(OwnerReference::getUid).toList();
        List<String> waitingUids = waiting.stream().map(OwnerReference::getUid).toList();
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode meta = patch.putObject("metadata");
        meta.put("uid", id.uid());
        meta.put("resourceVersion", object.getMetadata().getResourceVersion());
        ArrayNode refs = meta.putArray("ownerReferences");
        for (OwnerReference ref : Owners.references(object)) {
            if (danglingUids.contains(ref.getUid())) {
                continue;
            }
            ObjectNode r = refs.addObject();
            r.put("apiVersion", ref.getApiVersion()).put("kind", ref.getKind()).put("name", ref.getName())
                    .put("uid", ref.getUid());
            if (ref.getController() != null) {
                r.put("controller", ref.getController());
            }
            if (waitingUids.contains(ref.getUid())) {
                r.put("blockOwnerDeletion", false);
            } else if (ref.getBlockOwnerDeletion() != null) {
                r.put("blockOwnerDeletion", ref.getBlockOwnerDeletion());
            }
        }
        try {
            patch(id.kind(), id.namespace(), id.name(), patch.toString());
        } catch (ClusterException.NotFound gone) {
            // gone meanwhile
        }
    }

    private <T extends HasMetadata> void patch(Kind<T> kind, String namespace, String name, String mergePatch) {
        client.resource(kind).patch(namespace, name, PatchType.MERGE, mergePatch);
    }

    /** An owner deleting in the foreground: its finalizer goes once no blocking dependent is left. */
    private void processDeletingDependents(Identity id, HasMetadata owner) {
        if (!hasBlockingDependents(id.uid())) {
            removeFinalizer(id, owner, FOREGROUND);
            return;
        }
        for (Identity dependent : dependents(id.uid())) {
            queue.add(dependent.key(DELETE));
        }
    }

    /** The orphan policy: every dependent loses its reference to the owner, then the owner its finalizer. */
    private void orphanDependents(Identity id) {
        Optional<HasMetadata> latest = live(id.kind(), id.namespace(), id.name());
        if (latest.isEmpty() || !Owners.uid(latest.get()).equals(id.uid()) || !Owners.isDeleting(latest.get())
                || !hasFinalizer(latest.get(), ORPHAN)) {
            return;
        }
        for (Identity dependent : dependents(id.uid())) {
            String patch = "{\"metadata\":{\"ownerReferences\":[{\"$patch\":\"delete\",\"uid\":\"" + id.uid()
                    + "\"}],\"uid\":\"" + dependent.uid() + "\"}}";
            try {
                client.resource(dependent.kind()).patch(dependent.namespace(), dependent.name(),
                        PatchType.STRATEGIC_MERGE, patch);
            } catch (ClusterException.NotFound gone) {
                // gone meanwhile
            }
        }
        removeFinalizer(id, latest.get(), ORPHAN);
    }

    /** Removes one finalizer with a merge patch carrying the resourceVersion it was computed from. */
    private void removeFinalizer(Identity id, HasMetadata object, String finalizer) {
        List<String> remaining = new ArrayList<>(object.getMetadata().getFinalizers());
        remaining.remove(finalizer);
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode meta = patch.putObject("metadata");
        meta.put("resourceVersion", object.getMetadata().getResourceVersion());
        if (remaining.isEmpty()) {
            meta.putNull("finalizers");
        } else {
            ArrayNode array = meta.putArray("finalizers");
            remaining.forEach(array::add);
        }
        try {
            patch(id.kind(), id.namespace(), id.name(), patch.toString());
        } catch (ClusterException.NotFound gone) {
            // gone meanwhile
        }
    }
}
