package dev.j8s.apiserver.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.Cluster;
import dev.j8s.api.ClusterException;
import dev.j8s.api.PodEvent;
import dev.j8s.api.PodSource;
import dev.j8s.apiserver.authentication.RequestUser;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.patch.PatchType;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.DeleteOptions;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.rest.TokenRequests;
import dev.j8s.apiserver.selection.FieldSelector;
import dev.j8s.apiserver.selection.LabelSelector;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * {@link Cluster} that calls the API server's {@link ObjectService} in this JVM; thread-safe.
 *
 * <p>Every call takes the path a request takes over HTTP once decoded: the same verbs (create, update,
 * patch, delete, get, list), so admission, validation, defaulting, server-owned metadata and
 * resourceVersion checks all apply, and it never writes the store itself. Objects cross as fabric8 model
 * types converted to and from the server's trees ({@link Trees}); errors are the {@link ClusterException}
 * kinds {@code FabricCluster} raises for the same API answers. Pod watches are {@link PodInformer}s over the
 * store's watch.
 *
 * <p>The caller is an identity given at construction (the embedded kubelet is {@code system:node:<node>}): every
 * call is authorized for it by the server's authorizer chain with the attributes the same request over HTTP has,
 * refused with the same 403, and runs as it ({@link RequestUser}), so admission (NodeRestriction) applies too.
 * What the HTTP path does and this does not: authentication (the identity is given), content negotiation and
 * the fieldValidation check of unknown fields (fabric8 objects have no unknown fields unless put in their
 * additionalProperties, and the default mode only warns).
 */
public final class InProcessCluster implements Cluster {

    private final ObjectService objects;
    private final ResourceType pods;
    private final ResourceType secrets;
    private final ResourceType configMaps;
    private final ResourceType serviceAccounts;
    private final ResourceType services;
    private final ResourceType events;
    private final ResourceType nodes;
    private final ResourceType leases;
    private final UserInfo user;
    private final Caller caller;
    private final Optional<TokenRequests> tokenRequests;
    private final Set<PodInformer> informers = ConcurrentHashMap.newKeySet();

    private InProcessCluster(ObjectService objects, UserInfo user, Authorizer authorizer,
                             Optional<TokenRequests> tokenRequests) {
        this.objects = objects;
        this.user = user;
        this.caller = new Caller(user, authorizer);
        this.tokenRequests = tokenRequests;
        this.pods = type(objects, "", "pods");
        this.secrets = type(objects, "", "secrets");
        this.configMaps = type(objects, "", "configmaps");
        this.serviceAccounts = type(objects, "", "serviceaccounts");
        this.services = type(objects, "", "services");
        this.events = type(objects, "", "events");
        this.nodes = type(objects, "", "nodes");
        this.leases = type(objects, "coordination.k8s.io", "leases");
    }

    /**
     * A cluster over {@code objects}, the verbs of a running API server ({@code ApiServer.objects()}), acting as the
     * API server itself (every call allowed): for tests of the verbs alone.
     */
    public static InProcessCluster of(ObjectService objects) {
        return new InProcessCluster(objects, UserInfo.APISERVER, a -> Decision.ALLOW, Optional.empty());
    }

    /**
     * A cluster over {@code objects} whose calls are made as {@code user}, authorized by {@code authorizer}, with
     * {@code tokenRequests} answering {@link #createToken}.
     */
    public static InProcessCluster of(ObjectService objects, UserInfo user, Authorizer authorizer,
                                      TokenRequests tokenRequests) {
        return new InProcessCluster(objects, user, authorizer, Optional.of(tokenRequests));
    }

    /** The identity calls are made as. */
    public UserInfo user() {
        return user;
    }

    private static ResourceType type(ObjectService objects, String group, String plural) {
        return objects.resources().find(group, "v1", plural)
                .orElseThrow(() -> new IllegalStateException("the API server serves no " + plural + " in " + group + "/v1"));
    }

    @Override
    public PodSource watchPods(String nodeName, Consumer<PodEvent> handler) {
        return watchPods(nodeName, handler, PodInformer.MAX_QUEUED);
    }

    /** {@link #watchPods(String, Consumer)} that relists once more than {@code maxQueued} changes wait. */
    PodSource watchPods(String nodeName, Consumer<PodEvent> handler, int maxQueued) {
        String action = "watch pods on node " + nodeName;
        for (String verb : List.of("list", "watch")) {
            authorize(action, Attributes.resource(user, verb, "", "v1", "", "pods", "", "")
                    .withFieldSelector("spec.nodeName=" + nodeName));
        }
        PodInformer informer = PodInformer.start(objects, pods, nodeName, handler, informers::remove, maxQueued);
        informers.add(informer);
        return informer;
    }

    @Override
    public Optional<Pod> pod(String namespace, String name) {
        return find("get pod " + namespace + "/" + name, pods, namespace, name, Pod.class);
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return find("get secret " + namespace + "/" + name, secrets, namespace, name, Secret.class);
    }

    @Override
    public Optional<ConfigMap> configMap(String namespace, String name) {
        return find("get configmap " + namespace + "/" + name, configMaps, namespace, name, ConfigMap.class);
    }

    @Override
    public Optional<PersistentVolumeClaim> persistentVolumeClaim(String namespace, String name) {
        return find("get persistentvolumeclaim " + namespace + "/" + name, type(objects, "", "persistentvolumeclaims"),
                namespace, name, PersistentVolumeClaim.class);
    }

    @Override
    public Optional<PersistentVolume> persistentVolume(String name) {
        return find("get persistentvolume " + name, type(objects, "", "persistentvolumes"), "", name,
                PersistentVolume.class);
    }

    @Override
    public Optional<ServiceAccount> serviceAccount(String namespace, String name) {
        return find("get serviceaccount " + namespace + "/" + name, serviceAccounts, namespace, name,
                ServiceAccount.class);
    }

    @Override
    public TokenRequest createToken(String namespace, String serviceAccount, TokenRequest request) {
        String action = "create token for serviceaccount " + namespace + "/" + serviceAccount;
        authorize(action, attributes("create", serviceAccounts, namespace, "token", serviceAccount));
        TokenRequests requests = tokenRequests.orElseThrow(() -> ClusterException.of(action
                + ": this in-process cluster serves no token requests", 404, "NotFound", null));
        return call(action, () -> {
            ObjectNode body = Trees.toTree(request);
            body.put("apiVersion", "authentication.k8s.io/v1");
            body.put("kind", "TokenRequest");
            return Trees.fromTree(requests.create(namespace, serviceAccount, body), TokenRequest.class);
        });
    }

    @Override
    public List<Service> services(String namespace) {
        authorize("list services in " + namespace, attributes("list", services, namespace, "", ""));
        return call("list services in " + namespace, () -> objects.list(services, namespace,
                LabelSelector.everything(), FieldSelector.everything()).items().stream()
                .map(s -> Trees.fromTree(s, Service.class)).toList());
    }

    /**
     * One JSON merge patch of the status subresource carrying {@code metadata.uid}, as {@code FabricCluster}
     * sends it: metadata validation refuses it (uid is immutable) when the name now belongs to another pod.
     */
    @Override
    public Optional<Pod> updatePodStatus(String namespace, String name, String uid, PodStatus status) {
        String action = "update status of pod " + namespace + "/" + name;
        authorize(action, attributes("patch", pods, namespace, "status", name));
        byte[] patch = call(action, () -> Json.MAPPER.writeValueAsBytes(Trees.statusPatch(uid, status)));
        try {
            ObjectNode written = RequestUser.callAs(user,
                    () -> objects.patch(pods, namespace, name, PatchType.MERGE_PATCH, patch, "status", false));
            return Optional.of(Trees.fromTree(written, Pod.class));
        } catch (ApiError.NotFound e) {
            return Optional.empty();
        } catch (ApiError.Invalid e) {
            // 422 (uid is immutable): the name now belongs to another pod
            Optional<Pod> current = pod(namespace, name);
            if (current.isEmpty() || !uid.equals(current.get().getMetadata().getUid())) {
                return Optional.empty();
            }
            throw translate(action, e);
        } catch (ApiError e) {
            throw translate(action, e);
        } catch (RuntimeException e) {
            throw Caller.unanswered(action, e);
        }
    }

    @Override
    public boolean deletePod(String namespace, String name, String uid) {
        DeleteOptions options = DeleteOptions.defaults().withGracePeriod(0).withUid(uid);
        authorize("delete pod " + namespace + "/" + name, attributes("delete", pods, namespace, "", name));
        try {
            RequestUser.runAs(user, () -> objects.delete(pods, namespace, name, options));
            return true;
        } catch (ApiError.NotFound | ApiError.Conflict e) {
            return false; // gone, or the name now belongs to another pod (UID precondition failed)
        } catch (ApiError e) {
            throw translate("delete pod " + namespace + "/" + name, e);
        } catch (RuntimeException e) {
            throw Caller.unanswered("delete pod " + namespace + "/" + name, e);
        }
    }

    @Override
    public Event createEvent(Event event) {
        return create("create event " + key(event), events, namespaceOf(event), event, Event.class);
    }

    @Override
    public Event updateEvent(Event event) {
        return update("update event " + key(event), events, namespaceOf(event), event, "",
                Event.class);
    }

    @Override
    public Optional<Node> node(String name) {
        return find("get node " + name, nodes, "", name, Node.class);
    }

    @Override
    public Node createNode(Node node) {
        return create("create node " + node.getMetadata().getName(), nodes, "", node, Node.class);
    }

    @Override
    public Node updateNode(Node node) {
        return update("update node " + node.getMetadata().getName(), nodes, "", node, "", Node.class);
    }

    @Override
    public Node updateNodeStatus(Node node) {
        return update("update status of node " + node.getMetadata().getName(), nodes, "", node, "status",
                Node.class);
    }

    @Override
    public Optional<Lease> lease(String nodeName) {
        return find("get lease " + NODE_LEASE_NAMESPACE + "/" + nodeName, leases, NODE_LEASE_NAMESPACE, nodeName,
                Lease.class);
    }

    @Override
    public Lease createLease(Lease lease) {
        return create("create lease " + key(lease), leases, NODE_LEASE_NAMESPACE, lease, Lease.class);
    }

    @Override
    public Lease updateLease(Lease lease) {
        return update("update lease " + key(lease), leases, NODE_LEASE_NAMESPACE, lease, "", Lease.class);
    }

    /** Stops every pod watch started here; the API server itself keeps running. */
    @Override
    public void close() {
        for (PodInformer informer : List.copyOf(informers)) {
            informer.close();
        }
    }

    private <T> Optional<T> find(String action, ResourceType type, String namespace, String name, Class<T> model) {
        authorize(action, attributes("get", type, namespace, "", name));
        return call(action, () -> objects.find(type, namespace, name).map(tree -> Trees.fromTree(tree, model)));
    }

    private <T extends HasMetadata> T create(String action, ResourceType type, String namespace, T object,
                                             Class<T> model) {
        authorize(action, attributes("create", type, namespace, "", ""));
        return call(action, () -> {
            if (type.namespaced() && namespace.isEmpty()) {
                throw new ApiError.MethodNotSupported(); // as a POST to the cluster-wide collection is answered
            }
            return Trees.fromTree(objects.createOwned(type, namespace, Trees.toTree(object), false).object(), model);
        });
    }

    private <T extends HasMetadata> T update(String action, ResourceType type, String namespace, T object,
                                             String subresource, Class<T> model) {
        authorize(action, attributes("update", type, namespace, subresource, object.getMetadata().getName()));
        return call(action, () -> Trees.fromTree(objects.update(type, namespace, object.getMetadata().getName(),
                Trees.toTree(object), subresource, false), model));
    }

    private void authorize(String action, Attributes attributes) {
        caller.authorize(action, attributes);
    }

    private Attributes attributes(String verb, ResourceType type, String namespace, String subresource, String name) {
        return caller.attributes(verb, type, namespace, subresource, name);
    }

    private <T> T call(String action, Caller.Call<T> call) {
        return caller.call(action, call);
    }

    /** The {@link ClusterException} for an API error, as {@code FabricCluster.translate} maps its Status. */
    static ClusterException translate(String action, ApiError e) {
        return Caller.translate(action, e);
    }

    private static String namespaceOf(HasMetadata object) {
        String namespace = object.getMetadata() == null ? null : object.getMetadata().getNamespace();
        return namespace == null ? "" : namespace;
    }

    private static String key(HasMetadata object) {
        var meta = object.getMetadata();
        return meta == null ? "?" : (meta.getNamespace() == null ? "" : meta.getNamespace() + "/") + meta.getName();
    }
}
