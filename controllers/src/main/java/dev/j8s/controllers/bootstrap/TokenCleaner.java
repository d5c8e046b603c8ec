package dev.j8s.controllers.bootstrap;

import dev.j8s.api.ClusterException;
import dev.j8s.api.bootstrap.BootstrapTokenSecrets;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.Secret;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Deletes bootstrap token Secrets ({@code kube-system}, type {@code bootstrap.kubernetes.io/token}) once their
 * {@code expiration} has passed (or does not parse), as upstream's token cleaner: a token not yet expired is looked
 * at again when it falls due; the delete carries the Secret's UID as a precondition, so a Secret replaced meanwhile
 * is spared. Acts as {@code token-cleaner}. Thread-safe.
 */
public final class TokenCleaner implements AutoCloseable {

    /** Upstream's name of this controller's service account in {@code kube-system}. */
    public static final String SERVICE_ACCOUNT = "token-cleaner";

    private static final System.Logger LOG = System.getLogger(TokenCleaner.class.getName());

    private final ResourceClient<Secret> secrets;
    private final SharedInformer<Secret> informer;
    private final Clock clock;
    private final WorkQueue queue = new WorkQueue("token-cleaner", RateLimiter.defaults());
    private final ControllerLoop loop;

    public TokenCleaner(KubeClient client, InformerFactory informers, Clock clock) {
        this.secrets = client.resource(Kind.SECRETS);
        this.informer = informers.informer(Kind.SECRETS);
        this.clock = clock;
        this.loop = new ControllerLoop("token-cleaner", queue, this::sync, 1);
        informer.addEventHandler(ResourceEventHandler.of(secret -> {
            if (isBootstrapToken(secret)) {
                queue.add(SharedInformer.key(secret));
            }
        }, secret -> { }));
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
    }

    static boolean isBootstrapToken(Secret secret) {
        return BootstrapTokenSecrets.NAMESPACE.equals(secret.getMetadata().getNamespace())
                && BootstrapTokenSecrets.TYPE.equals(secret.getType());
    }

    void sync(String key) {
        Optional<Secret> cached = informer.getByKey(key);
        if (cached.isEmpty() || !isBootstrapToken(cached.get())) {
            return;
        }
        Secret secret = cached.get();
        Optional<Duration> left = BootstrapTokenSecrets.timeLeft(expiration(secret), clock.instant());
        if (left.isEmpty()) {
            return;
        }
        if (!left.get().isZero()) {
            queue.addAfter(key, left.get());
            return;
        }
        try {
            secrets.delete(secret.getMetadata().getNamespace(), secret.getMetadata().getName(),
                    DeleteOptions.defaults().withUid(secret.getMetadata().getUid()));
            LOG.log(Level.INFO, "deleted an expired bootstrap token secret={0}", key);
        } catch (ClusterException.NotFound gone) {
            // deleted meanwhile
        }
    }

    private static String expiration(Secret secret) {
        String value = secret.getData() == null ? null : secret.getData().get(BootstrapTokenSecrets.EXPIRATION);
        if (value == null) {
            return "";
        }
        try {
            return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "not base64"; // unparsable: expired, as upstream treats it
        }
    }
}
