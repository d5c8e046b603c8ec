package dev.j8s.pki;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * For tests that look at the certificate a peer presents rather than trust it: a TLS context that accepts every
 * peer certificate, with the given key managers (none for a client without a certificate).
 */
public final class TrustingTls {

    private TrustingTls() {}

    public static SSLContext context(KeyManager[] keys) throws GeneralSecurityException {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String type) {
                // every client certificate is recorded, none refused
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String type) {
                // the peer's certificate is what the test looks at
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return tls;
    }
}
