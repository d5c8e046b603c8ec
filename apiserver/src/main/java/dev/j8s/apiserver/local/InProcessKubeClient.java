package dev.j8s.apiserver.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.ObjectList;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.api.client.Watch;
import dev.j8s.api.client.WatchEvent;
import dev.j8s.api.client.Watcher;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.selection.FieldSelector;
import dev.j8s.apiserver.selection.LabelSelector;
import dev.j8s.apiserver.selection.WatchSelection;
import dev.j8s.apiserver.storage.Store;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@link KubeClient} that calls this JVM's API server ({@link ObjectService}); thread-safe.
 *
 * <p>As {@link InProcessCluster}, every call takes the path an HTTP request takes once decoded (admission,
 * defaulting, validation, server-owned metadata, resourceVersion checks) and never writes the store itself;
 * objects cross as fabric8 model types converted to and from the server's trees; errors are the
 * {@link ClusterException} kinds the HTTP answers map to. A watch is the store's watch, filtered by the
 * selectors as the HTTP watch filters them; the store's sink only queues, and one virtual thread per watch
 * converts and delivers, so a writer never waits for a controller.
 */
public final class InProcessKubeClient implements KubeClient {

    private static final System.Logger LOG = System.getLogger(InProcessKubeClient.class.getName());
    /** Changes buffered for a slow watcher before its watch is ended (it then relists). */
    static final int MAX_QUEUED = 10_000;

    private final ObjectService objects;
    private final Caller caller;
    private final Set<LocalWatch<?>> watches = ConcurrentHashMap.newKeySet();

    private InProcessKubeClient(ObjectService objects, Caller caller) {
        this.objects = objects;
        this.caller = caller;
    }

    /**
     * A client over {@code objects}, the verbs of a running API server ({@code ApiServer.objects()}), acting as the
     * API server itself (every call allowed): for tests of the verbs alone.
     */
    public static InProcessKubeClient of(ObjectService objects) {
        return new InProcessKubeClient(objects, Caller.APISERVER);
    }

    /**
     * A client over {@code objects} whose calls are made as {@code user}: each is authorized by {@code authorizer}
     * with the attributes the same request over HTTP has (refused with the same 403) and admitted as that user.
     */
    public static InProcessKubeClient of(ObjectService objects, UserInfo user, Authorizer authorizer) {
        return new InProcessKubeClient(objects, new Caller(user, authorizer));
    }

    @Override
    public <T extends HasMetadata> ResourceClient<T> resource(Kind<T> kind) {
        ResourceType type = objects.resources().find(kind.group(), kind.version(), kind.plural())
                .orElseThrow(() -> new IllegalArgumentException("the API server serves no " + kind));
        return new Verbs<>(kind, type);
    }

    /** Stops every watch started through this client; the API server itself keeps running. */
    @Override
    public void close() {
        for (LocalWatch<?> watch : List.copyOf(watches)) {
            watch.close();
        }
    }

    private final class Verbs<T extends HasMetadata> implements ResourceClient<T> {

        private final Kind<T> kind;
        private final ResourceType type;

        Verbs(Kind<T> kind, ResourceType type) {
            this.kind = kind;
            this.type = type;
        }

        @Override
        public Kind<T> kind() {
            return kind;
        }

        @Override
        public Optional<T> get(String namespace, String name) {
            String action = "get " + describe(namespace, name);
            caller.authorize(action, "get", type, namespace, "", name);
            return call(action, () -> objects.find(type, namespace, name).map(this::decode));
        }

        @Override
        public ObjectList<T> list(String namespace, ListOptions options) {
            String action = "list " + kind + " in " + scope(namespace);
            caller.authorize(action, selected(caller.attributes("list", type, namespace, "", ""), options));
            return call(action, () -> {
                Store.Listing listing = objects.list(type, namespace, LabelSelector.parse(options.labelSelector()),
                        FieldSelector.parse(options.fieldSelector(), type));
                return new ObjectList<>(listing.items().stream().map(this::decode).toList(),
                        Long.toString(listing.revision()));
            });
        }

        @Override
        public Watch watch(String namespace, ListOptions options, String resourceVersion, Watcher<T> watcher) {
            String action = "watch " + kind + " in " + scope(namespace);
            caller.authorize(action, selected(caller.attributes("watch", type, namespace, "", ""), options));
            return call(action, () -> {
                LabelSelector labels = LabelSelector.parse(options.labelSelector());
                FieldSelector fields = FieldSelector.parse(options.fieldSelector(), type);
                long from = revision(resourceVersion);
                List<String> listed = from > 0 && !(labels.isEverything() && fields.isEverything())
                        ? objects.list(type, namespace, labels, fields).items().stream()
                                .map(WatchSelection::key).toList()
                        : List.of();
                LocalWatch<T> watch = new LocalWatch<>(this, action, new WatchSelection(labels, fields, listed),
                        watcher);
                watch.start(namespace, from);
                return watch;
            });
        }

        @Override
        public T create(T object) {
            String namespace = namespaceOf(object);
            String action = "create " + describe(object);
            caller.authorize(action, "create", type, namespace, "", "");
            return call(action, () -> {
                if (type.namespaced() && namespace.isEmpty()) {
                    throw new ApiError.MethodNotSupported(); // as a POST to the cluster-wide collection is answered
                }
                return decode(objects.createOwned(type, namespace, Trees.toTree(object), false).object());
            });
        }

        @Override
        public T update(T object) {
            String action = "update " + describe(object);
            caller.authorize(action, "update", type, namespaceOf(object), "", object.getMetadata().getName());
            return call(action, () -> decode(objects.update(type, namespaceOf(object),
                    object.getMetadata().getName(), Trees.toTree(object), "", false)));
        }

        @Override
        public T updateStatus(T object) {
            String action = "update status of " + describe(object);
            caller.authorize(action, "update", type, namespaceOf(object), "status", object.getMetadata().getName());
            return call(action, () -> decode(objects.update(type,
                    namespaceOf(object), object.getMetadata().getName(), Trees.toTree(object), "status", false)));
        }

        @Override
        public T updateSubresource(T object, String subresource) {
            String action = "update " + subresource + " of " + describe(object);
            caller.authorize(action, "update", type, namespaceOf(object), subresource, object.getMetadata().getName());
            return call(action, () -> decode(objects.update(type,
                    namespaceOf(object), object.getMetadata().getName(), Trees.toTree(object), subresource, false)));
        }

        @Override
        public T patch(String namespace, String name, PatchType patchType, String patch) {
            String action = "patch " + describe(namespace, name);
            caller.authorize(action, "patch", type, namespace, "", name);
            return call(action, () -> decode(objects.patch(type, namespace, name,
                    serverType(patchType), patch.getBytes(StandardCharsets.UTF_8), "", false)));
        }

        @Override
        public T patchStatus(String namespace, String name, PatchType patchType, String patch) {
            String action = "patch status of " + describe(namespace, name);
            caller.authorize(action, "patch", type, namespace, "status", name);
            return call(action, () -> decode(objects.patch(type, namespace,
                    name, serverType(patchType), patch.getBytes(StandardCharsets.UTF_8), "status", false)));
        }

        @Override
        public Optional<T> delete(String namespace, String name, DeleteOptions options) {
            String action = "delete " + describe(namespace, name);
            caller.authorize(action, "delete", type, namespace, "", name);
            return call(action, () -> {
                ObjectService.Deleted deleted = objects.delete(type, namespace, name, serverOptions(options));
                return deleted.gone() ? Optional.<T>empty() : Optional.of(decode(deleted.object()));
            });
        }

        T decode(ObjectNode tree) {
            return Trees.fromTree(tree, kind.type());
        }

        private String describe(T object) {
            return describe(namespaceOf(object), object.getMetadata() == null ? "" : object.getMetadata().getName());
        }

        private String describe(String namespace, String name) {
            return kind.kind().toLowerCase(java.util.Locale.ROOT) + " "
                    + (namespace.isEmpty() ? "" : namespace + "/") + name;
        }
    }

    /** One watch: the store's sink queues, a virtual thread filters, converts and delivers in order. */
    private final class LocalWatch<T extends HasMetadata> implements Watch {

        /** Queued by the sink when the watch cannot go on. */
        private static final dev.j8s.apiserver.storage.WatchEvent OVERFLOW =
                new dev.j8s.apiserver.storage.WatchEvent(dev.j8s.apiserver.storage.WatchEvent.Type.DELETED,
                        "", "", "", -1, Json.object());

        private final Verbs<T> verbs;
        private final String action;
        private final WatchSelection selection;
        private final Watcher<T> watcher;
        private final LinkedBlockingQueue<dev.j8s.apiserver.storage.WatchEvent> queue = new LinkedBlockingQueue<>();
        private volatile boolean closed;
        private volatile Store.Watch storeWatch;
        private volatile Thread thread;

        LocalWatch(Verbs<T> verbs, String action, WatchSelection selection, Watcher<T> watcher) {
            this.verbs = verbs;
            this.action = action;
            this.selection = selection;
            this.watcher = watcher;
        }

        void start(String namespace, long from) {
            ResourceType type = verbs.type;
            storeWatch = objects.store().watch(type.storageKey(), type.namespaced() ? namespace : "", from, event -> {
                if (queue.size() >= MAX_QUEUED) {
                    queue.clear();
                    queue.offer(OVERFLOW);
                    throw new IllegalStateException("watch queue overflow: " + action);
                }
                queue.offer(event);
            });
            watches.add(this);
            thread = Thread.ofVirtual().name("j8s-watch-" + verbs.kind).start(this::run);
        }

        private void run() {
            ClusterException ended = null;
            try {
                while (!closed) {
                    dev.j8s.apiserver.storage.WatchEvent event = queue.take();
                    if (event == OVERFLOW) {
                        ended = ClusterException.of(action + ": the watcher fell behind by " + MAX_QUEUED
                                + " changes", 410, "Expired", null);
                        return;
                    }
                    ObjectNode served = objects.toServed(verbs.type, event.object());
                    Optional<dev.j8s.apiserver.storage.WatchEvent.Type> type =
                            selection.translate(event.type(), served);
                    if (type.isEmpty() || closed) {
                        continue;
                    }
                    T object = verbs.decode(served);
                    try {
                        watcher.event(new WatchEvent<>(WatchEvent.Type.valueOf(type.get().name()), object));
                    } catch (RuntimeException e) {
                        // One failing handler call must not end the watch.
                        LOG.log(Level.ERROR, "watch handler failed " + action, e);
                    }
                }
            } catch (InterruptedException e) {
                // closed
            } finally {
                Store.Watch w = storeWatch;
                if (w != null) {
                    w.close();
                }
                watches.remove(this);
                if (ended != null && !closed) {
                    closed = true;
                    watcher.ended(ended);
                }
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            Store.Watch w = storeWatch;
            if (w != null) {
                w.close();
            }
            watches.remove(this);
            Thread t = thread;
            if (t != null && t != Thread.currentThread()) {
                t.interrupt();
                try {
                    t.join(java.time.Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static long revision(String resourceVersion) {
        if (resourceVersion.isEmpty()) {
            return 0;
        }
        try {
            long v = Long.parseLong(resourceVersion);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ApiError.BadRequest("invalid resource version: " + resourceVersion);
        }
    }

    private static dev.j8s.apiserver.patch.PatchType serverType(PatchType type) {
        return switch (type) {
            case JSON -> dev.j8s.apiserver.patch.PatchType.JSON_PATCH;
            case MERGE -> dev.j8s.apiserver.patch.PatchType.MERGE_PATCH;
            case STRATEGIC_MERGE -> dev.j8s.apiserver.patch.PatchType.STRATEGIC_MERGE_PATCH;
        };
    }

    private static dev.j8s.apiserver.rest.DeleteOptions serverOptions(DeleteOptions options) {
        OptionalLong grace = options.gracePeriodSeconds();
        return new dev.j8s.apiserver.rest.DeleteOptions(grace, options.uid(), options.resourceVersion(),
                options.propagation().value(), false);
    }

    private static String scope(String namespace) {
        return namespace.isEmpty() ? "all namespaces" : namespace;
    }

    private static String namespaceOf(HasMetadata object) {
        String namespace = object.getMetadata() == null ? null : object.getMetadata().getNamespace();
        return namespace == null ? "" : namespace;
    }

    private <T> T call(String action, Caller.Call<T> call) {
        return caller.call(action, call);
    }

    /** The attributes with the request's field selector, which the Node authorizer may look at. */
    private static Attributes selected(Attributes attributes, ListOptions options) {
        return options.fieldSelector().isEmpty() ? attributes : attributes.withFieldSelector(options.fieldSelector());
    }
}
