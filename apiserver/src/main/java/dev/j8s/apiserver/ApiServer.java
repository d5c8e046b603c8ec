package dev.j8s.apiserver;

import dev.j8s.apiserver.admission.ServiceIpAllocator;
import dev.j8s.apiserver.controllers.Controllers;
import dev.j8s.apiserver.http.ApiHandler;
import dev.j8s.apiserver.http.ConnectionGuard;
import dev.j8s.apiserver.registry.Resources;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.storage.SqliteStore;
import dev.j8s.apiserver.storage.Store;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
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
 * One running API server: the SQLite store, admission, the HTTPS endpoint and the controllers a
 * single node needs. Thread-safe; {@link #close()} stops everything it started.
 */
public final class ApiServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ApiServer.class.getName());

    private final Server jetty;
    private final Store store;
    private final ObjectService objects;
    private final Controllers controllers;
    private final ApiHandler handler;
    private final int port;

    private ApiServer(Server jetty, Store store, ObjectService objects, Controllers controllers, ApiHandler handler, int port) {
        this.jetty = jetty;
        this.store = store;
        this.objects = objects;
        this.controllers = controllers;
        this.handler = handler;
        this.port = port;
    }

    /** Opens the store, seeds the built-in objects, starts the controllers and serves; returns once serving. */
    public static ApiServer start(ApiServerConfig config) {
        if (!Files.isRegularFile(config.keyStore())) {
            throw new IllegalArgumentException("start API server: keystore " + config.keyStore() + " does not exist");
        }
        Store store = SqliteStore.open(config.stateDb());
        Server jetty = null;
        try {
            Resources resources = Resources.builtin();
            ServiceIpAllocator ips = new ServiceIpAllocator(config.serviceCidr());
            ObjectService objects = ObjectService.over(store, resources, ips, config.admissionPlugins(),
                    config.admissionOptions(), Clock.systemUTC());

            QueuedThreadPool pool = new QueuedThreadPool();
            pool.setName("j8s-api");
            pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("j8s-api-", 0).factory()));
            jetty = new Server(pool);
            SslContextFactory.Server ssl = new SslContextFactory.Server();
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
            ApiHandler handler = new ApiHandler(config.bearerToken(), objects, address, config.limits(),
                    Optional.of(guard));
            jetty.setHandler(handler);
            // pods/exec upgrades to a WebSocket from inside ApiHandler (no servlet context)
            ServerWebSocketContainer.ensure(jetty);
            jetty.setStopTimeout(5_000);
            jetty.start();
            int port = connector.getLocalPort();
            Controllers controllers = new Controllers(objects, config.nodeName(), ips.firstAddress(), port);
            controllers.bootstrap();
            controllers.start();
            LOG.log(Level.INFO, "API server serving address=" + config.listen().getHostString() + ":" + port
                    + " node=" + config.nodeName());
            return new ApiServer(jetty, store, objects, controllers, handler, port);
        } catch (Exception e) {
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
     * Serves {@code pods/log}, {@code exec}, {@code attach} and {@code portforward} through {@code kubelet} instead of
     * answering that no kubelet serves the node.
     */
    public void attachKubelet(dev.j8s.apiserver.rest.KubeletClient kubelet) {
        handler.attachKubelet(kubelet);
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
        return objects;
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
        store.close();
    }
}
