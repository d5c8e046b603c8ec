package dev.j8s.pki;

import dev.j8s.api.certificates.CertificateRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A kubelet's side of a {@code certificates.k8s.io/v1} CertificateSigningRequest, as upstream's
 * {@code k8s.io/client-go/util/certificate/csr}: it creates the request (or, when one of the same name exists, reuses
 * it if it asks for the same subject and signer with the same key), then watches it until the cluster approves and
 * issues it, or denies it or fails it, which is an error naming the condition's reason and message. Stateless,
 * thread-safe.
 */
public final class CertificateSigningRequests {

    private static final System.Logger LOG = System.getLogger(CertificateSigningRequests.class.getName());

    private CertificateSigningRequests() {}

    /**
     * Creates the request for {@code requestPem} (named {@code name}, else named by the server from {@code csr-}), or
     * reuses the existing one of that name made with the same key.
     */
    public static CertificateSigningRequest request(KubernetesClient client, Optional<String> name, String requestPem,
                                                    String signerName, List<String> usages, KeyPair key) {
        CertificateSigningRequestBuilder builder = new CertificateSigningRequestBuilder().withNewMetadata()
                .endMetadata().withNewSpec()
                .withRequest(Base64.getEncoder().encodeToString(requestPem.getBytes(StandardCharsets.US_ASCII)))
                .withSignerName(signerName).withUsages(usages).endSpec();
        CertificateSigningRequest wanted = name.isPresent()
                ? builder.editMetadata().withName(name.get()).endMetadata().build()
                : builder.editMetadata().withGenerateName("csr-").endMetadata().build();
        try {
            CertificateSigningRequest created = client.certificates().v1().certificateSigningRequests()
                    .resource(wanted).create();
            LOG.log(Level.INFO, "certificate signing request created name={0} signer={1}",
                    created.getMetadata().getName(), signerName);
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409 || name.isEmpty()) {
                throw new PkiException("cannot create certificate signing request: " + e.getMessage(), e);
            }
        }
        CertificateSigningRequest existing;
        try {
            existing = client.certificates().v1().certificateSigningRequests().withName(name.get()).get();
        } catch (KubernetesClientException e) {
            throw new PkiException("cannot retrieve certificate signing request: " + e.getMessage(), e);
        }
        if (existing == null) {
            throw new PkiException("cannot retrieve certificate signing request " + name.get() + ": it is gone");
        }
        String incompatible = incompatibility(existing, wanted, key, Instant.now());
        if (!incompatible.isEmpty()) {
            throw new PkiException("retrieved csr is not compatible: " + incompatible);
        }
        LOG.log(Level.INFO, "certificate signing request for this node exists, reusing it name={0}", name.get());
        return existing;
    }

    /** Why {@code existing} is not the request {@code wanted} made with {@code key}; empty when it is. */
    static String incompatibility(CertificateSigningRequest existing, CertificateSigningRequest wanted, KeyPair key,
                                  Instant now) {
        CertificateRequest existingRequest = parseRequest(existing.getSpec().getRequest());
        CertificateRequest wantedRequest = parseRequest(wanted.getSpec().getRequest());
        if (!existingRequest.subjectName().equals(wantedRequest.subjectName())) {
            return "csr subjects differ: new: " + existingRequest.subjectName() + ", orig: "
                    + wantedRequest.subjectName();
        }
        if (!Objects.equals(existing.getSpec().getSignerName(), wanted.getSpec().getSignerName())) {
            return "csr signerNames differ: new \"" + existing.getSpec().getSignerName() + "\", orig: \""
                    + wanted.getSpec().getSignerName() + "\"";
        }
        try {
            existingRequest.checkSignature(key.getPublic());
        } catch (CertificateRequest.InvalidRequest e) {
            return "error validating signature new CSR against old key: " + e.getMessage();
        }
        String issued = existing.getStatus() == null ? null : existing.getStatus().getCertificate();
        if (issued != null && !issued.isEmpty()) {
            for (X509Certificate c : Pem.parseCertificates(decode(issued), "the issued certificate")) {
                if (now.isAfter(c.getNotAfter().toInstant())) {
                    return "one of the certificates for the CSR has expired: " + c.getNotAfter().toInstant();
                }
            }
        }
        return "";
    }

    /**
     * Watches {@code csr} until it is issued and returns the certificate's PEM; a Denied or Failed condition, a
     * deletion or a new UID is an error, as is no certificate within {@code timeout}.
     */
    public static String waitForCertificate(KubernetesClient client, CertificateSigningRequest csr,
                                            Duration timeout) {
        String name = csr.getMetadata().getName();
        String uid = csr.getMetadata().getUid();
        boolean[] approvedLogged = {false};
        CertificateSigningRequest done;
        try {
            done = client.certificates().v1().certificateSigningRequests().withName(name).waitUntilCondition(c -> {
                if (c == null || !Objects.equals(c.getMetadata().getUid(), uid) || outcome(c).isPresent()) {
                    return true;
                }
                if (approved(c) && !approvedLogged[0]) {
                    approvedLogged[0] = true;
                    LOG.log(Level.INFO, "certificate signing request is approved, waiting to be issued name={0}",
                            name);
                }
                return false;
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new PkiException("certificate signing request " + name + " was not issued within " + timeout);
        } catch (KubernetesClientException e) {
            throw new PkiException("cannot watch on the certificate signing request: " + e.getMessage(), e);
        }
        if (done == null) {
            throw new PkiException("csr \"" + name + "\" was deleted");
        }
        if (!Objects.equals(done.getMetadata().getUid(), uid)) {
            throw new PkiException("csr \"" + name + "\" changed UIDs");
        }
        Optional<String> failure = outcome(done).filter(o -> !o.isEmpty());
        if (failure.isPresent()) {
            throw new PkiException(failure.get());
        }
        LOG.log(Level.INFO, "certificate signing request is issued name={0}", name);
        return decode(done.getStatus().getCertificate());
    }

    /**
     * The end of a request: empty while it waits, an empty string when it is issued, else the error a Denied or
     * Failed condition makes, in upstream's words.
     */
    static Optional<String> outcome(CertificateSigningRequest csr) {
        List<CertificateSigningRequestCondition> conditions = csr.getStatus() == null
                || csr.getStatus().getConditions() == null ? List.of() : csr.getStatus().getConditions();
        for (CertificateSigningRequestCondition c : conditions) {
            if ("Denied".equals(c.getType())) {
                return Optional.of("certificate signing request is denied, reason: " + c.getReason() + ", message: "
                        + c.getMessage());
            }
            if ("Failed".equals(c.getType())) {
                return Optional.of("certificate signing request failed, reason: " + c.getReason() + ", message: "
                        + c.getMessage());
            }
        }
        String certificate = csr.getStatus() == null ? null : csr.getStatus().getCertificate();
        return approved(csr) && certificate != null && !certificate.isEmpty() ? Optional.of("") : Optional.empty();
    }

    private static boolean approved(CertificateSigningRequest csr) {
        return csr.getStatus() != null && csr.getStatus().getConditions() != null
                && csr.getStatus().getConditions().stream().anyMatch(c -> "Approved".equals(c.getType()));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64.strip()), StandardCharsets.US_ASCII);
    }

    private static CertificateRequest parseRequest(String base64) {
        try {
            return CertificateRequest.parsePem(Base64.getDecoder().decode(base64.strip()));
        } catch (IllegalArgumentException e) { // not base64, or CertificateRequest.InvalidRequest
            throw new PkiException("parse certificate request: " + e.getMessage(), e);
        }
    }
}
