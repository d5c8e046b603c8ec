package dev.j8s.apiserver.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.ServiceAccountTokens;
import dev.j8s.apiserver.authorization.rbac.RbacIndex;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.DeleteOptions;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.storage.Store;
import dev.j8s.apiserver.storage.WatchEvent;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The controllers a single node needs, as upstream's controller-manager and scheduler run them:
 * built-in namespaces and the {@code kubernetes} service, the bootstrap RBAC policy, a
 * {@code default} ServiceAccount and the {@code kube-root-ca.crt} ConfigMap in every namespace,
 * ClusterRole aggregation, legacy service-account token Secrets, the scheduler (binding of unscheduled pods to a
 * node with room, after their volume claims: {@link Scheduler}, {@link VolumeBinding}), namespace termination, and the
 * one-hour event TTL. Each runs on its own virtual thread, driven by store watches (no polling
 * except the TTL sweep). Thread-safe.
 */
public final class Controllers implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Controllers.class.getName());
    static final List<String> BUILTIN_NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");
    private static final Duration EVENT_TTL = Duration.ofHours(1);

    private final ObjectService objects;
    private final String nodeName;
    private final String kubernetesServiceIp;
    private final int apiPort;
    private final EventRecorder events;
    private final VolumeBinding volumeBinding;
    private final Scheduler scheduler;
    private final RootCaPublisher rootCa;
    private final ClusterRoleAggregation aggregation;
    private final ServiceAccountTokenSecrets tokenSecrets;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("j8s-controller-", 0)
                    .uncaughtExceptionHandler((t, e) -> LOG.log(Level.ERROR, "controller thread died thread=" + t.getName(), e))
                    .factory());
    private final List<Store.Watch> watches = new ArrayList<>();
    private final LinkedBlockingQueue<String> terminating = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    /**
     * @param rootCaPem the CA published as {@code kube-root-ca.crt} and put in legacy token Secrets
     * @param tokens    signs legacy service-account tokens
     */
    public Controllers(ObjectService objects, String nodeName, String kubernetesServiceIp, int apiPort,
                       String rootCaPem, ServiceAccountTokens tokens) {
        this.objects = objects;
        this.nodeName = nodeName;
        this.kubernetesServiceIp = kubernetesServiceIp;
        this.apiPort = apiPort;
        this.events = new EventRecorder(objects);
        this.volumeBinding = new VolumeBinding(objects.store(), nodeName);
        this.scheduler = new Scheduler(objects, events, nodeName, volumeBinding);
        this.rootCa = new RootCaPublisher(objects, rootCaPem);
        this.aggregation = new ClusterRoleAggregation(objects);
        this.tokenSecrets = new ServiceAccountTokenSecrets(objects, tokens, rootCaPem);
    }

    public EventRecorder events() {
        return events;
    }

    /** Creates what must exist before the first request: namespaces, service accounts, the kubernetes service (the kubelet registers the Node). */
    public void bootstrap() {
        RbacBootstrap rbac = new RbacBootstrap(objects);
        rbac.reconcile();
        aggregation.sync();
        for (String ns : BUILTIN_NAMESPACES) {
            ensure(type("namespaces"), "", ns, () -> {
                ObjectNode o = Json.object();
                o.put("apiVersion", "v1");
                o.put("kind", "Namespace");
                o.putObject("metadata").put("name", ns);
                return o;
            });
        }
        rbac.reconcileNamespaced();
        for (ObjectNode ns : objects.store().list("namespaces", "").items()) {
            ensureDefaultServiceAccount(Json.name(ns));
            rootCa.sync(Json.name(ns));
        }
        ensure(type("services"), "default", "kubernetes", this::kubernetesService);
        // the API port may differ from the last start (e.g. --listen with port 0)
        objects.store().get("services", "default", "kubernetes").ifPresent(svc -> {
            if (svc.at("/spec/ports/0/targetPort").asInt() != apiPort) {
                objects.store().guaranteedUpdate("services", "default", "kubernetes", s -> {
                    ((ObjectNode) s.at("/spec/ports/0")).put("targetPort", apiPort);
                    return s;
                });
            }
        });
    }

    /** Starts the watch-driven controllers. */
    public void start() {
        watch("namespaces", this::onNamespace);
        watch("pods", this::onPod);
        watch("nodes", e -> scheduler.onNode(e.name(), e.object(), e.type() == WatchEvent.Type.DELETED));
        watch("persistentvolumeclaims", this::onClaim);
        watch("configmaps", e -> {
            if (e.name().equals(RootCaPublisher.NAME)) {
                rootCa.sync(e.namespace());
            }
        });
        watchCoalesced(RbacIndex.CLUSTER_ROLES, aggregation::sync);
        watch("secrets", e -> {
            if (e.type() != WatchEvent.Type.DELETED) {
                tokenSecrets.syncSecret(e.namespace(), e.name());
            }
        });
        watch("serviceaccounts", e -> {
            if (e.type() == WatchEvent.Type.DELETED) {
                tokenSecrets.accountDeleted(e.namespace(), e.name());
            }
        });
        threads.submit(this::terminateNamespaces);
        threads.submit(this::expireEvents);
    }

    private void watch(String resource, java.util.function.Consumer<WatchEvent> handler) {
        LinkedBlockingQueue<WatchEvent> queue = new LinkedBlockingQueue<>();
        Store.Watch w = objects.store().watch(resource, "", 0, queue::add);
        synchronized (watches) {
            watches.add(w);
        }
        threads.submit(() -> {
            while (!closed) {
                WatchEvent e;
                try {
                    e = queue.take();
                } catch (InterruptedException ie) {
                    return;
                }
                try {
                    handler.accept(e);
                } catch (ApiError err) {
                    LOG.log(Level.DEBUG, "controller action failed resource=" + resource + " object="
                            + e.namespace() + "/" + e.name() + " error=" + err.getMessage());
                } catch (RuntimeException err) {
                    LOG.log(Level.WARNING, "controller action failed resource=" + resource + " object="
                            + e.namespace() + "/" + e.name(), err);
                }
            }
        });
    }

    /** Runs {@code sync} after changes of {@code resource}, once for all the changes waiting at that moment. */
    private void watchCoalesced(String resource, Runnable sync) {
        LinkedBlockingQueue<WatchEvent> queue = new LinkedBlockingQueue<>();
        Store.Watch w = objects.store().watch(resource, "", 0, queue::add);
        synchronized (watches) {
            watches.add(w);
        }
        threads.submit(() -> {
            while (!closed) {
                try {
                    queue.take();
                } catch (InterruptedException ie) {
                    return;
                }
                queue.clear();
                try {
                    sync.run();
                } catch (RuntimeException err) {
                    LOG.log(Level.WARNING, "controller action failed resource=" + resource, err);
                }
            }
        });
    }

    private void onNamespace(WatchEvent e) {
        if (e.type() == WatchEvent.Type.DELETED) {
            return;
        }
        if (e.object().path("metadata").hasNonNull("deletionTimestamp")) {
            terminating.add(e.name());
            return;
        }
        ensureDefaultServiceAccount(e.name());
        rootCa.sync(e.name());
    }

    private void onPod(WatchEvent e) {
        ObjectNode pod = e.object();
        if (e.type() == WatchEvent.Type.DELETED) {
            String ns = e.namespace();
            objects.store().get("namespaces", "", ns).ifPresent(n -> {
                if (n.path("metadata").hasNonNull("deletionTimestamp")) {
                    terminating.add(ns);
                }
            });
            scheduler.onPod(e.namespace(), e.name(), pod, true);
            return;
        }
        scheduler.onPod(e.namespace(), e.name(), pod, false);
    }

    /** A claim changed: the unbound pods of its namespace that wait for claims are looked at again. */
    private void onClaim(WatchEvent e) {
        for (ObjectNode pod : objects.store().list("pods", e.namespace()).items()) {
            if (Json.text(pod, "spec.nodeName").isEmpty() && usesClaim(pod, e.name())) {
                onPod(new WatchEvent(WatchEvent.Type.MODIFIED, "pods", e.namespace(), Json.name(pod), e.revision(), pod));
            }
        }
    }

    private static boolean usesClaim(ObjectNode pod, String claim) {
        for (JsonNode volume : pod.path("spec").path("volumes")) {
            if (claim.equals(volume.path("persistentVolumeClaim").path("claimName").asText(""))) {
                return true;
            }
        }
        return false;
    }

    /** Deletes everything in terminating namespaces, then the namespaces themselves. */
    private void terminateNamespaces() {
        // Driven by events only: a namespace is queued when it is marked for deletion (the watch replays
        // those present at start), when a pod in it goes away, and by finishNamespace while objects remain.
        while (!closed) {
            Set<String> batch = new LinkedHashSet<>();
            try {
                batch.add(terminating.take());
            } catch (InterruptedException e) {
                return;
            }
            terminating.drainTo(batch);
            for (String name : batch) {
                try {
                    finishNamespace(name);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "namespace termination failed, retrying namespace=" + name, e);
                    requeueLater(name);
                }
            }
        }
    }

    private void requeueLater(String namespace) {
        threads.submit(() -> {
            try {
                Thread.sleep(Duration.ofSeconds(1));
                terminating.add(namespace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void finishNamespace(String ns) {
        var current = objects.store().get("namespaces", "", ns);
        if (current.isEmpty() || !current.get().path("metadata").hasNonNull("deletionTimestamp")) {
            return;
        }
        boolean empty = true;
        Set<String> seen = new LinkedHashSet<>();
        for (ResourceType t : objects.resources().all()) {
            if (!t.namespaced() || !seen.add(t.storageKey())) {
                continue;
            }
            for (ObjectNode o : objects.store().list(t.storageKey(), ns).items()) {
                empty = false;
                if (o.path("metadata").hasNonNull("deletionTimestamp")) {
                    continue;
                }
                try {
                    objects.delete(t, ns, Json.name(o), DeleteOptions.defaults());
                } catch (ApiError.NotFound gone) {
                    // already gone
                }
            }
        }
        if (empty) {
            try {
                objects.store().delete("namespaces", "", ns, Json.text(current.get(), "metadata.uid"), "");
                LOG.log(Level.INFO, "namespace removed namespace=" + ns);
            } catch (ApiError.NotFound | ApiError.Conflict e) {
                // removed or recreated meanwhile
            }
        } else {
            // objects remain (being deleted); look again on the next round
            terminating.add(ns);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Removes events older than one hour, as upstream's --event-ttl does. */
    private void expireEvents() {
        while (!closed) {
            try {
                Thread.sleep(Duration.ofMinutes(1));
            } catch (InterruptedException e) {
                return;
            }
            try {
                expireEventsOnce(objects.clock().instant());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "event expiry failed", e);
            }
        }
    }

    /** One TTL sweep; returns how many events were removed. */
    public int expireEventsOnce(Instant now) {
        int removed = 0;
        for (ObjectNode ev : objects.store().list("events", "").items()) {
            Instant last = lastSeen(ev);
            if (last != null && last.plus(EVENT_TTL).isBefore(now)) {
                try {
                    objects.store().delete("events", Json.namespace(ev), Json.name(ev), "", "");
                    removed++;
                } catch (ApiError.NotFound | ApiError.Conflict e) {
                    // gone or updated meanwhile
                }
            }
        }
        return removed;
    }

    private static Instant lastSeen(JsonNode ev) {
        for (String field : List.of("lastTimestamp", "eventTime", "metadata.creationTimestamp")) {
            String v = Json.text(ev, field);
            if (!v.isEmpty()) {
                try {
                    return OffsetDateTime.parse(v).toInstant();
                } catch (DateTimeParseException e) {
                    // try the next field
                }
            }
        }
        return null;
    }

    private void ensureDefaultServiceAccount(String ns) {
        ensure(type("serviceaccounts"), ns, "default", () -> {
            ObjectNode sa = Json.object();
            sa.put("apiVersion", "v1");
            sa.put("kind", "ServiceAccount");
            ObjectNode meta = sa.putObject("metadata");
            meta.put("name", "default");
            meta.put("namespace", ns);
            return sa;
        });
    }

    private ObjectNode kubernetesService() {
        ObjectNode svc = Json.object();
        svc.put("apiVersion", "v1");
        svc.put("kind", "Service");
        ObjectNode meta = svc.putObject("metadata");
        meta.put("name", "kubernetes");
        meta.put("namespace", "default");
        ObjectNode labels = meta.putObject("labels");
        labels.put("component", "apiserver");
        labels.put("provider", "kubernetes");
        ObjectNode spec = svc.putObject("spec");
        spec.put("type", "ClusterIP");
        spec.put("clusterIP", kubernetesServiceIp);
        ObjectNode port = spec.putArray("ports").addObject();
        port.put("name", "https");
        port.put("port", 443);
        port.put("protocol", "TCP");
        port.put("targetPort", apiPort);
        return svc;
    }

    private void ensure(ResourceType type, String ns, String name, java.util.function.Supplier<ObjectNode> object) {
        if (objects.store().get(type.storageKey(), ns, name).isPresent()) {
            return;
        }
        var namespace = ns.isEmpty() ? java.util.Optional.<ObjectNode>empty() : objects.store().get("namespaces", "", ns);
        if (!ns.isEmpty() && (namespace.isEmpty() || namespace.get().path("metadata").hasNonNull("deletionTimestamp"))) {
            return;
        }
        try {
            objects.create(type, ns, object.get(), false);
        } catch (ApiError.AlreadyExists e) {
            // created concurrently
        }
    }

    private ResourceType type(String plural) {
        return objects.resources().find("", "v1", plural).orElseThrow();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (watches) {
            watches.forEach(Store.Watch::close);
        }
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "controllers did not stop within 5s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
