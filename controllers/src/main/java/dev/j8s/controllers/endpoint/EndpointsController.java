package dev.j8s.controllers.endpoint;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.common.EventRecorder;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The endpoints, EndpointSlice and mirroring controllers in one level-triggered sync per Service (upstream's
 * pkg/controller/endpoint, endpointslice and endpointslicemirroring): a Service with a selector gets an
 * {@code Endpoints} of the same name (ready addresses, {@code notReadyAddresses}, ports resolved per pod) and
 * slices of at most {@value #MAX_ENDPOINTS_PER_SLICE} endpoints with ready/serving/terminating conditions, both
 * from one computation ({@link ServiceEndpoints}) and written only when they change; a Service without a selector
 * keeps the Endpoints its user writes, mirrored into slices unless labelled
 * {@value #SKIP_MIRROR_LABEL}. Thread-safe.
 */
public final class EndpointsController implements AutoCloseable {

    static final int MAX_ENDPOINTS_PER_SLICE = 100;
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
    static final String MANAGED_BY = "endpointslice-controller.k8s.io";
    static final String MIRRORED_BY = "endpointslicemirroring-controller.k8s.io";
    static final String SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";
    static final String TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";
    static final String OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity";
    private static final String COMPONENT = "endpoint-controller";
    private static final String SERVICE_INDEX = "service";

    private final ResourceClient<Endpoints> endpointsClient;
    private final ResourceClient<EndpointSlice> slicesClient;
    private final SharedInformer<Service> services;
    private final SharedInformer<Pod> pods;
    private final SharedInformer<Endpoints> endpoints;
    private final SharedInformer<EndpointSlice> slices;
    private final Clock clock;
    private final EventRecorder events;
    private final WorkQueue queue = new WorkQueue("endpoint", RateLimiter.defaults());
    private final ControllerLoop loop;

    /** Upstream's service account for the Endpoints this controller writes (and its events). */
    public static final String SERVICE_ACCOUNT = "endpoint-controller";
    /** Upstream's service account for the EndpointSlices this controller writes. */
    public static final String SLICES_SERVICE_ACCOUNT = "endpointslice-controller";

    /** One client for Endpoints, EndpointSlices and events. */
    public EndpointsController(KubeClient client, InformerFactory informers, Clock clock, int workers) {
        this(client, client, informers, clock, workers);
    }

    /**
     * Endpoints and events through {@code client}, EndpointSlices through {@code slicesWriter}: upstream's
     * endpoint and endpointslice controllers are two identities with a role each.
     */
    public EndpointsController(KubeClient client, KubeClient slicesWriter, InformerFactory informers, Clock clock,
                               int workers) {
        this.endpointsClient = client.resource(Kind.ENDPOINTS);
        this.slicesClient = slicesWriter.resource(Kind.ENDPOINT_SLICES);
        this.services = informers.informer(Kind.SERVICES);
        this.pods = informers.informer(Kind.PODS);
        this.endpoints = informers.informer(Kind.ENDPOINTS);
        this.slices = informers.informer(Kind.ENDPOINT_SLICES);
        this.clock = clock;
        this.events = new EventRecorder(client, COMPONENT, clock);
        this.loop = new ControllerLoop(COMPONENT, queue, this::sync, workers);
        slices.addIndexer(SERVICE_INDEX, s -> {
            String service = labels(s).get(SERVICE_NAME_LABEL);
            return service == null ? List.of() : List.of(SharedInformer.key(s.getMetadata().getNamespace(), service));
        });
        services.addEventHandler(ResourceEventHandler.of(this::enqueue, this::enqueue));
        endpoints.addEventHandler(ResourceEventHandler.of(this::enqueue, this::enqueue));
        slices.addEventHandler(ResourceEventHandler.of(this::enqueueSliceService, this::enqueueSliceService));
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                enqueueSelecting(pod, null);
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                if (!Objects.equals(old.getMetadata().getResourceVersion(), pod.getMetadata().getResourceVersion())) {
                    enqueueSelecting(pod, old);
                }
            }

            @Override
            public void onDelete(Pod pod) {
                enqueueSelecting(pod, null);
            }
        });
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
        events.close();
    }

    // ---- event handlers ----------------------------------------------------------------------------------------

    private void enqueue(io.fabric8.kubernetes.api.model.HasMetadata object) {
        queue.add(SharedInformer.key(object));
    }

    private void enqueueSliceService(EndpointSlice slice) {
        String service = labels(slice).get(SERVICE_NAME_LABEL);
        if (service != null) {
            queue.add(SharedInformer.key(slice.getMetadata().getNamespace(), service));
        }
    }

    private void enqueueSelecting(Pod pod, Pod old) {
        for (Service service : services.list(pod.getMetadata().getNamespace())) {
            Map<String, String> selector = service.getSpec().getSelector();
            if (selector == null || selector.isEmpty()) {
                continue;
            }
            if (selects(selector, pod) || (old != null && selects(selector, old))) {
                enqueue(service);
            }
        }
    }

    static boolean selects(Map<String, String> selector, Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static Map<String, String> labels(io.fabric8.kubernetes.api.model.HasMetadata o) {
        return o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
    }

    // ---- sync --------------------------------------------------------------------------------------------------

    private void sync(String key) {
        int slash = key.indexOf('/');
        String namespace = key.substring(0, slash);
        String name = key.substring(slash + 1);
        Optional<Service> cached = services.getByKey(key);
        if (cached.isEmpty() || Owners.isDeleting(cached.get())) {
            // the service is gone: its Endpoints go with it (slices are owned, deleted here without waiting for GC)
            endpoints.getByKey(key).filter(e -> !"true".equals(labels(e).get(SKIP_MIRROR_LABEL)) || cached.isEmpty())
                    .ifPresent(e -> {
                        if (cached.isEmpty() && !managedEndpoints(e)) {
                            return; // a user's Endpoints without a service stays
                        }
                        delete(endpointsClient, namespace, name);
                    });
            for (EndpointSlice slice : slices.byIndex(SERVICE_INDEX, key)) {
                String manager = labels(slice).get(MANAGED_BY_LABEL);
                if (MANAGED_BY.equals(manager) || MIRRORED_BY.equals(manager)) {
                    delete(slicesClient, namespace, slice.getMetadata().getName());
                }
            }
            return;
        }
        Service service = cached.get();
        if ("ExternalName".equals(service.getSpec().getType())) {
            reconcileSlices(service, List.of(), MANAGED_BY);
            reconcileSlices(service, List.of(), MIRRORED_BY);
            return;
        }
        Map<String, String> selector = service.getSpec().getSelector();
        if (selector == null || selector.isEmpty()) {
            reconcileSlices(service, List.of(), MANAGED_BY);
            Optional<Endpoints> user = endpoints.getByKey(key);
            boolean mirror = user.isPresent() && !"true".equals(labels(user.get()).get(SKIP_MIRROR_LABEL));
            reconcileSlices(service, mirror ? mirrored(user.get()) : List.of(), MIRRORED_BY);
            return;
        }
        reconcileSlices(service, List.of(), MIRRORED_BY);
        List<Pod> selected = pods.list(namespace).stream().filter(p -> selects(selector, p)).toList();
        ServiceEndpoints computed = ServiceEndpoints.of(service, selected);
        syncEndpoints(service, computed);
        reconcileSlices(service, computed.slices(MAX_ENDPOINTS_PER_SLICE), MANAGED_BY);
    }

    /** Whether an Endpoints object is one this controller wrote (it copies the service's labels; users' have none). */
    private static boolean managedEndpoints(Endpoints e) {
        return e.getMetadata().getAnnotations() != null && e.getMetadata().getAnnotations().containsKey(TRIGGER_TIME);
    }

    private String now() {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant());
    }

    private void syncEndpoints(Service service, ServiceEndpoints computed) {
        String namespace = service.getMetadata().getNamespace();
        String name = service.getMetadata().getName();
        ServiceEndpoints.Subsets subsets = computed.subsets(service);
        Map<String, String> labels = new LinkedHashMap<>(labels(service));
        if (ServiceEndpoints.headless(service)) {
            labels.put(ServiceEndpoints.HEADLESS_LABEL, "");
        }
        Optional<Endpoints> current = endpoints.get(namespace, name);
        if (current.isPresent()) {
            Endpoints e = current.get();
            boolean overCapacity = e.getMetadata().getAnnotations() != null
                    && e.getMetadata().getAnnotations().containsKey(OVER_CAPACITY);
            if (Objects.equals(nullToEmpty(e.getSubsets()), subsets.subsets()) && labels.equals(labels(e))
                    && overCapacity == subsets.truncated()) {
                return;
            }
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        current.map(e -> e.getMetadata().getAnnotations()).ifPresent(annotations::putAll);
        annotations.put(TRIGGER_TIME, now());
        if (subsets.truncated()) {
            annotations.put(OVER_CAPACITY, "truncated");
        } else {
            annotations.remove(OVER_CAPACITY);
        }
        EndpointsBuilder desired = current.map(EndpointsBuilder::new).orElseGet(() -> new EndpointsBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata());
        Endpoints object = desired.editMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
                .withSubsets(subsets.subsets()).build();
        try {
            if (current.isPresent()) {
                endpointsClient.update(object);
            } else {
                endpointsClient.create(object);
            }
        } catch (ClusterException.Conflict | ClusterException.AlreadyExists e) {
            throw e; // a stale cache: the next sync sees the newer object
        } catch (ClusterException e) {
            events.event(service, EventRecorder.WARNING,
                    current.isPresent() ? "FailedToUpdateEndpoint" : "FailedToCreateEndpoint",
                    "Failed to " + (current.isPresent() ? "update" : "create") + " endpoint " + namespace + "/" + name
                            + ": " + e.getMessage());
            throw e;
        }
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** A user's Endpoints as slice contents: one per subset, ready addresses ready and serving, the others neither. */
    static List<ServiceEndpoints.SliceContent> mirrored(Endpoints user) {
        List<ServiceEndpoints.SliceContent> out = new ArrayList<>();
        for (EndpointSubset subset : nullToEmpty(user.getSubsets())) {
            List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports = new ArrayList<>();
            for (EndpointPort p : nullToEmpty(subset.getPorts())) {
                ports.add(ServiceEndpoints.slicePort(new io.fabric8.kubernetes.api.model.EndpointPortBuilder(p)
                        .withName(p.getName() == null ? "" : p.getName())
                        .withProtocol(p.getProtocol() == null ? "TCP" : p.getProtocol()).build()));
            }
            List<Endpoint> list = new ArrayList<>();
            for (EndpointAddress a : nullToEmpty(subset.getAddresses())) {
                list.add(mirroredEndpoint(a, true));
            }
            for (EndpointAddress a : nullToEmpty(subset.getNotReadyAddresses())) {
                list.add(mirroredEndpoint(a, false));
            }
            if (!list.isEmpty()) {
                for (int from = 0; from < list.size(); from += MAX_ENDPOINTS_PER_SLICE) {
                    out.add(new ServiceEndpoints.SliceContent(ports,
                            list.subList(from, Math.min(list.size(), from + MAX_ENDPOINTS_PER_SLICE))));
                }
            }
        }
        return out;
    }

    private static Endpoint mirroredEndpoint(EndpointAddress a, boolean ready) {
        EndpointBuilder b = new EndpointBuilder().withAddresses(a.getIp()).withNewConditions().withReady(ready)
                .withServing(ready).withTerminating(false).endConditions()
                .withHostname(a.getHostname()).withNodeName(a.getNodeName()).withTargetRef(a.getTargetRef());
        return b.build();
    }

    /**
     * Makes the slices of {@code manager} for this service hold {@code desired}: existing slices are rewritten in
     * order when their content differs, missing ones created with {@code generateName: <service>-}, extra ones
     * deleted.
     */
    private void reconcileSlices(Service service, List<ServiceEndpoints.SliceContent> desired, String manager) {
        String namespace = service.getMetadata().getNamespace();
        String name = service.getMetadata().getName();
        List<EndpointSlice> existing = new ArrayList<>(slices.byIndex(SERVICE_INDEX, SharedInformer.key(service)).stream()
                .filter(s -> manager.equals(labels(s).get(MANAGED_BY_LABEL)))
                .sorted(java.util.Comparator.comparing(s -> s.getMetadata().getName())).toList());
        // slices of this manager owned by someone else (or another address type) are not ours to keep
        for (var it = existing.iterator(); it.hasNext(); ) {
            EndpointSlice s = it.next();
            boolean owned = Owners.isControlledBy(s, service.getMetadata().getUid());
            if (!owned || !"IPv4".equals(s.getAddressType())) {
                delete(slicesClient, namespace, s.getMetadata().getName());
                it.remove();
            }
        }
        Map<String, String> labels = new LinkedHashMap<>(labels(service));
        labels.keySet().removeAll(Set.of(SERVICE_NAME_LABEL, MANAGED_BY_LABEL));
        if (ServiceEndpoints.headless(service)) {
            labels.put(ServiceEndpoints.HEADLESS_LABEL, "");
        }
        labels.put(SERVICE_NAME_LABEL, name);
        labels.put(MANAGED_BY_LABEL, manager);
        if (MIRRORED_BY.equals(manager) && desired.isEmpty() && existing.isEmpty()) {
            return;
        }
        for (int i = 0; i < desired.size(); i++) {
            ServiceEndpoints.SliceContent content = desired.get(i);
            if (i < existing.size()) {
                EndpointSlice s = existing.get(i);
                if (Objects.equals(nullToEmpty(s.getPorts()), content.ports())
                        && Objects.equals(nullToEmpty(s.getEndpoints()), content.endpoints())
                        && labels.equals(labels(s))) {
                    continue;
                }
                slicesClient.update(new EndpointSliceBuilder(s).editMetadata().withLabels(labels)
                        .addToAnnotations(TRIGGER_TIME, now()).endMetadata().withPorts(content.ports())
                        .withEndpoints(content.endpoints()).build());
            } else {
                slicesClient.create(new EndpointSliceBuilder().withNewMetadata().withGenerateName(name + "-")
                        .withNamespace(namespace).withLabels(labels).addToAnnotations(TRIGGER_TIME, now())
                        .withOwnerReferences(Owners.controllerRef(service, "v1", "Service")).endMetadata()
                        .withAddressType("IPv4").withPorts(content.ports()).withEndpoints(content.endpoints())
                        .build());
            }
        }
        for (int i = desired.size(); i < existing.size(); i++) {
            delete(slicesClient, namespace, existing.get(i).getMetadata().getName());
        }
    }

    private static void delete(ResourceClient<?> client, String namespace, String name) {
        try {
            client.delete(namespace, name, DeleteOptions.defaults());
        } catch (ClusterException.NotFound e) {
            // already gone
        }
    }
}
