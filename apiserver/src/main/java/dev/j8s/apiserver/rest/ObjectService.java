package dev.j8s.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.admission.Admission;
import dev.j8s.apiserver.admission.AdmissionOptions;
import dev.j8s.apiserver.admission.ServiceIpAllocator;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.patch.PatchType;
import dev.j8s.apiserver.patch.Patches;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import dev.j8s.apiserver.registry.Scheme;
import dev.j8s.apiserver.selection.FieldSelector;
import dev.j8s.apiserver.selection.LabelSelector;
import dev.j8s.apiserver.storage.Store;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The verbs on stored objects: metadata the server owns, admission, optimistic concurrency,
 * finalizers, graceful pod deletion and namespace termination; the role of upstream's
 * generic registry store. Thread-safe.
 *
 * <p>Objects are always served in the version of the {@link ResourceType} asked for; the one
 * multi-version resource (events) is converted by {@link EventConversion}.
 */
public final class ObjectService {

    private static final int MAX_CONFLICT_RETRIES = 8;
    /** The garbage collector's finalizers (metav1.FinalizerOrphanDependents, FinalizerDeleteDependents). */
    public static final String ORPHAN_FINALIZER = "orphan";
    public static final String FOREGROUND_FINALIZER = "foregroundDeletion";
    private static final String ALNUM = "bcdfghjklmnpqrstvwxz2456789";

    private final Store store;
    private final Resources resources;
    private final Admission admission;
    private final Clock clock;
    private volatile Stamp lastStamp = new Stamp(Long.MIN_VALUE, "");
    private final SecureRandom random = new SecureRandom();

    public ObjectService(Store store, Resources resources, Admission admission, Clock clock) {
        this.store = store;
        this.resources = resources;
        this.admission = admission;
        this.clock = clock;
    }

    /**
     * The verbs over {@code store} with the admission a server runs (its lookups read the same store): what
     * {@code ApiServer} serves and what tests of the layers above use without HTTP.
     */
    public static ObjectService over(Store store, Resources resources, ServiceIpAllocator ips, Set<String> plugins,
                                     Clock clock) {
        return over(store, resources, ips, plugins, AdmissionOptions.DEFAULT, clock);
    }

    /** Admission's (and the token authenticator's) read access to the objects in {@code store}. */
    public static Admission.Lookup lookup(Store store) {
        return new Admission.Lookup() {
            @Override
            public Optional<ObjectNode> get(String resource, String namespace, String name) {
                return store.get(resource, namespace, name);
            }

            @Override
            public List<ObjectNode> list(String resource, String namespace) {
                return store.list(resource, namespace).items();
            }
        };
    }

    /** As {@link #over(Store, Resources, ServiceIpAllocator, Set, Clock)}, with the admission plugins' options. */
    public static ObjectService over(Store store, Resources resources, ServiceIpAllocator ips, Set<String> plugins,
                                     AdmissionOptions options, Clock clock) {
        Admission admission = new Admission(lookup(store), ips, plugins, options);
        return new ObjectService(store, resources, admission, clock);
    }

    public Store store() {
        return store;
    }

    public Resources resources() {
        return resources;
    }

    /** The current time as upstream writes timestamps (RFC 3339, seconds, UTC). */
    public String now() {
        Instant instant = clock.instant();
        Stamp last = lastStamp;
        if (last.second() != instant.getEpochSecond()) {
            // formatted once per second: every create and many updates write one
            last = new Stamp(instant.getEpochSecond(), timestamp(instant));
            lastStamp = last;
        }
        return last.text();
    }

    /** A second's timestamp text. */
    private record Stamp(long second, String text) {}

    public static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    public Clock clock() {
        return clock;
    }

    // ---------------------------------------------------------------- read

    public ObjectNode get(ResourceType type, String namespace, String name) {
        ObjectNode stored = store.get(type.storageKey(), ns(type, namespace), name)
                .orElseThrow(() -> new ApiError.NotFound(type.qualifiedResource(), name));
        return toServed(type, stored);
    }

    public Optional<ObjectNode> find(ResourceType type, String namespace, String name) {
        return store.get(type.storageKey(), ns(type, namespace), name).map(o -> toServed(type, o));
    }

    /** A list of matching objects and the revision it was read at. */
    public Store.Listing list(ResourceType type, String namespace, LabelSelector labels, FieldSelector fields) {
        Store.Listing all = store.list(type.storageKey(), ns(type, namespace));
        List<ObjectNode> items = new ArrayList<>();
        for (ObjectNode o : all.items()) {
            ObjectNode served = toServed(type, o);
            if (labels.matches(served.path("metadata").path("labels")) && fields.matches(served)) {
                items.add(served);
            }
        }
        return new Store.Listing(all.revision(), items);
    }

    /** Converts a stored object into the served version of {@code type}. */
    public ObjectNode toServed(ResourceType type, ObjectNode stored) {
        if (type.group().equals("events.k8s.io")) {
            return EventConversion.toEventsV1(stored);
        }
        return stored;
    }

    private ObjectNode toStored(ResourceType type, ObjectNode served) {
        if (type.group().equals("events.k8s.io")) {
            return EventConversion.toCoreV1(served);
        }
        return served;
    }

    private ResourceType storageType(ResourceType type) {
        if (type.group().equals("events.k8s.io")) {
            return resources.find("", "v1", "events").orElseThrow();
        }
        return type;
    }

    // ---------------------------------------------------------------- create

    /**
     * Creates an object from a request body already decoded and checked for its kind.
     * {@code namespace} comes from the URL ("" for cluster-scoped resources).
     */
    public ObjectNode create(ResourceType type, String namespace, ObjectNode body, boolean dryRun) {
        // the caller's own copy: createOwned's object is read only (the stored tree itself)
        return createOwned(type, namespace, body.deepCopy(), dryRun).object().deepCopy();
    }

    /**
     * As {@link #create}, on a body the caller hands over (a request's decoded body, a tree converted for this
     * call): it is admitted and stored itself, not a copy, so the caller must not use it afterwards, also when the
     * create fails. With the created object, read only (it is the stored tree itself when served as stored), and
     * its JSON text when the served object is the stored one (its JSON is then the store's text, which a response
     * sends as it is instead of serializing the object again); the text is empty for a dry run and for objects
     * served in another form than they are stored.
     */
    public Store.Written createOwned(ResourceType type, String namespace, ObjectNode obj, boolean dryRun) {
        defaultTypeMeta(type, obj);
        ObjectNode meta = Json.child(obj, "metadata");
        if (type.namespaced()) {
            String bodyNs = Json.text(meta, "namespace");
            if (!bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
                throw new ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            meta.put("namespace", namespace);
        } else {
            meta.remove("namespace");
        }
        String name = Json.text(meta, "name");
        String generateName = Json.text(meta, "generateName");
        if (name.isEmpty() && !generateName.isEmpty()) {
            name = generateName + randomSuffix();
            meta.put("name", name);
        }
        if (!Json.text(meta, "resourceVersion").isEmpty()) {
            throw new ApiError.BadRequest("resourceVersion should not be set on objects to be created");
        }
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", now());
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        meta.remove("selfLink");
        if (obj.has("spec") || type.kind().equals("Pod") || type.kind().equals("Service")) {
            meta.put("generation", 1);
        } else {
            meta.remove("generation");
        }
        ObjectNode stored = toStored(type, obj);
        ResourceType st = storageType(type);
        // obj is the body this call owns (and stored is obj or converted from it): admitted in place
        ObjectNode admitted = admission.admitCreateOwned(st, stored);
        if (dryRun) {
            return new Store.Written(toServed(type, admitted), "");
        }
        // the admitted object is this call's own, which nothing else holds: the store keeps it
        Store.Written created = store.createOwned(st.storageKey(), admitted);
        ObjectNode served = toServed(type, created.object());
        return served == created.object() ? created : new Store.Written(served, "");
    }

    /** The object's apiVersion and kind as a request body's: filled from {@code type} when absent, else checked. */
    private static void defaultTypeMeta(ResourceType type, ObjectNode obj) {
        Scheme.defaultTypeMeta(type.gvk(), obj, () -> obj.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private String randomSuffix() {
        StringBuilder sb = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            sb.append(ALNUM.charAt(random.nextInt(ALNUM.length())));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- update

    /** PUT of the main resource or of a subresource ("status"); the body's name must match. */
    public ObjectNode update(ResourceType type, String namespace, String name, ObjectNode body, String subresource, boolean dryRun) {
        ObjectNode obj = body.deepCopy();
        defaultTypeMeta(type, obj);
        ObjectNode meta = Json.child(obj, "metadata");
        String bodyName = Json.text(meta, "name");
        if (!bodyName.isEmpty() && !bodyName.equals(name)) {
            throw new ApiError.BadRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
        }
        meta.put("name", name);
        if (type.namespaced()) {
            String bodyNs = Json.text(meta, "namespace");
            if (!bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
                throw new ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            meta.put("namespace", namespace);
        }
        String expectedRv = Json.text(meta, "resourceVersion");
        return writeUpdate(type, namespace, name, subresource, dryRun, current -> {
            if (!expectedRv.isEmpty() && !expectedRv.equals(Json.text(current, "metadata.resourceVersion"))) {
                throw new ApiError.Conflict(type.qualifiedResource(), name);
            }
            return obj.deepCopy();
        }, expectedRv.isEmpty());
    }

    /** PATCH of the main resource or a subresource. For apply patches an absent object is created. */
    public ObjectNode patch(ResourceType type, String namespace, String name, PatchType patchType, byte[] body,
                            String subresource, boolean dryRun) {
        return patch(type, namespace, name, patchType, body, subresource, dryRun, patched -> { });
    }

    /**
     * PATCH with a check of the patched object (e.g. fieldValidation) that runs before anything
     * is written and may throw to refuse the patch.
     */
    public ObjectNode patch(ResourceType type, String namespace, String name, PatchType patchType, byte[] body,
                            String subresource, boolean dryRun, java.util.function.Consumer<ObjectNode> check) {
        Optional<ObjectNode> existing = find(type, namespace, name);
        if (existing.isEmpty()) {
            if (patchType == PatchType.APPLY_PATCH && subresource.isEmpty()) {
                ObjectNode skeleton = Json.object();
                skeleton.put("apiVersion", type.apiVersion());
                skeleton.put("kind", type.kind());
                ObjectNode meta = skeleton.putObject("metadata");
                meta.put("name", name);
                if (type.namespaced()) {
                    meta.put("namespace", namespace);
                }
                ObjectNode applied = Patches.withTypeMeta(patchType, Patches.apply(patchType, skeleton, body, type), type);
                check.accept(applied);
                return create(type, namespace, applied, dryRun);
            }
            throw new ApiError.NotFound(type.qualifiedResource(), name);
        }
        return writeUpdate(type, namespace, name, subresource, dryRun, current -> {
            ObjectNode next = Patches.withTypeMeta(patchType, Patches.apply(patchType, current, body, type), type);
            check.accept(next);
            Json.child(next, "metadata").put("name", name);
            if (type.namespaced()) {
                Json.child(next, "metadata").put("namespace", namespace);
            }
            return next;
        }, true);
    }

    /** The change a PUT or PATCH makes to the current served object. */
    @FunctionalInterface
    interface Change {
        ObjectNode apply(ObjectNode currentServed);
    }

    private ObjectNode writeUpdate(ResourceType type, String namespace, String name, String subresource, boolean dryRun,
                                   Change change, boolean retryOnConflict) {
        ResourceType st = storageType(type);
        for (int attempt = 0; ; attempt++) {
            ObjectNode currentStored = store.get(st.storageKey(), ns(type, namespace), name)
                    .orElseThrow(() -> new ApiError.NotFound(type.qualifiedResource(), name));
            String currentRv = Json.text(currentStored, "metadata.resourceVersion");
            ObjectNode next = toStored(type, change.apply(toServed(type, currentStored.deepCopy())));
            ObjectNode admitted = admission.admitUpdate(st, currentStored, next, subresource);
            Json.child(admitted, "metadata").put("resourceVersion", currentRv);
            if (admitted.equals(currentStored)) {
                return toServed(type, currentStored);
            }
            if (dryRun) {
                return toServed(type, admitted);
            }
            try {
                ObjectNode written = store.update(st.storageKey(), admitted);
                ObjectNode finished = finishIfFinalized(st, written);
                return toServed(type, finished);
            } catch (ApiError.Conflict e) {
                if (!retryOnConflict || attempt >= MAX_CONFLICT_RETRIES) {
                    throw e;
                }
            }
        }
    }

    /** Removes an object whose deletion was pending on finalizers once none are left. */
    private ObjectNode finishIfFinalized(ResourceType type, ObjectNode written) {
        JsonNode meta = written.path("metadata");
        if (!meta.hasNonNull("deletionTimestamp") || meta.path("finalizers").size() > 0) {
            return written;
        }
        if (type.kind().equals("Pod") && meta.path("deletionGracePeriodSeconds").asLong(0) > 0) {
            return written; // the kubelet confirms a graceful pod deletion with a delete of grace 0
        }
        if (type.kind().equals("Namespace")) {
            return written; // the namespace controller removes it once empty
        }
        try {
            return store.delete(type.storageKey(), Json.namespace(written), Json.name(written),
                    Json.text(meta, "uid"), "");
        } catch (ApiError.NotFound | ApiError.Conflict e) {
            return written;
        }
    }

    // ---------------------------------------------------------------- delete

    /** The outcome of a delete: the object still present (graceful) or gone. */
    public record Deleted(ObjectNode object, boolean gone) {}

    /**
     * DELETE, as upstream's generic store: the garbage collector's finalizers follow the propagation policy
     * ({@code Foreground} adds {@code foregroundDeletion}, {@code Orphan} adds {@code orphan}, {@code Background}
     * removes both, no policy keeps what the object has); an object with finalizers left, or a pod bound to a node
     * with a running kubelet and a grace period, is only marked ({@code deletionTimestamp}) and returned; anything
     * else is removed at once.
     */
    public Deleted delete(ResourceType type, String namespace, String name, DeleteOptions options) {
        ResourceType st = storageType(type);
        String key = st.storageKey();
        String nsKey = ns(type, namespace);
        ObjectNode current = store.get(key, nsKey, name)
                .orElseThrow(() -> new ApiError.NotFound(type.qualifiedResource(), name));
        checkPreconditions(type, name, current, options);
        admission.admitDelete(st, current);
        if (st.kind().equals("Namespace")) {
            if (options.dryRun()) {
                return new Deleted(toServed(type, current), false);
            }
            ObjectNode terminating = store.guaranteedUpdate(key, "", name, ns -> {
                ObjectNode m = Json.child(ns, "metadata");
                if (!m.hasNonNull("deletionTimestamp")) {
                    m.put("deletionTimestamp", now());
                    m.put("deletionGracePeriodSeconds", 0);
                }
                Json.child(ns, "status").put("phase", "Terminating");
                return ns;
            });
            return new Deleted(toServed(type, terminating), false);
        }
        boolean graceful = st.kind().equals("Pod") && gracefulPodDeletion(current, options);
        List<String> finalizers = finalizersAfterDelete(current, options.propagationPolicy());
        boolean finalizersChange = !finalizers.equals(strings(current.path("metadata").path("finalizers")));
        if (options.dryRun()) {
            return new Deleted(toServed(type, current), !graceful && finalizers.isEmpty());
        }
        if (graceful || !finalizers.isEmpty() || finalizersChange) {
            long grace = graceFor(current, options);
            ObjectNode updated = store.guaranteedUpdate(key, nsKey, name, o -> {
                ObjectNode m = Json.child(o, "metadata");
                List<String> next = finalizersAfterDelete(o, options.propagationPolicy());
                if (next.isEmpty()) {
                    m.remove("finalizers");
                } else {
                    ArrayNode array = m.putArray("finalizers");
                    next.forEach(array::add);
                }
                if (graceful) {
                    long existing = m.path("deletionGracePeriodSeconds").asLong(Long.MAX_VALUE);
                    if (!m.hasNonNull("deletionTimestamp") || grace < existing) {
                        m.put("deletionTimestamp", timestamp(clock.instant().plusSeconds(grace)));
                        m.put("deletionGracePeriodSeconds", grace);
                    }
                } else if (!next.isEmpty()) {
                    // markAsDeleting: nothing left to wait for but the finalizers
                    if (!m.hasNonNull("deletionTimestamp")) {
                        m.put("deletionTimestamp", now());
                    }
                    m.put("deletionGracePeriodSeconds", 0);
                }
                return o;
            });
            if (graceful || updated.path("metadata").path("finalizers").size() > 0) {
                return new Deleted(toServed(type, updated), false);
            }
            current = updated;
        }
        ObjectNode last = store.delete(key, nsKey, name, Json.text(current, "metadata.uid"), "");
        return new Deleted(toServed(type, last), true);
    }

    /** Whether a DELETE without a propagation policy orphans the dependents: batch/v1 Jobs (theirs is Orphan). */
    public static boolean orphansByDefault(ResourceType type) {
        return type.group().equals("batch") && type.kind().equals("Job");
    }

    /**
     * The finalizers an object has once deleted with {@code propagationPolicy} (upstream's
     * deletionFinalizersForGarbageCollection): the GC's two are replaced by the one the policy asks for; without a
     * policy the object keeps what it has, or, when it has neither, gets its resource's default (Orphan for batch/v1
     * Jobs, Background, that is nothing, for every other resource served here).
     */
    static List<String> finalizersAfterDelete(ObjectNode object, String propagationPolicy) {
        List<String> current = strings(object.path("metadata").path("finalizers"));
        if (propagationPolicy.isEmpty()) {
            boolean gcFinalizer = current.contains(ORPHAN_FINALIZER) || current.contains(FOREGROUND_FINALIZER);
            if (gcFinalizer || !Json.text(object, "apiVersion").equals("batch/v1")
                    || !Json.text(object, "kind").equals("Job")) {
                return current;
            }
            propagationPolicy = "Orphan";
        }
        List<String> next = new ArrayList<>();
        for (String f : current) {
            if (!f.equals(ORPHAN_FINALIZER) && !f.equals(FOREGROUND_FINALIZER)) {
                next.add(f);
            }
        }
        switch (propagationPolicy) {
            case "Orphan" -> next.add(ORPHAN_FINALIZER);
            case "Foreground" -> next.add(FOREGROUND_FINALIZER);
            default -> { }
        }
        return next;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** A pod whose deletion waits for its kubelet: bound to a node with a live kubelet, not terminal, grace > 0. */
    private boolean gracefulPodDeletion(ObjectNode pod, DeleteOptions options) {
        return graceFor(pod, options) > 0 && !Json.text(pod, "spec.nodeName").isEmpty() && !isTerminal(pod)
                && kubeletAlive(Json.text(pod, "spec.nodeName"));
    }

    private static boolean isTerminal(ObjectNode pod) {
        String phase = Json.text(pod, "status.phase");
        return phase.equals("Succeeded") || phase.equals("Failed");
    }

    private static long graceFor(ObjectNode pod, DeleteOptions options) {
        if (options.gracePeriodSeconds().isPresent()) {
            return Math.max(0, options.gracePeriodSeconds().getAsLong());
        }
        JsonNode g = pod.path("spec").path("terminationGracePeriodSeconds");
        return g.isNumber() ? Math.max(0, g.asLong()) : 30;
    }

    private void checkPreconditions(ResourceType type, String name, ObjectNode current, DeleteOptions options) {
        String uid = Json.text(current, "metadata.uid");
        if (!options.uid().isEmpty() && !options.uid().equals(uid)) {
            throw new ApiError.Conflict(type.qualifiedResource(), name,
                    "Precondition failed: UID in precondition: " + options.uid() + ", UID in object meta: " + uid);
        }
        String rv = Json.text(current, "metadata.resourceVersion");
        if (!options.resourceVersion().isEmpty() && !options.resourceVersion().equals(rv)) {
            throw new ApiError.Conflict(type.qualifiedResource(), name,
                    "Precondition failed: ResourceVersion in precondition: " + options.resourceVersion()
                            + ", ResourceVersion in object meta: " + rv);
        }
    }

    /**
     * Whether a kubelet is running for the node: its Lease in kube-node-lease was renewed within
     * its lease duration. Without one, graceful pod deletion completes at once, as upstream
     * does for pods on a node that no kubelet will ever confirm.
     */
    public boolean kubeletAlive(String nodeName) {
        Optional<ObjectNode> lease = store.get("leases.coordination.k8s.io", "kube-node-lease", nodeName);
        if (lease.isEmpty()) {
            return false;
        }
        String renew = Json.text(lease.get(), "spec.renewTime");
        long duration = lease.get().path("spec").path("leaseDurationSeconds").asLong(40);
        if (renew.isEmpty()) {
            return false;
        }
        try {
            Instant renewed = java.time.OffsetDateTime.parse(renew).toInstant();
            return renewed.plusSeconds(duration).isAfter(clock.instant());
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /**
     * Binds a pod to a node, as the binding subresource and the scheduler do: sets
     * {@code spec.nodeName} and the PodScheduled condition. Conflict when already bound.
     */
    public ObjectNode bind(String namespace, String name, String nodeName) {
        return store.guaranteedUpdate("pods", namespace, name, pod -> {
            String current = Json.text(pod, "spec.nodeName");
            if (!current.isEmpty()) {
                throw new ApiError.Conflict("pods/binding", name,
                        "pod " + name + " is already assigned to node \"" + current + "\"");
            }
            if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
                throw new ApiError.Conflict("pods/binding", name, "pod " + name + " is being deleted, cannot be assigned to a host");
            }
            Json.child(pod, "spec").put("nodeName", nodeName);
            ObjectNode status = Json.child(pod, "status");
            ArrayNode conditions = status.has("conditions") && status.get("conditions").isArray()
                    ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
            for (int i = conditions.size() - 1; i >= 0; i--) {
                if (conditions.get(i).path("type").asText().equals("PodScheduled")) {
                    conditions.remove(i);
                }
            }
            ObjectNode scheduled = conditions.addObject();
            scheduled.put("type", "PodScheduled");
            scheduled.put("status", "True");
            scheduled.putNull("lastProbeTime");
            scheduled.put("lastTransitionTime", now());
            return pod;
        });
    }

    /** Builds the list object served for a list request. */
    public static ObjectNode listObject(ResourceType type, Store.Listing listing) {
        ObjectNode list = Json.object();
        list.put("kind", type.listKind());
        list.put("apiVersion", type.apiVersion());
        list.putObject("metadata").put("resourceVersion", Long.toString(listing.revision()));
        ArrayNode items = list.putArray("items");
        for (ObjectNode o : listing.items()) {
            ObjectNode copy = o.deepCopy();
            copy.remove("kind");
            copy.remove("apiVersion");
            items.add(copy);
        }
        return list;
    }

    private static String ns(ResourceType type, String namespace) {
        return type.namespaced() ? namespace : "";
    }
}
