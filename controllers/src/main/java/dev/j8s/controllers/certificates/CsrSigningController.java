package dev.j8s.controllers.certificates;

import dev.j8s.api.ClusterException;
import dev.j8s.api.certificates.CertificateRequest;
import dev.j8s.api.certificates.PemBlock;
import dev.j8s.api.client.KubeClient;
import dev.j8s.controllers.informers.InformerFactory;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import java.lang.System.Logger.Level;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Signs approved CertificateSigningRequests of the kubernetes.io signers with the cluster CA, as upstream's
 * {@code csrsigning} controller ({@code pkg/controller/certificates/signer}): {@code kube-apiserver-client-kubelet}
 * (subject {@code O=system:nodes}, {@code CN=system:node:<name>}, no SANs, the kubelet client usages),
 * {@code kubelet-serving} (the same subject, a DNS or IP SAN, the serving usages) and {@code kube-apiserver-client}
 * (client usages). A request a signer cannot sign gets the {@code Failed} condition with reason
 * {@code SignerValidationFailure} and upstream's message; the certificate lives for the requested
 * {@code expirationSeconds} within 10 minutes and the signer's TTL ({@code --cluster-signing-duration}, a year by
 * default). Acts as {@code certificate-controller}. Thread-safe.
 */
public final class CsrSigningController extends CsrController {

    /** Upstream's service account of the certificate controllers. */
    public static final String SERVICE_ACCOUNT = "certificate-controller";
    /** Upstream's {@code --cluster-signing-duration} default. */
    public static final Duration DEFAULT_DURATION = Duration.ofDays(365);

    static final String KUBELET_SERVING = "kubernetes.io/kubelet-serving";
    static final String CLIENT_KUBELET = "kubernetes.io/kube-apiserver-client-kubelet";
    static final String APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client";
    static final String FAILURE_REASON = "SignerValidationFailure";

    private static final System.Logger LOG = System.getLogger(CsrSigningController.class.getName());
    private static final Duration MIN_DURATION = Duration.ofMinutes(10);

    private final CertificateAuthority ca;
    private final Duration certificateTtl;

    public CsrSigningController(KubeClient client, InformerFactory informers, CertificateAuthority ca,
                                Duration certificateTtl, Clock clock) {
        super("csrsigning", client, informers, clock);
        this.ca = ca;
        this.certificateTtl = certificateTtl;
    }

    @Override
    void sync(String key, CertificateSigningRequest csr) {
        if (!Conditions.hasTrue(csr, Conditions.APPROVED) || Conditions.hasTrue(csr, Conditions.FAILED)
                || Conditions.hasCertificate(csr)) {
            return;
        }
        String signer = csr.getSpec().getSignerName();
        if (!Set.of(KUBELET_SERVING, CLIENT_KUBELET, APISERVER_CLIENT).contains(signer)) {
            return; // another signer's request
        }
        CertificateRequest request = Conditions.parsedRequest(csr);
        List<String> usages = Conditions.usages(csr);
        Optional<String> invalid = validate(signer, request, usages);
        CertificateSigningRequest next;
        if (invalid.isPresent()) {
            next = Conditions.withCondition(csr, Conditions.FAILED, FAILURE_REASON, invalid.get(), clock.instant());
            LOG.log(Level.INFO, "refused to sign csr={0} signer={1}: {2}", key, signer, invalid.get());
        } else {
            X509Certificate certificate = ca.sign(request, usages, duration(csr.getSpec().getExpirationSeconds()),
                    clock.instant());
            String pem = PemBlock.encode("CERTIFICATE", encoded(certificate));
            next = Conditions.withStatus(csr, status -> status.setCertificate(
                    Base64.getEncoder().encodeToString(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
            LOG.log(Level.INFO, "signed csr={0} signer={1} subject=\"{2}\" notAfter={3}", key, signer,
                    certificate.getSubjectX500Principal(), certificate.getNotAfter().toInstant());
        }
        try {
            requests.updateStatus(next);
        } catch (ClusterException.NotFound gone) {
            // deleted meanwhile
        }
    }

    /** Upstream's signer duration: the TTL, or the requested duration when shorter, at least 10 minutes. */
    Duration duration(Integer expirationSeconds) {
        if (expirationSeconds == null) {
            return certificateTtl;
        }
        Duration requested = Duration.ofSeconds(expirationSeconds);
        if (requested.compareTo(certificateTtl) > 0) {
            return certificateTtl;
        }
        return requested.compareTo(MIN_DURATION) < 0 ? MIN_DURATION : requested;
    }

    /** Why {@code signer} may not sign {@code request} with {@code usages}, in upstream's words; empty when it may. */
    static Optional<String> validate(String signer, CertificateRequest request, List<String> usages) {
        Set<String> used = new TreeSet<>(usages);
        return switch (signer) {
            case CLIENT_KUBELET -> kubeletClient(request, used);
            case KUBELET_SERVING -> kubeletServing(request, used);
            case APISERVER_CLIENT -> apiServerClient(usages);
            default -> Optional.of("unrecognized signerName: \"" + signer + "\"");
        };
    }

    private static Optional<String> kubeletClient(CertificateRequest request, Set<String> usages) {
        if (!request.organizations().equals(List.of("system:nodes"))) {
            return Optional.of("subject organization is not system:nodes");
        }
        if (!request.dnsNames().isEmpty()) {
            return Optional.of("DNS subjectAltNames are not allowed");
        }
        if (!request.emailAddresses().isEmpty()) {
            return Optional.of("Email subjectAltNames are not allowed");
        }
        if (!request.ipAddresses().isEmpty()) {
            return Optional.of("IP subjectAltNames are not allowed");
        }
        if (!request.uris().isEmpty()) {
            return Optional.of("URI subjectAltNames are not allowed");
        }
        if (!request.commonName().startsWith("system:node:")) {
            return Optional.of("subject common name does not begin with system:node:");
        }
        if (!usages.equals(Set.of("digital signature", "key encipherment", "client auth"))
                && !usages.equals(Set.of("digital signature", "client auth"))) {
            return Optional.of("usages did not match [client auth digital signature key encipherment]");
        }
        return Optional.empty();
    }

    private static Optional<String> kubeletServing(CertificateRequest request, Set<String> usages) {
        if (!request.organizations().equals(List.of("system:nodes"))) {
            return Optional.of("subject organization is not system:nodes");
        }
        if (request.dnsNames().isEmpty() && request.ipAddresses().isEmpty()) {
            return Optional.of("DNS or IP subjectAltName is required");
        }
        if (!request.emailAddresses().isEmpty()) {
            return Optional.of("Email subjectAltNames are not allowed");
        }
        if (!request.uris().isEmpty()) {
            return Optional.of("URI subjectAltNames are not allowed");
        }
        if (!usages.equals(Set.of("digital signature", "key encipherment", "server auth"))
                && !usages.equals(Set.of("digital signature", "server auth"))) {
            return Optional.of("usages did not match [digital signature key encipherment server auth]");
        }
        if (!request.commonName().startsWith("system:node:")) {
            return Optional.of("subject common name does not begin with system:node:");
        }
        return Optional.empty();
    }

    private static Optional<String> apiServerClient(List<String> usages) {
        boolean clientAuth = false;
        for (String usage : usages) {
            switch (usage) {
                case "digital signature", "key encipherment" -> { }
                case "client auth" -> clientAuth = true;
                default -> {
                    return Optional.of("invalid usage for client certificate: " + usage);
                }
            }
        }
        return clientAuth ? Optional.empty() : Optional.of("missing required usage for client certificate: client auth");
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new CertificateAuthority.SigningException("failed to encode certificate: " + e.getMessage());
        }
    }
}
