package dev.j8s.kubelet.server;

import dev.j8s.api.Cluster;
import dev.j8s.kubelet.Kubelet;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The kubelet API over HTTPS on the kubelet port, as upstream's kubelet server with webhook authentication and
 * authorization: every request is authenticated by a client certificate of the cluster's CA or a bearer token the
 * cluster reviews (TokenReview), then authorized by the cluster (SubjectAccessReview on the node); nothing is
 * anonymous. It serves {@code /healthz}, {@code /pods}, {@code /containerLogs/{ns}/{pod}/{container}},
 * {@code /metrics}, and hands {@code /exec}, {@code /attach} and {@code /portForward} to {@link Streaming}.
 * Thread-safe.
 */
public final class KubeletServer implements AutoCloseable {

    /** The streaming endpoints' protocols (WebSocket channels, SPDY), served by the API server's handlers. */
    public interface Streaming {
        /** Readies {@code server} for protocol upgrades; called before it starts. */
        void prepare(Server server);

        /** Serves one streaming request to {@code pod}'s {@code container} (empty for a port-forward). */
        void serve(Request request, Response response, Callback callback, Endpoint endpoint, Pod pod,
                   String container);
    }

    /** The streaming endpoints. */
    public enum Endpoint { EXEC, ATTACH, PORT_FORWARD }

    /**
     * The server's TLS material.
     *
     * @param keyStore  a PKCS#12 store with the serving key and chain
     * @param clientCas the CAs whose client certificates authenticate (the cluster's, as {@code --client-ca-file})
     */
    public record Tls(KeyStore keyStore, String password, List<X509Certificate> clientCas) {
        public Tls {
            clientCas = List.copyOf(clientCas);
        }
    }

    private final Server jetty;
    private final SslContextFactory.Server ssl;
    private final int port;

    private KubeletServer(Server jetty, SslContextFactory.Server ssl, int port) {
        this.jetty = jetty;
        this.ssl = ssl;
        this.port = port;
    }

    /** Starts serving on {@code address} (port 0: a free one) for the node {@code nodeName}. */
    public static KubeletServer start(InetSocketAddress address, Tls tls, String nodeName, Cluster cluster,
                                      Kubelet kubelet, Streaming streaming, Clock clock) {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("j8s-kubelet-api");
        pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("j8s-kubelet-api-", 0).factory()));
        Server jetty = new Server(pool);
        // client certificates are asked for, naming the cluster's CAs, and checked by the handler: one of another CA
        // is no credential (401), not a failed handshake
        SslContextFactory.Server ssl = new SslContextFactory.Server() {
            @Override
            protected TrustManager[] getTrustManagers(KeyStore trustStore, java.util.Collection<? extends java.security.cert.CRL> crls) {
                return new TrustManager[] {new AnyClient(tls.clientCas())};
            }
        };
        ssl.setWantClientAuth(true);
        ssl.setKeyStore(tls.keyStore());
        ssl.setKeyStorePassword(tls.password());
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        ServerConnector connector = new ServerConnector(jetty, new SslConnectionFactory(ssl, "http/1.1"),
                new HttpConnectionFactory(http));
        connector.setHost(address.getHostString());
        connector.setPort(address.getPort());
        connector.setIdleTimeout(4 * 60 * 60_000L); // streams (logs -f, exec, port-forward) are long and quiet
        jetty.addConnector(connector);
        jetty.setHandler(new KubeletApiHandler(nodeName, cluster, kubelet, tls.clientCas(), streaming, clock));
        streaming.prepare(jetty);
        jetty.setStopTimeout(2_000);
        try {
            jetty.start();
        } catch (Exception e) {
            throw new IllegalStateException("start the kubelet API on " + address + ": " + e.getMessage(), e);
        }
        return new KubeletServer(jetty, ssl, connector.getLocalPort());
    }

    public int port() {
        return port;
    }

    /**
     * Serves with another certificate from now on (a PKCS#12 store with the key and chain, as {@link Tls}'s): new
     * handshakes present it, established connections keep theirs.
     */
    public void useServingCertificate(KeyStore keyStore, String password) {
        try {
            ssl.reload(factory -> {
                factory.setKeyStore(keyStore);
                factory.setKeyStorePassword(password);
            });
        } catch (Exception e) {
            throw new IllegalStateException("serve the kubelet API with the new certificate: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            // stopping: nothing else to do
        }
    }

    /** Accepts every client chain in the handshake and names {@code cas} as the acceptable issuers. */
    private static final class AnyClient extends X509ExtendedTrustManager {
        private final X509Certificate[] cas;

        AnyClient(List<X509Certificate> cas) {
            this.cas = cas.toArray(X509Certificate[]::new);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("a server trust manager only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException("a server trust manager only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("a server trust manager only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return cas.clone();
        }
    }
}
