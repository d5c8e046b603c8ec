package dev.j8s.pki;

import dev.j8s.fs.PrivateFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cluster's credentials under {@code <data-dir>/pki}: a CA, the API server's serving certificate
 * signed by it, a PKCS#12 keystore holding that certificate for the HTTPS listener, and the admin
 * bearer token. Immutable; {@link #ensure} is not safe to call concurrently for one directory.
 *
 * <p>Files, all PEM except the keystore and the token: {@code ca.crt}, {@code ca.key},
 * {@code server.crt}, {@code server.key}, {@code server.p12}, {@code admin.token}, {@code sa.key} and
 * {@code sa.pub} (the service-account signing key, RSA-2048, generated once). Keys, the keystore
 * and the token are mode 0600, the directory 0700. The CA and the token are generated once and reused
 * forever; the serving certificate is reused while it was signed by this CA, covers every name asked
 * for and is valid for at least another {@value #RENEW_BEFORE_DAYS} days, else it is issued anew.
 * The keystore is written on every start with a fresh random password that lives only in memory.
 *
 * @param directory          the {@code pki} directory
 * @param caCertificate      the CA that kubeconfigs trust
 * @param servingCertificate the certificate the API server presents
 * @param keyStore           the PKCS#12 file holding the serving key and chain (alias {@value #KEY_ALIAS})
 * @param keyStorePassword   its password (and the key entry's)
 * @param adminToken         the bearer token with full access
 * @param serviceAccountKey  the RSA-2048 pair service-account tokens are signed with ({@code sa.key}, {@code sa.pub})
 */
public record ClusterPki(Path directory, X509Certificate caCertificate, X509Certificate servingCertificate,
                         Path keyStore, String keyStorePassword, String adminToken, KeyPair serviceAccountKey) {

    public static final String CA_CERT = "ca.crt";
    public static final String CA_KEY = "ca.key";
    public static final String SERVER_CERT = "server.crt";
    public static final String SERVER_KEY = "server.key";
    public static final String KEY_STORE = "server.p12";
    public static final String ADMIN_TOKEN = "admin.token";
    public static final String SERVICE_ACCOUNT_KEY = "sa.key";
    public static final String SERVICE_ACCOUNT_PUBLIC_KEY = "sa.pub";
    public static final String KEY_ALIAS = "server";
    static final int RENEW_BEFORE_DAYS = 30;

    private static final System.Logger LOG = System.getLogger(ClusterPki.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Loads the credentials in {@code directory}, creating whatever is missing, and (re)writes the
     * keystore.
     *
     * @throws PkiException when a file is unreadable, or a CA certificate exists without its key or
     *                      the reverse (a new CA would silently invalidate every kubeconfig)
     */
    public static ClusterPki ensure(Path directory, ServingNames names, Clock clock) {
        PrivateFiles.directory(directory);
        Instant now = clock.instant();
        Ca ca = loadOrCreateCa(directory, now);
        X509Certificate caCertificate = ca.certificate();
        ServingPair serving = loadOrIssueServing(directory, ca.keys(), caCertificate, names, now);
        String token = loadOrCreateToken(directory.resolve(ADMIN_TOKEN));
        KeyPair serviceAccountKey = loadOrCreateServiceAccountKey(directory);
        String password = randomText(24);
        Path keyStore = directory.resolve(KEY_STORE);
        writeKeyStore(keyStore, password, serving.key(), serving.certificate(), caCertificate);
        return new ClusterPki(directory, caCertificate, serving.certificate(), keyStore, password, token,
                serviceAccountKey);
    }

    /** A client certificate and its key, PEM. */
    public record ClientCredentials(String certificatePem, String keyPem) {
        @Override
        public String toString() {
            return "ClientCredentials[key=<redacted>]";
        }
    }

    /**
     * Issues a client certificate of the cluster CA in {@code directory} for {@code user} in {@code groups} (the
     * API server authenticates it as that user and groups), valid for a year.
     *
     * @throws PkiException when there is no CA yet (no server ever ran on this data dir)
     */
    public static ClientCredentials issueClient(Path directory, String user, java.util.List<String> groups,
                                                Clock clock) {
        Path certFile = directory.resolve(CA_CERT);
        Path keyFile = directory.resolve(CA_KEY);
        if (!Files.exists(certFile) || !Files.exists(keyFile)) {
            throw new PkiException("issue a client certificate: no cluster CA in " + directory
                    + " (start j8s server on this data dir once first)");
        }
        X509Certificate ca = Pem.parseCertificate(read(certFile), certFile.toString());
        PrivateKey caKey = Pem.parsePrivateKey(read(keyFile), ca.getPublicKey().getAlgorithm(), keyFile.toString());
        KeyPair client = Certificates.newKeyPair();
        X509Certificate certificate = Certificates.issueClient(client, new KeyPair(ca.getPublicKey(), caKey), ca, user,
                groups, clock.instant());
        return new ClientCredentials(Pem.certificate(certificate), Pem.privateKey(client.getPrivate()));
    }

    /**
     * {@link #issueClient} as an in-memory PKCS#12 key store whose one key entry, protected by {@code password}, holds
     * the key and the certificate chain (the certificate, then the CA), for a TLS client.
     */
    public static java.security.KeyStore issueClientKeyStore(Path directory, String user,
            java.util.List<String> groups, Clock clock, char[] password) {
        ClientCredentials issued = issueClient(directory, user, groups, clock);
        X509Certificate certificate = Pem.parseCertificate(issued.certificatePem(), "issued " + user);
        X509Certificate ca = Pem.parseCertificate(read(directory.resolve(CA_CERT)), CA_CERT);
        java.security.PrivateKey key = Pem.parsePrivateKey(issued.keyPem(),
                certificate.getPublicKey().getAlgorithm(), "issued " + user);
        try {
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(user, key, password, new java.security.cert.Certificate[] {certificate, ca});
            return store;
        } catch (java.security.GeneralSecurityException | IOException e) {
            throw new PkiException("key store for " + user + ": " + e.getMessage());
        }
    }

    private static KeyPair loadOrCreateServiceAccountKey(Path directory) {
        Path keyFile = directory.resolve(SERVICE_ACCOUNT_KEY);
        Path publicFile = directory.resolve(SERVICE_ACCOUNT_PUBLIC_KEY);
        if (Files.exists(keyFile) && Files.exists(publicFile)) {
            return new KeyPair(Pem.parsePublicKey(read(publicFile), "RSA", publicFile.toString()),
                    Pem.parsePrivateKey(read(keyFile), "RSA", keyFile.toString()));
        }
        try {
            java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            KeyPair pair = generator.generateKeyPair();
            PrivateFiles.write(keyFile, Pem.privateKey(pair.getPrivate()).getBytes(StandardCharsets.US_ASCII));
            writePublic(publicFile, Pem.publicKey(pair.getPublic()));
            LOG.log(Level.INFO, "created service-account signing key file={0}", keyFile);
            return pair;
        } catch (GeneralSecurityException e) {
            throw new PkiException("generate the service-account signing key", e);
        }
    }

    /**
     * The CA's private key, read from {@code ca.key}: the signer of CertificateSigningRequests signs with it, as
     * kube-controller-manager with {@code --cluster-signing-key-file}.
     */
    public PrivateKey caKey() {
        Path keyFile = directory.resolve(CA_KEY);
        return Pem.parsePrivateKey(read(keyFile), caCertificate.getPublicKey().getAlgorithm(), keyFile.toString());
    }

    /** The CA certificate in PEM form, as kubeconfigs embed it. */
    public String caPem() {
        return Pem.certificate(caCertificate);
    }

    @Override
    public String toString() {
        return "ClusterPki[directory=" + directory + ", ca=" + caCertificate.getSubjectX500Principal()
                + ", serving=" + Certificates.alternativeNames(servingCertificate) + ", keyStorePassword=<redacted>"
                + ", adminToken=<redacted>, serviceAccountKey=<redacted>]";
    }

    private record ServingPair(PrivateKey key, X509Certificate certificate) {}

    private record Ca(KeyPair keys, X509Certificate certificate) {}

    private static Ca loadOrCreateCa(Path directory, Instant now) {
        Path certFile = directory.resolve(CA_CERT);
        Path keyFile = directory.resolve(CA_KEY);
        boolean haveCert = Files.exists(certFile);
        boolean haveKey = Files.exists(keyFile);
        if (haveCert != haveKey) {
            throw new PkiException("load CA from " + directory + ": " + (haveCert ? CA_KEY : CA_CERT)
                    + " is missing; restore it, or remove " + (haveCert ? CA_CERT : CA_KEY)
                    + " to create a new CA (every existing kubeconfig then stops working)");
        }
        if (haveCert) {
            X509Certificate certificate = Pem.parseCertificate(read(certFile), certFile.toString());
            PrivateKey key = Pem.parsePrivateKey(read(keyFile), certificate.getPublicKey().getAlgorithm(),
                    keyFile.toString());
            return new Ca(new KeyPair(certificate.getPublicKey(), key), certificate);
        }
        KeyPair ca = Certificates.newKeyPair();
        X509Certificate certificate = Certificates.issueCa(ca, "j8s-ca-" + HexFormat.of().formatHex(randomBytes(4)), now);
        PrivateFiles.write(keyFile, Pem.privateKey(ca.getPrivate()).getBytes(StandardCharsets.US_ASCII));
        writePublic(certFile, Pem.certificate(certificate));
        LOG.log(Level.INFO, "created cluster CA dir={0} subject={1}", directory, certificate.getSubjectX500Principal());
        return new Ca(ca, certificate);
    }

    private static ServingPair loadOrIssueServing(Path directory, KeyPair ca, X509Certificate caCertificate,
                                                  ServingNames names, Instant now) {
        Path certFile = directory.resolve(SERVER_CERT);
        Path keyFile = directory.resolve(SERVER_KEY);
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            X509Certificate certificate = Pem.parseCertificate(read(certFile), certFile.toString());
            String why = whyNotReusable(certificate, ca, names, now);
            if (why.isEmpty()) {
                PrivateKey key = Pem.parsePrivateKey(read(keyFile), certificate.getPublicKey().getAlgorithm(),
                        keyFile.toString());
                return new ServingPair(key, certificate);
            }
            LOG.log(Level.INFO, "issuing a new serving certificate reason=\"{0}\"", why);
        }
        KeyPair serving = Certificates.newKeyPair();
        X509Certificate certificate = Certificates.issueServing(serving, ca, caCertificate, "j8s-apiserver", names, now);
        PrivateFiles.write(keyFile, Pem.privateKey(serving.getPrivate()).getBytes(StandardCharsets.US_ASCII));
        writePublic(certFile, Pem.certificate(certificate));
        LOG.log(Level.INFO, "issued serving certificate names={0}", new TreeSet<>(names.asStrings()));
        return new ServingPair(serving.getPrivate(), certificate);
    }

    /** Why {@code certificate} cannot be served again, or the empty string when it can. */
    private static String whyNotReusable(X509Certificate certificate, KeyPair ca, ServingNames names, Instant now) {
        try {
            certificate.verify(ca.getPublic());
        } catch (GeneralSecurityException e) {
            return "not signed by the current CA";
        }
        if (certificate.getNotAfter().toInstant().isBefore(now.plus(Duration.ofDays(RENEW_BEFORE_DAYS)))) {
            return "expires " + certificate.getNotAfter().toInstant();
        }
        Set<String> missing = new TreeSet<>(names.asStrings());
        missing.removeAll(Certificates.alternativeNames(certificate));
        if (!missing.isEmpty()) {
            return "does not cover " + missing;
        }
        return "";
    }

    private static String loadOrCreateToken(Path file) {
        if (Files.exists(file)) {
            String token = read(file).strip();
            if (token.isEmpty()) {
                throw new PkiException("load admin token " + file + ": the file is empty; remove it to create a new token");
            }
            return token;
        }
        String token = randomText(32);
        PrivateFiles.write(file, (token + "\n").getBytes(StandardCharsets.US_ASCII));
        LOG.log(Level.INFO, "created admin token file={0}", file);
        return token;
    }

    private static void writeKeyStore(Path file, String password, PrivateKey key, X509Certificate serving,
                                      X509Certificate ca) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(KEY_ALIAS, key, password.toCharArray(), new Certificate[] {serving, ca});
            var bytes = new java.io.ByteArrayOutputStream();
            try (OutputStream out = bytes) {
                store.store(out, password.toCharArray());
            }
            PrivateFiles.write(file, bytes.toByteArray());
        } catch (GeneralSecurityException | IOException e) {
            throw new PkiException("write keystore " + file, e);
        }
    }

    private static void writePublic(Path file, String content) {
        PrivateFiles.writeWorldReadable(file, content.getBytes(StandardCharsets.US_ASCII));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new PkiException("read " + file, e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String randomText(int bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(bytes));
    }
}
