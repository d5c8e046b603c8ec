package dev.j8s.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.Cluster;
import dev.j8s.api.client.KubeClient;
import dev.j8s.apiserver.admission.Admission;
import dev.j8s.apiserver.admission.AdmissionOptions;
import dev.j8s.apiserver.admission.ServiceIpAllocator;
import dev.j8s.apiserver.authentication.Authenticator;
import dev.j8s.apiserver.authentication.BootstrapTokens;
import dev.j8s.apiserver.authentication.ServiceAccountKeys;
import dev.j8s.apiserver.authentication.ServiceAccountTokens;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.apiserver.authorization.node.NodeAuthorizer;
import dev.j8s.apiserver.authorization.node.NodeGraph;
import dev.j8s.apiserver.authorization.rbac.BootstrapPolicy;
import dev.j8s.apiserver.authorization.rbac.Escalation;
import dev.j8s.apiserver.authorization.rbac.RbacAuthorizer;
import dev.j8s.apiserver.authorization.rbac.RbacIndex;
import dev.j8s.apiserver.authorization.rbac.RuleResolver;
import dev.j8s.apiserver.http.AccessControl;
import dev.j8s.apiserver.local.InProcessCluster;
import dev.j8s.apiserver.local.InProcessKubeClient;
import dev.j8s.apiserver.registry.Resources;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.rest.Reviews;
import dev.j8s.apiserver.rest.TokenRequests;
import dev.j8s.apiserver.storage.Store;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The API over a store without its HTTP listener: admission, the verbs, authentication (admin token, client
 * certificates, service-account tokens) and the authorizer chain ({@code system:masters}, then the configured
 * modes) with the indexes that feed it, token requests and reviews. What {@link ApiServer} serves over HTTPS and
 * what in-process callers and tests use. Thread-safe; {@link #close()} stops the indexes' watches (not the store).
 */
public final class ApiCore implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ApiCore.class.getName());

    private final ObjectService objects;
    private final Admission admission;
    private final ServiceIpAllocator ips;
    private final ServiceAccountTokens tokens;
    private final Authorizer authorizer;
    private final AccessControl access;
    private final List<AutoCloseable> indexes;

    private ApiCore(ObjectService objects, Admission admission, ServiceIpAllocator ips, ServiceAccountTokens tokens,
                    Authorizer authorizer, AccessControl access, List<AutoCloseable> indexes) {
        this.objects = objects;
        this.admission = admission;
        this.ips = ips;
        this.tokens = tokens;
        this.authorizer = authorizer;
        this.access = access;
        this.indexes = indexes;
    }

    /**
     * The API over {@code store}.
     *
     * @param adminToken the token of {@code system:admin}
     */
    public static ApiCore over(Store store, String adminToken, String serviceCidr, Set<String> admissionPlugins,
                               AdmissionOptions admissionOptions, ApiServerConfig.Identity identity, Clock clock) {
        List<AutoCloseable> indexes = new ArrayList<>();
        try {
            ServiceIpAllocator ips = new ServiceIpAllocator(serviceCidr);
            Admission.Lookup lookup = ObjectService.lookup(store);
            Admission admission = new Admission(lookup, ips, admissionPlugins, admissionOptions);
            ObjectService objects = new ObjectService(store, Resources.builtin(), admission, clock);
            ServiceAccountTokens tokens = new ServiceAccountTokens(
                    new ServiceAccountKeys(identity.serviceAccountKey(), List.of()), identity.issuer(),
                    List.of(identity.issuer()), lookup::get, clock);
            Authenticator authenticator = new Authenticator(adminToken, identity.clientCa(), tokens,
                    Optional.of(new BootstrapTokens(lookup::get, clock)), clock);
            RbacIndex rbac = RbacIndex.watching(store);
            indexes.add(rbac);
            RuleResolver resolver = new RuleResolver(rbac);
            List<Authorizer> chain = new ArrayList<>();
            chain.add(Authorizer.privilegedGroup());
            for (String mode : identity.authorizationModes()) {
                switch (mode) {
                    case "Node" -> {
                        NodeGraph graph = NodeGraph.watching(store);
                        indexes.add(graph);
                        chain.add(new NodeAuthorizer(graph, BootstrapPolicy.nodeRules()));
                    }
                    case "RBAC" -> chain.add(new RbacAuthorizer(resolver));
                    case "AlwaysAllow" -> chain.add(a -> Decision.ALLOW);
                    case "AlwaysDeny" -> chain.add(a -> new Decision(Decision.Kind.DENY, ""));
                    default -> throw new IllegalArgumentException("unknown authorization mode " + mode);
                }
            }
            Authorizer authorizer = Authorizer.union(chain);
            admission.preventEscalation(new Escalation(resolver, authorizer));
            admission.authorizeSigners(authorizer);
            AccessControl access = new AccessControl(authenticator, authorizer, tokens,
                    new TokenRequests(objects, admission, tokens),
                    new Reviews(authorizer, authenticator, tokens.apiAudiences(), clock));
            return new ApiCore(objects, admission, ips, tokens, authorizer, access, indexes);
        } catch (RuntimeException e) {
            closeAll(indexes);
            throw e;
        }
    }

    public ObjectService objects() {
        return objects;
    }

    public ServiceIpAllocator ips() {
        return ips;
    }

    public ServiceAccountTokens tokens() {
        return tokens;
    }

    public Authorizer authorizer() {
        return authorizer;
    }

    public AccessControl access() {
        return access;
    }

    /**
     * The API as {@code user} from inside this JVM: every call is authorized for that user by the same chain as
     * over HTTPS and admitted as that user (the embedded kubelet acts as {@code system:node:<node>}).
     */
    public Cluster cluster(UserInfo user) {
        return InProcessCluster.of(objects, user, authorizer, access.tokenRequests());
    }

    /**
     * A {@link KubeClient} acting as {@code user} from inside this JVM, authorized and admitted as {@link #cluster}'s
     * calls are (the controllers act as their service accounts).
     */
    public KubeClient kubeClient(UserInfo user) {
        return InProcessKubeClient.of(objects, user, authorizer);
    }

    @Override
    public void close() {
        closeAll(indexes);
    }

    private static void closeAll(List<AutoCloseable> closeables) {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing an index failed", e);
            }
        }
    }
}
