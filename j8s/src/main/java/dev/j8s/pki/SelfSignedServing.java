package dev.j8s.pki;

import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * A serving certificate that nobody issued, as the kubelet makes one when it is given none ({@code <host>-ca@<time>}
 * signs {@code <host>@<time>} for the host's names): an API server that does not check kubelet certificates talks to
 * it as to any. Stateless and thread-safe.
 */
public final class SelfSignedServing {

    private SelfSignedServing() {
    }

    /** A PKCS#12 key store with the key and the chain (certificate, its CA) under alias {@code serving}. */
    public static KeyStore keyStore(String host, Collection<String> names, char[] password, Instant now) {
        return pair(host, names, now).keyStore(password);
    }

    /** The key and the chain (certificate, its CA) of a new self-signed serving certificate for {@code names}. */
    public static CertificateFileStore.Pair pair(String host, Collection<String> names, Instant now) {
        long stamp = now.getEpochSecond();
        KeyPair ca = Certificates.newKeyPair();
        X509Certificate caCertificate = Certificates.issueCa(ca, host + "-ca@" + stamp, now);
        KeyPair serving = Certificates.newKeyPair();
        X509Certificate certificate = Certificates.issueServing(serving, ca, caCertificate, host + "@" + stamp,
                ServingNames.of(names), now);
        return new CertificateFileStore.Pair(List.of(certificate, caCertificate), serving.getPrivate());
    }
}
