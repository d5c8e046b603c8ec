package dev.j8s.apiserver.kubeletclient;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS side of the API server's calls to kubelets: its client certificate ({@code --kubelet-client-certificate}
 * and {@code --kubelet-client-key}), and the kubelets' serving certificates checked against
 * {@code --kubelet-certificate-authority} when one is given, else not checked, as upstream's API server does without
 * that flag (a kubelet's default serving certificate is self-signed). Stateless.
 */
public final class KubeletTls {

    private KubeletTls() {}

    /**
     * A TLS context presenting the key entry of {@code clientKeyStore} (protected by {@code password}) and trusting
     * {@code kubeletCa} if present, any kubelet otherwise.
     */
    public static SSLContext context(KeyStore clientKeyStore, char[] password, Optional<X509Certificate> kubeletCa) {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(clientKeyStore, password);
            TrustManager[] trust;
            if (kubeletCa.isPresent()) {
                KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
                anchors.load(null, null);
                anchors.setCertificateEntry("kubelet-ca", kubeletCa.get());
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(anchors);
                trust = factory.getTrustManagers();
            } else {
                trust = new TrustManager[] {new AnyKubelet()};
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust, null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("kubelet client TLS: " + e.getMessage(), e);
        }
    }

    /** Upstream's default without a kubelet CA: the kubelet's certificate and name are not checked. */
    private static final class AnyKubelet extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) { }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}
