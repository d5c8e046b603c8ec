package dev.j8s.controllers.certificates;

import dev.j8s.api.ClusterException;
import dev.j8s.api.certificates.CertificateRequest;
import dev.j8s.api.client.KubeClient;
import dev.j8s.controllers.informers.InformerFactory;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Approves kubelet client certificates after a SubjectAccessReview, as upstream's {@code csrapproving} controller
 * ({@code pkg/controller/certificates/approver/sarapprove.go}): a pending request of the
 * {@code kube-apiserver-client-kubelet} signer that the signer would accept is approved when its requestor may
 * {@code create certificatesigningrequests/selfnodeclient} (renewing its own identity: the requestor is the
 * subject's common name) or {@code certificatesigningrequests/nodeclient} (a bootstrap identity asking for a node
 * one), with reason {@code AutoApproved} and upstream's message. Serving certificates are never approved here, as
 * upstream. Acts as {@code certificate-controller}. Thread-safe.
 */
public final class CsrApprovingController extends CsrController {

    static final String REASON = "AutoApproved";
    static final String SELF_MESSAGE = "Auto approving self kubelet client certificate after SubjectAccessReview.";
    static final String NODE_MESSAGE = "Auto approving kubelet client certificate after SubjectAccessReview.";

    private static final System.Logger LOG = System.getLogger(CsrApprovingController.class.getName());

    private final AccessReviewer reviewer;

    public CsrApprovingController(KubeClient client, InformerFactory informers, AccessReviewer reviewer, Clock clock) {
        super("csrapproving", client, informers, clock);
        this.reviewer = reviewer;
    }

    @Override
    void sync(String key, CertificateSigningRequest csr) {
        if (Conditions.hasCertificate(csr) || Conditions.hasTrue(csr, Conditions.APPROVED)
                || Conditions.hasTrue(csr, Conditions.DENIED)) {
            return;
        }
        if (!CsrSigningController.CLIENT_KUBELET.equals(csr.getSpec().getSignerName())) {
            return;
        }
        CertificateRequest request = Conditions.parsedRequest(csr);
        List<String> usages = Conditions.usages(csr);
        if (CsrSigningController.validate(CsrSigningController.CLIENT_KUBELET, request, usages).isPresent()) {
            return; // not a node client certificate: left for a person to approve or deny
        }
        boolean self = request.commonName().equals(csr.getSpec().getUsername());
        if (self && allowed(csr, "selfnodeclient")) {
            approve(csr, SELF_MESSAGE);
        } else if (allowed(csr, "nodeclient")) {
            approve(csr, NODE_MESSAGE);
        } else {
            LOG.log(Level.DEBUG, "recognized csr={0} as a node client certificate but subject access review was "
                    + "not approved", key);
        }
    }

    private boolean allowed(CertificateSigningRequest csr, String subresource) {
        var spec = csr.getSpec();
        Map<String, List<String>> extra = spec.getExtra() == null ? Map.of() : spec.getExtra();
        return reviewer.allowed(new AccessReviewer.Review(nullToEmpty(spec.getUsername()), nullToEmpty(spec.getUid()),
                spec.getGroups() == null ? List.of() : spec.getGroups(), extra, "create", "certificates.k8s.io",
                "certificatesigningrequests", subresource));
    }

    private void approve(CertificateSigningRequest csr, String message) {
        try {
            requests.updateSubresource(Conditions.withCondition(csr, Conditions.APPROVED, REASON, message,
                    clock.instant()), "approval");
            LOG.log(Level.INFO, "approved csr={0} requestor={1}", csr.getMetadata().getName(),
                    csr.getSpec().getUsername());
        } catch (ClusterException.NotFound gone) {
            // deleted meanwhile
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
