package dev.j8s.apiserver;

import dev.j8s.api.Cluster;
import dev.j8s.api.client.KubeClient;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.http.AccessControl;
import dev.j8s.apiserver.controllers.Controllers;
import dev.j8s.apiserver.kubeletclient.NodeRouting;
import dev.j8s.apiserver.http.ApiHandler;
import dev.j8s.apiserver.http.ConnectionGuard;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.storage.SqliteStore;
import dev.j8s.apiserver.storage.Store;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One running API server: the SQLite store, authentication and authorization (Node, RBAC),
 * admission, the HTTPS endpoint and the controllers a single node needs. Thread-safe;
 * {@link #close()} stops everything it started.
 */
public final class ApiServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ApiServer.class.getName());

    private final Server jetty;
    private final Store store;
    private final ApiCore core;
    private final Controllers controllers;
    private final ApiHandler handler;
    private final SslContextFactory.Server ssl;
    private final HttpConfiguration http;
    private final ConnectionGuard guard;
    private final int port;
    private final NodeRouting kubelets;

    private ApiServer(Server jetty, Store store, ApiCore core, Controllers controllers, ApiHandler handler,
                      SslContextFactory.Server ssl, HttpConfiguration http, ConnectionGuard guard, int port,
                      String nodeName) {
        this.kubelets = new NodeRouting(store, nodeName);
        this.jetty = jetty;
        this.store = store;
        this.core = core;
        this.controllers = controllers;
        this.handler = handler;
        this.ssl = ssl;
        this.http = http;
        this.guard = guard;
        this.port = port;
    }

    /** Opens the store, seeds the built-in objects, starts the controllers and serves; returns once serving. */
    public static ApiServer start(ApiServerConfig config) {
        if (!Files.isRegularFile(config.keyStore())) {
            throw new IllegalArgumentException("start API server: keystore " + config.keyStore() + " does not exist");
        }
        Store store = SqliteStore.open(config.stateDb());
        Server jetty = null;
        ApiCore core = null;
        try {
            Clock clock = Clock.systemUTC();
            ApiServerConfig.Identity identity = config.identity();
            core = ApiCore.over(store, config.bearerToken(), config.serviceCidr(), config.admissionPlugins(),
                    config.admissionOptions(), identity, clock);
            ObjectService objects = core.objects();
            AccessControl access = core.access();

            QueuedThreadPool pool = new QueuedThreadPool();
            pool.setName("j8s-api");
            pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("j8s-api-", 0).factory()));
            jetty = new Server(pool);
            // client certificates are asked for (naming the cluster CA) and checked by the x509 authenticator, as
            // upstream's RequestClientCert: one from another CA is a failed credential (401), not a failed handshake
            SslContextFactory.Server ssl = new SslContextFactory.Server() {
                @Override
                protected TrustManager[] getTrustManagers(KeyStore trustStore, Collection<? extends CRL> crls) {
                    return new TrustManager[] {new ClientCertificates(identity.clientCa())};
                }
            };
            ssl.setWantClientAuth(true);
            ssl.setKeyStorePath(config.keyStore().toString());
            ssl.setKeyStoreType("PKCS12");
            ssl.setKeyStorePassword(config.keyStorePassword());
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            http.setSendDateHeader(true);
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false);
            http.addCustomizer(secure);
            ServerConnector connector = new ServerConnector(jetty,
                    new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
            connector.setHost(config.listen().getHostString());
            connector.setPort(config.listen().getPort());
            connector.setIdleTimeout(60_000);
            jetty.addConnector(connector);
            String address = config.listen().getHostString() + ":" + config.listen().getPort();
            ConnectionGuard guard = new ConnectionGuard(config.limits());
            connector.addEventListener(guard);
            ApiHandler handler = new ApiHandler(access, objects, address, config.limits(), Optional.of(guard));
            jetty.setHandler(handler);
            // pods/exec upgrades to a WebSocket from inside ApiHandler (no servlet context)
            ServerWebSocketContainer.ensure(jetty);
            jetty.setStopTimeout(5_000);
            jetty.start();
            int port = connector.getLocalPort();
            Controllers controllers = new Controllers(objects, config.nodeName(), core.ips().firstAddress(), port,
                    identity.rootCaPem(), core.tokens());
            controllers.bootstrap();
            controllers.start();
            LOG.log(Level.INFO, "API server serving address=" + config.listen().getHostString() + ":" + port
                    + " node=" + config.nodeName());
            return new ApiServer(jetty, store, core, controllers, handler, ssl, http, guard, port, config.nodeName());
        } catch (Exception e) {
            if (core != null) {
                core.close();
            }
            if (jetty != null) {
                try {
                    jetty.stop();
                } catch (Exception stop) {
                    e.addSuppressed(stop);
                }
            }
            store.close();
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("start API server on " + config.listen() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Serves {@code pods/log}, {@code exec}, {@code attach} and {@code portforward} of the embedded node's pods
     * through {@code kubelet} (the kubelet in this process) instead of answering that no kubelet serves the node.
     */
    public void attachKubelet(dev.j8s.apiserver.rest.KubeletClient kubelet) {
        kubelets.attachLocal(kubelet);
        handler.attachKubelet(kubelets);
    }

    /**
     * Serves those subresources of pods on other nodes through their kubelets' HTTPS API, with {@code kubeletTls}
     * ({@link dev.j8s.apiserver.kubeletclient.KubeletTls}: the API server's kubelet client certificate, and the
     * kubelets' CA if they are checked).
     */
    public void attachRemoteKubelets(javax.net.ssl.SSLContext kubeletTls) {
        kubelets.attachRemote(kubeletTls);
        handler.attachKubelet(kubelets);
    }

    /**
     * The API as {@code user} from inside this JVM: every call is authorized for that user by the same chain as
     * over HTTPS and admitted as that user (the embedded kubelet acts as {@code system:node:<node>}).
     */
    public Cluster cluster(UserInfo user) {
        return core.cluster(user);
    }

    /**
     * A {@link KubeClient} acting as {@code user} from inside this JVM: each call is authorized and admitted as the
     * same request over HTTPS from that user would be (the controllers act as their service accounts).
     */
    public KubeClient kubeClient(UserInfo user) {
        return core.kubeClient(user);
    }

    /** The authorizer chain (privileged group, then the configured modes). */
    public Authorizer authorizer() {
        return core.authorizer();
    }

    /**
     * Serves on {@code address} too, with the same TLS, limits and handler (e.g. the pod network's gateway, for
     * in-cluster clients); the address must exist on this host.
     *
     * @throws IllegalStateException when it cannot be bound
     */
    public void listenAlso(InetSocketAddress address) {
        ServerConnector connector = new ServerConnector(jetty, new SslConnectionFactory(ssl, "http/1.1"),
                new HttpConnectionFactory(http));
        connector.setHost(address.getHostString());
        connector.setPort(address.getPort());
        connector.setIdleTimeout(60_000);
        connector.addEventListener(guard);
        jetty.addConnector(connector);
        try {
            connector.start();
        } catch (Exception e) {
            jetty.removeConnector(connector);
            throw new IllegalStateException("listen on " + address + ": " + e.getMessage(), e);
        }
        LOG.log(Level.INFO, "API server serving also address=" + address.getHostString() + ":" + connector.getLocalPort());
    }

    /** Connections that have not sent an authenticated request yet, for tests and diagnostics. */
    public int unauthenticatedConnections() {
        return handler.unauthenticatedConnections();
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return port;
    }

    /** In-process access to the objects, for the components that run in this JVM. */
    public ObjectService objects() {
        return core.objects();
    }

    /** Blocks until the server stops. */
    public void awaitTermination() throws InterruptedException {
        jetty.join();
    }

    @Override
    public void close() {
        handler.markNotReady();
        controllers.close();
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "stopping the HTTP server failed", e);
        }
        core.close();
        store.close();
    }

    /**
     * Accepts any client certificate during the handshake (the x509 authenticator decides what it is worth) and
     * names the cluster CA as the issuer clients should pick a certificate of.
     */
    private static final class ClientCertificates extends X509ExtendedTrustManager {
        private final X509Certificate[] issuers;

        ClientCertificates(Optional<X509Certificate> ca) {
            this.issuers = ca.map(c -> new X509Certificate[] {c}).orElse(new X509Certificate[0]);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) { }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("the API server trusts no servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("the API server trusts no servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the API server trusts no servers");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return issuers.clone();
        }
    }
}
