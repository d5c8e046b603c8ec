package dev.j8s.controllers.certificates;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import java.time.Clock;

/**
 * What the approver and the signer share: the CertificateSigningRequests informer, a queue fed by its adds and
 * updates (a deleted request needs nothing), one worker, and a sync of the cached request, if it is still there.
 */
abstract class CsrController implements AutoCloseable {

    protected final ResourceClient<CertificateSigningRequest> requests;
    protected final Clock clock;
    private final SharedInformer<CertificateSigningRequest> informer;
    private final ControllerLoop loop;

    CsrController(String name, KubeClient client, InformerFactory informers, Clock clock) {
        this.requests = client.resource(Kind.CERTIFICATE_SIGNING_REQUESTS);
        this.informer = informers.informer(Kind.CERTIFICATE_SIGNING_REQUESTS);
        this.clock = clock;
        WorkQueue queue = new WorkQueue(name, RateLimiter.defaults());
        this.loop = new ControllerLoop(name, queue, this::sync, 1);
        informer.addEventHandler(ResourceEventHandler.of(csr -> queue.add(SharedInformer.key(csr)), csr -> { }));
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
    }

    private void sync(String key) {
        informer.getByKey(key).ifPresent(csr -> sync(key, csr));
    }

    /** Acts on the request cached under {@code key}. */
    abstract void sync(String key, CertificateSigningRequest csr);
}
