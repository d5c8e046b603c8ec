package dev.j8s.controllers.certificates;

import dev.j8s.api.certificates.CertificateRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Reading and adding the conditions of a CertificateSigningRequest (upstream's controller helpers). Stateless. */
final class Conditions {

    static final String APPROVED = "Approved";
    static final String DENIED = "Denied";
    static final String FAILED = "Failed";

    private Conditions() {}

    static boolean hasTrue(CertificateSigningRequest csr, String type) {
        return csr.getStatus() != null && csr.getStatus().getConditions() != null
                && csr.getStatus().getConditions().stream()
                        .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static boolean hasCertificate(CertificateSigningRequest csr) {
        return csr.getStatus() != null && csr.getStatus().getCertificate() != null
                && !csr.getStatus().getCertificate().isEmpty();
    }

    /** The request's PEM: the model carries it base64-encoded as on the wire. */
    static byte[] request(CertificateSigningRequest csr) {
        return Base64.getDecoder().decode(csr.getSpec().getRequest());
    }

    /** The parsed request of {@code csr}; the API server validated it, so one that does not parse is a bug. */
    static CertificateRequest parsedRequest(CertificateSigningRequest csr) {
        try {
            return CertificateRequest.parsePem(request(csr));
        } catch (CertificateRequest.InvalidRequest e) {
            throw new IllegalStateException("unable to parse csr \"" + csr.getMetadata().getName() + "\": "
                    + e.getMessage(), e);
        }
    }

    /** The requested usages of {@code csr}, empty when none are given. */
    static List<String> usages(CertificateSigningRequest csr) {
        return csr.getSpec().getUsages() == null ? List.of() : csr.getSpec().getUsages();
    }

    /** A copy of {@code csr} with a True condition of {@code type} appended. */
    static CertificateSigningRequest withCondition(CertificateSigningRequest csr, String type, String reason,
                                                   String message, Instant now) {
        CertificateSigningRequestCondition condition = new CertificateSigningRequestConditionBuilder()
                .withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastUpdateTime(now.truncatedTo(ChronoUnit.SECONDS).toString()).build();
        return withStatus(csr, status -> {
            List<CertificateSigningRequestCondition> conditions = status.getConditions() == null
                    ? new ArrayList<>() : new ArrayList<>(status.getConditions());
            conditions.add(condition);
            status.setConditions(conditions);
        });
    }

    /** A copy of {@code csr} whose status {@code change} edited. */
    static CertificateSigningRequest withStatus(CertificateSigningRequest csr,
                                                java.util.function.Consumer<CertificateSigningRequestStatus> change) {
        CertificateSigningRequest copy = new io.fabric8.kubernetes.api.model.certificates.v1
                .CertificateSigningRequestBuilder(csr).build();
        if (copy.getStatus() == null) {
            copy.setStatus(new CertificateSigningRequestStatus());
        }
        change.accept(copy.getStatus());
        return copy;
    }
}
