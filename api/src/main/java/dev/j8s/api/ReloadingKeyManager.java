package dev.j8s.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A client certificate and PKCS#8 key read from PEM files and read again, at the next handshake, once a file has
 * changed (another target of a symbolic link, another modification time), as client-go reloads a kubeconfig's
 * certificate files: a kubelet's rotated certificate ({@code kubelet-client-current.pem} pointed at a new pair) is
 * used by new connections without a new client ({@link #sslContext} forgets resumable sessions then). A pair that
 * cannot be read keeps the last one. Thread-safe.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private static final System.Logger LOG = System.getLogger(ReloadingKeyManager.class.getName());
    private static final String ALIAS = "client";

    private record Loaded(String version, X509Certificate[] chain, PrivateKey key) {}

    /** Every manager of this JVM, which {@link #reloadAll} checks. */
    private static final java.util.Set<ReloadingKeyManager> ALL =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));

    private final Path certificateFile;
    private final Path keyFile;
    private volatile Loaded loaded;
    /** The engines of the connections made with this pair, closed once it is replaced. */
    private final java.util.Set<SSLEngine> engines =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));
    private volatile javax.net.ssl.SSLSessionContext sessions;

    private ReloadingKeyManager(Path certificateFile, Path keyFile, Loaded loaded) {
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.loaded = loaded;
    }

    /** The pair of the files now; throws when they hold no certificate or no PKCS#8 EC or RSA key. */
    static ReloadingKeyManager of(Path certificateFile, Path keyFile) {
        ReloadingKeyManager manager = new ReloadingKeyManager(certificateFile, keyFile, load(certificateFile, keyFile,
                version(certificateFile, keyFile)));
        ALL.add(manager);
        return manager;
    }

    /**
     * Reads every manager's files now and, where they changed, closes the connections made with the old pair (as
     * upstream's kubelet closes its connections after a rotation: a connection keeps the certificate of its
     * handshake, which the API server refuses once it has expired); their clients connect again with the new pair.
     */
    static void reloadAll() {
        List<ReloadingKeyManager> managers;
        synchronized (ALL) {
            managers = List.copyOf(ALL);
        }
        managers.forEach(ReloadingKeyManager::refresh);
    }

    /**
     * A TLS context presenting this key manager's pair and trusting {@code trust}: each new connection first checks
     * the files, and once they changed forgets the sessions it could resume (a resumed session would present the old
     * certificate again).
     */
    javax.net.ssl.SSLContext sslContext(javax.net.ssl.TrustManager[] trust) throws GeneralSecurityException {
        javax.net.ssl.SSLContext real = javax.net.ssl.SSLContext.getInstance("TLS");
        real.init(new javax.net.ssl.KeyManager[] {this}, trust, null);
        sessions = real.getClientSessionContext();
        return new Refreshing(real, this);
    }

    /**
     * Checks the files; when they changed, the resumable sessions are forgotten (a resumed session would present the
     * old certificate again) and the connections made before are closed.
     */
    private void refresh() {
        String before = loaded.version();
        if (current().version().equals(before)) {
            return;
        }
        javax.net.ssl.SSLSessionContext context = sessions;
        if (context != null) {
            java.util.Collections.list(context.getIds()).forEach(id -> {
                javax.net.ssl.SSLSession session = context.getSession(id);
                if (session != null) {
                    session.invalidate();
                }
            });
        }
        List<SSLEngine> old;
        synchronized (engines) {
            old = List.copyOf(engines);
            engines.clear();
        }
        old.forEach(SSLEngine::closeOutbound);
        LOG.log(Level.INFO, "connections made with the previous client certificate closed count={0}", old.size());
    }

    private SSLEngine track(SSLEngine engine) {
        engines.add(engine);
        return engine;
    }

    /** An {@link javax.net.ssl.SSLContext} over another that refreshes the key manager before each engine. */
    private static final class Refreshing extends javax.net.ssl.SSLContext {
        Refreshing(javax.net.ssl.SSLContext real, ReloadingKeyManager keys) {
            super(new javax.net.ssl.SSLContextSpi() {
                @Override
                protected void engineInit(javax.net.ssl.KeyManager[] km, javax.net.ssl.TrustManager[] tm,
                                          java.security.SecureRandom random) {
                    throw new UnsupportedOperationException("initialized already");
                }

                @Override
                protected javax.net.ssl.SSLSocketFactory engineGetSocketFactory() {
                    keys.refresh();
                    return real.getSocketFactory();
                }

                @Override
                protected javax.net.ssl.SSLServerSocketFactory engineGetServerSocketFactory() {
                    return real.getServerSocketFactory();
                }

                @Override
                protected SSLEngine engineCreateSSLEngine() {
                    keys.refresh();
                    return keys.track(real.createSSLEngine());
                }

                @Override
                protected SSLEngine engineCreateSSLEngine(String host, int port) {
                    keys.refresh();
                    return keys.track(real.createSSLEngine(host, port));
                }

                @Override
                protected javax.net.ssl.SSLSessionContext engineGetServerSessionContext() {
                    return real.getServerSessionContext();
                }

                @Override
                protected javax.net.ssl.SSLSessionContext engineGetClientSessionContext() {
                    return real.getClientSessionContext();
                }

                @Override
                protected javax.net.ssl.SSLParameters engineGetDefaultSSLParameters() {
                    return real.getDefaultSSLParameters();
                }

                @Override
                protected javax.net.ssl.SSLParameters engineGetSupportedSSLParameters() {
                    return real.getSupportedSSLParameters();
                }
            }, real.getProvider(), real.getProtocol());
        }
    }

    private Loaded current() {
        Loaded last = loaded;
        String version;
        try {
            version = version(certificateFile, keyFile);
        } catch (UncheckedIOException e) {
            return last;
        }
        if (version.equals(last.version())) {
            return last;
        }
        synchronized (this) {
            if (!version.equals(loaded.version())) {
                try {
                    loaded = load(certificateFile, keyFile, version);
                    LOG.log(Level.INFO, "client certificate reloaded file={0} subject={1} notAfter={2}",
                            certificateFile, loaded.chain()[0].getSubjectX500Principal(),
                            loaded.chain()[0].getNotAfter().toInstant());
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "cannot reload the client certificate, keeping the last one file={0}"
                            + " error={1}", certificateFile, e.getMessage());
                }
            }
            return loaded;
        }
    }

    private static String version(Path certificateFile, Path keyFile) {
        StringBuilder version = new StringBuilder();
        try {
            for (Path file : List.of(certificateFile, keyFile)) {
                Path real = file.toRealPath();
                version.append(real).append('@').append(Files.getLastModifiedTime(real).toMillis()).append('|');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("stat " + certificateFile, e);
        }
        return version.toString();
    }

    private static Loaded load(Path certificateFile, Path keyFile, String version) {
        try {
            String certificates = Files.readString(certificateFile, StandardCharsets.US_ASCII);
            X509Certificate[] chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(FabricClients.blocks(certificates, "CERTIFICATE")
                            .getBytes(StandardCharsets.US_ASCII)))
                    .stream().map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
            if (chain.length == 0) {
                throw new IllegalArgumentException("no certificate in " + certificateFile);
            }
            String key = Files.readString(keyFile, StandardCharsets.US_ASCII);
            int begin = key.indexOf("-----BEGIN PRIVATE KEY-----");
            int end = key.indexOf("-----END PRIVATE KEY-----");
            if (begin < 0 || end < begin) {
                throw new IllegalArgumentException("no PKCS#8 PRIVATE KEY in " + keyFile);
            }
            byte[] der = Base64.getMimeDecoder().decode(key.substring(begin + 27, end));
            for (String algorithm : List.of("EC", "RSA")) {
                try {
                    return new Loaded(version, chain,
                            KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der)));
                } catch (GeneralSecurityException e) {
                    // not this one
                }
            }
            throw new IllegalArgumentException("the key of " + keyFile + " is neither EC nor RSA");
        } catch (IOException e) {
            throw new UncheckedIOException("read " + certificateFile, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("parse " + certificateFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return current().chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return current().key();
    }
}
