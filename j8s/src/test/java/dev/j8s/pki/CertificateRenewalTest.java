package dev.j8s.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class CertificateRenewalTest {

    private static final KubeletServingCertificates.NodeNames NAMES = names("host-a", "10.0.0.5");
    private static final Duration BACKOFF = Duration.ofMillis(300);
    private static final Duration CHECK = Duration.ofMillis(50);
    private static final Duration AWAIT = Duration.ofSeconds(20);

    /** When the fake signer was asked, and for which names. */
    private record Asked(Instant at, KubeletServingCertificates.NodeNames names) {
    }

    private final List<Asked> asked = new CopyOnWriteArrayList<>();
    private final BlockingQueue<CertificateFileStore.Pair> renewed = new LinkedBlockingQueue<>();
    private Thread loop;

    @AfterEach
    void stopTheLoop() throws InterruptedException {
        if (loop != null) {
            loop.interrupt();
            loop.join(5_000);
        }
    }

    /** Names of a Node with host name {@code host} and the IP addresses {@code ips}. */
    public static KubeletServingCertificates.NodeNames names(String host, String... ips) {
        return new KubeletServingCertificates.NodeNames(List.of(host),
                java.util.Arrays.stream(ips).map(InetAddress::ofLiteral).toList());
    }

    /**
     * A serving pair of the test CA for {@code names}, valid from {@code notBefore} (whole seconds, as X.509 keeps
     * it) for {@code validity}.
     */
    public static CertificateFileStore.Pair servingPair(KubeletServingCertificates.NodeNames names, Instant notBefore,
                                                        Duration validity) {
        KeyPair key = Certificates.newKeyPair();
        List<GeneralName> alternatives = new ArrayList<>();
        names.dnsNames().forEach(n -> alternatives.add(new GeneralName(GeneralName.dNSName, n)));
        names.addresses().forEach(a -> alternatives.add(new GeneralName(GeneralName.iPAddress, a.getHostAddress())));
        try {
            var builder = new JcaX509v3CertificateBuilder(
                    X500Name.getInstance(CertificateFileStoreTest.CA_CERTIFICATE.getSubjectX500Principal()
                            .getEncoded()), BigInteger.valueOf(System.nanoTime()), Date.from(notBefore),
                    Date.from(notBefore.plus(validity)), new X500Name("O=system:nodes,CN=system:node:node-a"),
                    key.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(alternatives.toArray(GeneralName[]::new)));
            return new CertificateFileStore.Pair(List.of(new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                            .build(CertificateFileStoreTest.CA.getPrivate()))),
                    CertificateFileStoreTest.CA_CERTIFICATE), key.getPrivate());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A signer that issues a year-long certificate of the names asked for, after refusing {@code refusals} times. */
    private CertificateRenewal.Request signer(int refusals) {
        AtomicInteger calls = new AtomicInteger();
        return names -> {
            asked.add(new Asked(Instant.now(), names));
            if (calls.incrementAndGet() <= refusals) {
                throw new PkiException("certificate signing request csr-x is denied, reason: KubectlDeny, message:"
                        + " This CSR was denied by kubectl certificate deny.");
            }
            return servingPair(names, Instant.now().truncatedTo(ChronoUnit.SECONDS), Duration.ofDays(365));
        };
    }

    private CertificateFileStore start(Path dir, java.util.function.Supplier<Optional<
            KubeletServingCertificates.NodeNames>> names, CertificateRenewal.Request request) {
        CertificateFileStore store = new CertificateFileStore(dir, "kubelet-server");
        CertificateRenewal renewal = new CertificateRenewal("serving certificate", store, names, request,
                renewed::add, Clock.systemUTC(), BACKOFF, CHECK);
        loop = Thread.ofVirtual().start(() -> {
            try {
                renewal.run();
            } catch (InterruptedException e) {
                // stopped
            }
        });
        return store;
    }

    private CertificateFileStore.Pair awaitRenewed() throws InterruptedException {
        CertificateFileStore.Pair pair = renewed.poll(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(pair).as("a renewed certificate within " + AWAIT).isNotNull();
        return pair;
    }

    @Test
    void aCertificateIsRenewedOnceSeventyPercentOfItsValidityHasPassedAndBecomesTheCurrentOne(@TempDir Path dir)
            throws Exception {
        Instant notBefore = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        CertificateFileStore.Pair first = servingPair(NAMES, notBefore, Duration.ofSeconds(5));
        new CertificateFileStore(dir, "kubelet-server").update(first, notBefore);

        CertificateFileStore store = start(dir, () -> Optional.of(NAMES), signer(0));
        CertificateFileStore.Pair second = awaitRenewed();

        assertThat(asked).hasSize(1);
        // not before 70 % of 5 s (the deadline's 70-90 % window: KubeletClientBootstrapTest); a loaded machine may
        // wake the loop late, so how late is not asserted here
        assertThat(Duration.between(notBefore, asked.getFirst().at())).isGreaterThanOrEqualTo(Duration.ofMillis(3_500));
        assertThat(asked.getFirst().names()).isEqualTo(NAMES);
        assertThat(store.current()).hasValueSatisfying(p -> assertThat(p.leaf()).isEqualTo(second.leaf()));
        assertThat(second.leaf()).isNotEqualTo(first.leaf());
    }

    @Test
    void aDeniedRequestIsAskedAgainAfterADoublingBackoffUntilOneIsIssued(@TempDir Path dir) throws Exception {
        CertificateFileStore store = start(dir, () -> Optional.of(NAMES), signer(2));

        CertificateFileStore.Pair issued = awaitRenewed();

        assertThat(asked).hasSize(3);
        Duration firstWait = Duration.between(asked.get(0).at(), asked.get(1).at());
        Duration secondWait = Duration.between(asked.get(1).at(), asked.get(2).at());
        // 300 ms then 600 ms, each up to 10 % longer, plus the loop's own time (generous: a loaded machine wakes late)
        assertThat(firstWait).isBetween(BACKOFF, BACKOFF.plusSeconds(2));
        assertThat(secondWait).isBetween(BACKOFF.multipliedBy(2), BACKOFF.multipliedBy(2).plusSeconds(2));
        assertThat(store.current()).hasValueSatisfying(p -> assertThat(p.leaf()).isEqualTo(issued.leaf()));
    }

    @Test
    void theBackoffIsUpstreamsTwoFourEightAndSixteenSecondsUpToTenPercentLongerThenThirtyTwoSecondsForever() {
        Duration first = Duration.ofSeconds(2);
        assertThat(java.util.stream.IntStream.rangeClosed(1, 7).mapToObj(a -> CertificateRenewal.backoff(a, first, 0))
                .map(Duration::toSeconds)).containsExactly(2L, 4L, 8L, 16L, 32L, 32L, 32L);
        assertThat(java.util.stream.IntStream.rangeClosed(1, 7).mapToObj(a -> CertificateRenewal.backoff(a, first,
                0.999)).map(Duration::toMillis)).containsExactly(2_199L, 4_399L, 8_799L, 17_598L, 32_000L, 32_000L,
                32_000L);
    }

    @Test
    void nothingIsAskedForBeforeTheNodeHasNamesThenOneOfThemIs(@TempDir Path dir) throws Exception {
        AtomicReference<Optional<KubeletServingCertificates.NodeNames>> names = new AtomicReference<>(Optional.empty());
        Semaphore checks = new Semaphore(0);
        start(dir, () -> {
            checks.release();
            return names.get();
        }, signer(0));
        awaitChecks(checks, 3);
        assertThat(asked).isEmpty();

        names.set(Optional.of(NAMES));

        CertificateFileStore.Pair issued = awaitRenewed();
        assertThat(Certificates.alternativeNames(issued.leaf())).containsExactlyInAnyOrder("host-a", "10.0.0.5");
    }

    @Test
    void aNewAddressOfTheNodeAsksForACertificateOfTheNewNamesAndALostOneDoesNot(@TempDir Path dir)
            throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        new CertificateFileStore(dir, "kubelet-server").update(servingPair(NAMES, now, Duration.ofDays(365)), now);
        AtomicReference<KubeletServingCertificates.NodeNames> names = new AtomicReference<>(NAMES);
        Semaphore checks = new Semaphore(0);
        CertificateFileStore store = start(dir, () -> {
            checks.release();
            return Optional.of(names.get());
        }, signer(0));

        // fewer names than the certificate serves: it still serves them all
        names.set(names("host-a"));
        awaitChecks(checks, 3);
        assertThat(asked).isEmpty();

        KubeletServingCertificates.NodeNames moved = names("host-a", "10.0.0.5", "192.0.2.7");
        names.set(moved);
        CertificateFileStore.Pair issued = awaitRenewed();

        assertThat(asked).extracting(Asked::names).containsExactly(moved);
        assertThat(Certificates.alternativeNames(issued.leaf())).containsExactlyInAnyOrder("host-a", "10.0.0.5",
                "192.0.2.7");
        assertThat(store.current()).hasValueSatisfying(p -> assertThat(p.leaf()).isEqualTo(issued.leaf()));
    }

    @Test
    void aRequestStillWaitingWhenTheNodeGainsAnAddressIsAbandonedForOneOfTheNewNames(@TempDir Path dir)
            throws Exception {
        AtomicReference<KubeletServingCertificates.NodeNames> names = new AtomicReference<>(NAMES);
        CompletableFuture<Boolean> firstAbandoned = new CompletableFuture<>();
        CertificateRenewal.Request issued = signer(0);
        CertificateRenewal.Request neverApprovedFirst = wanted -> {
            if (asked.isEmpty()) {
                asked.add(new Asked(Instant.now(), wanted));
                try {
                    Thread.sleep(AWAIT.multipliedBy(2));
                } catch (InterruptedException e) {
                    firstAbandoned.complete(true);
                    throw new PkiException("interrupted while waiting for the certificate");
                }
                throw new AssertionError("the first request was not abandoned");
            }
            return issued.issue(wanted);
        };
        CertificateFileStore store = start(dir, () -> Optional.of(names.get()), neverApprovedFirst);
        awaitAsked(1);

        KubeletServingCertificates.NodeNames moved = names("host-a", "10.0.0.5", "192.0.2.7");
        names.set(moved);
        CertificateFileStore.Pair pair = awaitRenewed();

        assertThat(firstAbandoned.get(AWAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(asked).extracting(Asked::names).containsExactly(NAMES, moved);
        assertThat(Duration.between(asked.get(0).at(), asked.get(1).at())).as("asked again after the backoff")
                .isGreaterThanOrEqualTo(BACKOFF);
        assertThat(Certificates.alternativeNames(pair.leaf())).contains("192.0.2.7");
        assertThat(store.current()).hasValueSatisfying(p -> assertThat(p.leaf()).isEqualTo(pair.leaf()));
    }

    private void awaitAsked(int count) throws InterruptedException {
        Instant deadline = Instant.now().plus(AWAIT);
        while (asked.size() < count) {
            assertThat(Instant.now()).as(count + " requests within " + AWAIT).isBefore(deadline);
            Thread.sleep(CHECK);
        }
    }

    /** Waits until the renewal has checked the node's names {@code count} more times. */
    private static void awaitChecks(Semaphore checks, int count) throws InterruptedException {
        checks.drainPermits();
        assertThat(checks.tryAcquire(count, AWAIT.toMillis(), TimeUnit.MILLISECONDS)).as(count + " checks").isTrue();
    }
}
