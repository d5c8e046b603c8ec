package dev.j8s.apiserver.printers;

import static dev.j8s.apiserver.printers.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The columns and rows of certificates.k8s.io/v1 CertificateSigningRequests, as upstream's printers.go registers
 * them ({@code kubectl get csr}). Stateless and thread-safe.
 */
final class CertificatePrinters {

    private CertificatePrinters() {}

    static final List<Column> SIGNING_REQUESTS = List.of(
            Column.nameColumn(),
            Column.age(),
            Column.string("SignerName", "signerName indicates the requested signer, and is a qualified name."),
            Column.string("Requestor", "request contains an x509 certificate signing request encoded in a "
                    + "\"CERTIFICATE REQUEST\" PEM block."),
            Column.string("RequestedDuration", "expirationSeconds is the requested duration of validity of the "
                    + "issued certificate."),
            Column.string("Condition", "conditions applied to the request. Known conditions are \"Approved\", "
                    + "\"Denied\", and \"Failed\"."));

    static Row signingRequest(JsonNode csr, Instant now) {
        JsonNode spec = csr.path("spec");
        String signer = text(spec, "signerName");
        String duration = spec.hasNonNull("expirationSeconds")
                ? HumanDuration.format(Duration.ofSeconds(spec.path("expirationSeconds").asLong())) : "<none>";
        return Row.of(Printers.name(csr), Printers.age(csr, now), signer.isEmpty() ? "<none>" : signer,
                text(spec, "username"), duration, condition(csr.path("status")));
    }

    /** Upstream's {@code extractCSRStatus}: Denied, else Approved, else Pending; then Failed and Issued. */
    static String condition(JsonNode status) {
        boolean approved = false;
        boolean denied = false;
        boolean failed = false;
        for (JsonNode c : status.path("conditions")) {
            switch (text(c, "type")) {
                case "Approved" -> approved = true;
                case "Denied" -> denied = true;
                case "Failed" -> failed = true;
                default -> { }
            }
        }
        String condition = denied ? "Denied" : approved ? "Approved" : "Pending";
        if (failed) {
            condition += ",Failed";
        }
        if (!text(status, "certificate").isEmpty()) {
            condition += ",Issued";
        }
        return condition;
    }
}
