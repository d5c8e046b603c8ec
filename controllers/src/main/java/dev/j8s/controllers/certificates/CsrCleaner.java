package dev.j8s.controllers.certificates;

import dev.j8s.api.ClusterException;
import dev.j8s.api.certificates.PemBlock;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.SharedInformer;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import java.io.ByteArrayInputStream;
import java.lang.System.Logger.Level;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Deletes CertificateSigningRequests nobody needs any more, as upstream's {@code csrcleaner}
 * ({@code pkg/controller/certificates/cleaner}): an issued request an hour after its approval, a denied or failed
 * one an hour after that condition, a pending one a day after its creation, and any whose certificate has expired.
 * Looks every hour through the informer's cache; acts as {@code certificate-controller}. Thread-safe.
 */
public final class CsrCleaner implements AutoCloseable {

    static final Duration POLLING_INTERVAL = Duration.ofHours(1);
    static final Duration APPROVED_EXPIRATION = Duration.ofHours(1);
    static final Duration DENIED_EXPIRATION = Duration.ofHours(1);
    static final Duration FAILED_EXPIRATION = Duration.ofHours(1);
    static final Duration PENDING_EXPIRATION = Duration.ofHours(24);

    private static final System.Logger LOG = System.getLogger(CsrCleaner.class.getName());

    private final ResourceClient<CertificateSigningRequest> requests;
    private final SharedInformer<CertificateSigningRequest> informer;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("csrcleaner").factory());

    public CsrCleaner(KubeClient client, InformerFactory informers, Clock clock) {
        this.requests = client.resource(Kind.CERTIFICATE_SIGNING_REQUESTS);
        this.informer = informers.informer(Kind.CERTIFICATE_SIGNING_REQUESTS);
        this.clock = clock;
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::cleanLogged, 0, POLLING_INTERVAL.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private void cleanLogged() {
        try {
            clean();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cleaning certificate signing requests failed: " + e.getMessage(), e);
        }
    }

    /** One pass over every request. */
    void clean() {
        Instant now = clock.instant();
        for (CertificateSigningRequest csr : informer.list()) {
            Optional<String> why = why(csr, now);
            if (why.isEmpty()) {
                continue;
            }
            try {
                requests.delete("", csr.getMetadata().getName(),
                        DeleteOptions.defaults().withUid(csr.getMetadata().getUid()));
                LOG.log(Level.INFO, "deleted certificate signing request csr={0}: {1}", csr.getMetadata().getName(),
                        why.get());
            } catch (ClusterException.NotFound | ClusterException.Conflict gone) {
                // deleted or replaced meanwhile
            }
        }
    }

    /** Why {@code csr} is to be deleted at {@code now}; empty when it is kept. */
    static Optional<String> why(CertificateSigningRequest csr, Instant now) {
        boolean issued = Conditions.hasCertificate(csr);
        var conditions = csr.getStatus() == null || csr.getStatus().getConditions() == null
                ? java.util.List.<CertificateSigningRequestCondition>of() : csr.getStatus().getConditions();
        for (CertificateSigningRequestCondition c : conditions) {
            switch (String.valueOf(c.getType())) {
                case Conditions.APPROVED -> {
                    if (issued && olderThan(c.getLastUpdateTime(), APPROVED_EXPIRATION, now)) {
                        return Optional.of("more than " + APPROVED_EXPIRATION.toHours() + "h old and approved");
                    }
                }
                case Conditions.DENIED -> {
                    if (olderThan(c.getLastUpdateTime(), DENIED_EXPIRATION, now)) {
                        return Optional.of("more than " + DENIED_EXPIRATION.toHours() + "h old and denied");
                    }
                }
                case Conditions.FAILED -> {
                    if (olderThan(c.getLastUpdateTime(), FAILED_EXPIRATION, now)) {
                        return Optional.of("more than " + FAILED_EXPIRATION.toHours() + "h old and failed");
                    }
                }
                default -> { }
            }
        }
        if (conditions.isEmpty() && olderThan(csr.getMetadata().getCreationTimestamp(), PENDING_EXPIRATION, now)) {
            return Optional.of("more than " + PENDING_EXPIRATION.toHours() + "h old and unhandled");
        }
        if (issued && Conditions.hasTrue(csr, Conditions.APPROVED) && certificateExpired(csr, now)) {
            return Optional.of("its certificate has expired");
        }
        return Optional.empty();
    }

    private static boolean olderThan(String time, Duration age, Instant now) {
        if (time == null || time.isEmpty()) {
            return false;
        }
        try {
            return Instant.parse(time).plus(age).isBefore(now);
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static boolean certificateExpired(CertificateSigningRequest csr, Instant now) {
        byte[] pem = Base64.getDecoder().decode(csr.getStatus().getCertificate());
        Optional<PemBlock> block = PemBlock.first(pem);
        if (block.isEmpty()) {
            return false;
        }
        try {
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(block.get().der()));
            return now.isAfter(certificate.getNotAfter().toInstant());
        } catch (CertificateException e) {
            return false;
        }
    }
}
