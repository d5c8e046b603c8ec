package dev.j8s.pki;

import dev.j8s.api.FabricClients;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The renewal schedule of a certificate the cluster signs, kept in a {@link CertificateFileStore}, as upstream's
 * certificate manager ({@code k8s.io/client-go/util/certificate}) keeps the kubelet's client and serving certificates:
 * a new one is asked for at a jittered 70-90 % of the current one's validity, at once when there is none or it lacks a
 * name the node now has (checked every second, so a change of the node's addresses asks for a certificate of the new
 * names, abandoning a request still waiting for the old ones; names it has beyond them do not), and a request that
 * failed, timed out or was denied is tried again after a backoff of 2, 4, 8 and 16 s (each up to 10 % longer), then
 * every 32 s, never given up. A renewed pair becomes the store's current one and is handed to a listener, which puts
 * it to use. Not thread-safe: one loop per store.
 */
public final class CertificateRenewal {

    /** Asks the cluster for a certificate of {@code names} with a new key and returns it once issued, else throws. */
    @FunctionalInterface
    public interface Request {
        CertificateFileStore.Pair issue(KubeletServingCertificates.NodeNames names);
    }

    private static final System.Logger LOG = System.getLogger(CertificateRenewal.class.getName());
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(2);
    /** Attempts made with a doubling, jittered backoff before retrying at the last one, as upstream's five steps. */
    private static final int BACKOFF_STEPS = 5;
    private static final double BACKOFF_JITTER = 0.1;
    private static final Duration CHECK_NAMES = Duration.ofSeconds(1);
    /** How long one request waits for its certificate (upstream's certificate manager waits 15 minutes). */
    private static final Duration WAIT = Duration.ofMinutes(15);

    private final String what;
    private final CertificateFileStore store;
    private final Supplier<Optional<KubeletServingCertificates.NodeNames>> names;
    private final Request request;
    private final Consumer<CertificateFileStore.Pair> renewed;
    private final Clock clock;
    private final Duration firstBackoff;
    private final Duration checkNames;

    /**
     * @param what    what is renewed, for the log ({@code client certificate}, {@code serving certificate})
     * @param names   the names the certificate must serve, empty until they are known (nothing is asked for before)
     * @param renewed told of each renewed pair once it is the store's current one
     */
    public CertificateRenewal(String what, CertificateFileStore store,
                              Supplier<Optional<KubeletServingCertificates.NodeNames>> names, Request request,
                              Consumer<CertificateFileStore.Pair> renewed, Clock clock) {
        this(what, store, names, request, renewed, clock, FIRST_BACKOFF, CHECK_NAMES);
    }

    CertificateRenewal(String what, CertificateFileStore store,
                       Supplier<Optional<KubeletServingCertificates.NodeNames>> names, Request request,
                       Consumer<CertificateFileStore.Pair> renewed, Clock clock, Duration firstBackoff,
                       Duration checkNames) {
        this.what = what;
        this.store = store;
        this.names = names;
        this.request = request;
        this.renewed = renewed;
        this.clock = clock;
        this.firstBackoff = firstBackoff;
        this.checkNames = checkNames;
    }

    /** Renews the certificate each time it is due, until interrupted. */
    public void run() throws InterruptedException {
        while (true) {
            KubeletServingCertificates.NodeNames wanted = awaitNames();
            Optional<CertificateFileStore.Pair> current = store.current();
            Instant deadline;
            if (current.isEmpty()) {
                LOG.log(Level.INFO, "no {0} yet, asking for one names={1}", what, wanted.asStrings());
                deadline = clock.instant();
            } else if (!KubeletServingCertificates.serves(current.get(), wanted)) {
                LOG.log(Level.INFO, "the {0} lacks names the node has, asking for one that serves them served={1}"
                        + " wanted={2}", what, Certificates.alternativeNames(current.get().leaf()), wanted.asStrings());
                deadline = clock.instant();
            } else {
                deadline = KubeletClientBootstrap.rotationDeadline(current.get().leaf().getNotBefore().toInstant(),
                        current.get().leaf().getNotAfter().toInstant());
                LOG.log(Level.INFO, "{0} rotation scheduled notAfter={1} rotation={2}", what,
                        current.get().leaf().getNotAfter().toInstant(), deadline);
            }
            if (awaitDeadline(deadline, current)) {
                renew();
            }
        }
    }

    /** The names once known, checked every {@code checkNames}. */
    private KubeletServingCertificates.NodeNames awaitNames() throws InterruptedException {
        while (true) {
            Optional<KubeletServingCertificates.NodeNames> wanted = wanted();
            if (wanted.isPresent()) {
                return wanted.get();
            }
            Thread.sleep(checkNames);
        }
    }

    /**
     * Sleeps until {@code deadline}, checking the names meanwhile: true when it is due, false when {@code current}
     * no longer serves the node's names (the schedule is made again).
     */
    private boolean awaitDeadline(Instant deadline, Optional<CertificateFileStore.Pair> current)
            throws InterruptedException {
        while (true) {
            Duration left = Duration.between(clock.instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                return true;
            }
            Thread.sleep(left.compareTo(checkNames) < 0 ? left : checkNames);
            Optional<KubeletServingCertificates.NodeNames> wanted = wanted();
            if (current.isPresent() && wanted.isPresent()
                    && !KubeletServingCertificates.serves(current.get(), wanted.get())) {
                LOG.log(Level.INFO, "the node''s names changed, the {0} is renewed names={1}", what,
                        wanted.get().asStrings());
                return false;
            }
        }
    }

    /** Asks until a certificate is issued for the names the node has at each attempt, with backoff between. */
    private void renew() throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            KubeletServingCertificates.NodeNames wanted = awaitNames();
            CertificateFileStore.Pair pair;
            try {
                pair = store.update(issue(wanted), clock.instant());
            } catch (RuntimeException e) {
                Duration wait = backoff(attempt, firstBackoff, ThreadLocalRandom.current().nextDouble());
                LOG.log(Level.WARNING, "{0} rotation failed, trying again in {1} ms error={2}", what,
                        String.valueOf(wait.toMillis()), e.getMessage());
                Thread.sleep(wait);
                continue;
            }
            LOG.log(Level.INFO, "{0} rotated notAfter={1}", what, pair.leaf().getNotAfter().toInstant());
            try {
                renewed.accept(pair);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "the rotated {0} is stored but not in use error={1}", what, e.getMessage());
            }
            return;
        }
    }

    /**
     * Runs one request for {@code asked} on its own thread and waits for it, checking the names meanwhile: when the
     * node gains a name it does not ask for, the request is abandoned (its thread interrupted) and this fails, so the
     * next attempt asks for the new names.
     */
    private CertificateFileStore.Pair issue(KubeletServingCertificates.NodeNames asked) throws InterruptedException {
        FutureTask<CertificateFileStore.Pair> task = new FutureTask<>(() -> request.issue(asked));
        Thread requester = Thread.ofVirtual().name("j8s-" + what.replace(' ', '-') + "-request").start(task);
        try {
            while (true) {
                try {
                    return task.get(checkNames.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    Optional<KubeletServingCertificates.NodeNames> wanted = wanted();
                    if (wanted.isPresent() && !asked.asStrings().containsAll(wanted.get().asStrings())) {
                        throw new PkiException("the node's names changed while the request waited, it is abandoned"
                                + " asked=" + asked.asStrings() + " wanted=" + wanted.get().asStrings());
                    }
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException failure) {
                        throw failure;
                    }
                    throw new PkiException("request the " + what + ": " + e.getCause(), e.getCause());
                }
            }
        } finally {
            requester.interrupt();
        }
    }

    private Optional<KubeletServingCertificates.NodeNames> wanted() {
        try {
            return names.get();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "cannot read the node''s names for the {0} error={1}", what, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The request for a certificate of node {@code nodeName} from {@code signer}: a new key, a request of the node's
     * subject and the names asked for, made with the credentials {@code kubeconfig} has at that attempt (a rotated
     * client certificate included), waiting up to 15 minutes for the certificate, as upstream's certificate manager.
     */
    static Request nodeRequest(Path kubeconfig, String nodeName, String signer,
                               Function<PublicKey, List<String>> usages) {
        return names -> {
            KeyPair key = CertificateRequests.newKeyPair();
            String pem;
            String name;
            try (KubernetesClient client = FabricClients.connect(kubeconfig)) {
                CertificateSigningRequest csr = CertificateSigningRequests.request(client, Optional.empty(),
                        CertificateRequests.nodeRequest(key, nodeName, names.dnsNames(), names.addresses()), signer,
                        usages.apply(key.getPublic()), key);
                name = csr.getMetadata().getName();
                LOG.log(Level.INFO, "waiting for the certificate to be issued csr={0} signer={1} names={2}", name,
                        signer, names.asStrings());
                pem = CertificateSigningRequests.waitForCertificate(client, csr, WAIT);
            }
            List<X509Certificate> chain = Pem.parseCertificates(pem, "the certificate of " + name);
            if (!CertificateFileStore.sameKey(chain.getFirst().getPublicKey(), key.getPublic())) {
                throw new PkiException("the certificate issued for " + name + " is not for the requested key");
            }
            return new CertificateFileStore.Pair(chain, key.getPrivate());
        };
    }

    /**
     * The wait after failed attempt {@code attempt} (from 1): {@code first} doubling for upstream's five steps, each
     * longer by {@code random} (0 to 1) times 10 %, then sixteen times {@code first} on every later attempt.
     */
    static Duration backoff(int attempt, Duration first, double random) {
        Duration base = first.multipliedBy(1L << Math.min(attempt - 1, BACKOFF_STEPS - 1));
        return attempt < BACKOFF_STEPS ? base.plusMillis((long) (base.toMillis() * BACKOFF_JITTER * random)) : base;
    }
}
