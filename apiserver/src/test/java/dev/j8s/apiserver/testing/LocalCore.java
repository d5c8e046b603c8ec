package dev.j8s.apiserver.testing;

import dev.j8s.api.client.KubeClient;
import dev.j8s.apiserver.ApiCore;
import dev.j8s.apiserver.ApiServerConfig;
import dev.j8s.apiserver.admission.AdmissionOptions;
import dev.j8s.apiserver.authentication.Authenticator;
import dev.j8s.apiserver.authentication.ServiceAccountKeys;
import dev.j8s.apiserver.authentication.ServiceAccountTokens;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.controllers.Controllers;
import dev.j8s.apiserver.storage.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An {@link ApiCore} over a SQLite store in a directory, bootstrapped (namespaces, default service accounts, the
 * RBAC policy, {@code kube-root-ca.crt}) with node {@code node1}; no HTTP. Not thread-safe to open or close.
 */
public final class LocalCore implements AutoCloseable {

    public static final String ADMIN_TOKEN = "local-admin-token";
    public static final String CA_PEM = "-----BEGIN CERTIFICATE-----\nlocal-test-ca\n-----END CERTIFICATE-----\n";

    private final SqliteStore store;
    private final ApiCore core;
    private final Controllers controllers;
    private final KubeClient client;

    private LocalCore(SqliteStore store, ApiCore core, Controllers controllers) {
        this.store = store;
        this.core = core;
        this.controllers = controllers;
        this.client = core.kubeClient(UserInfo.authenticated(Authenticator.ADMIN_USER, "",
                List.of(UserInfo.MASTERS), Map.of()));
    }

    /** Opens and bootstraps the API; with {@code runControllers} its controllers keep running until closed. */
    public static LocalCore open(Path dir, boolean runControllers) {
        SqliteStore store = SqliteStore.open(dir.resolve("state.db"));
        ApiServerConfig.Identity identity = new ApiServerConfig.Identity(Optional.empty(), CA_PEM,
                ServiceAccountKeys.generateEc(), ServiceAccountTokens.DEFAULT_ISSUER,
                ApiServerConfig.Identity.DEFAULT_AUTHORIZATION_MODES);
        ApiCore core = ApiCore.over(store, ADMIN_TOKEN, "10.96.0.0/12", Set.of(), AdmissionOptions.DEFAULT, identity,
                Clock.systemUTC());
        Controllers controllers = new Controllers(core.objects(), "node1", "10.96.0.1", 6443, CA_PEM, core.tokens());
        controllers.bootstrap();
        if (runControllers) {
            controllers.start();
        }
        return new LocalCore(store, core, controllers);
    }

    public ApiCore core() {
        return core;
    }

    /** A client acting as the admin ({@code system:masters}). */
    public KubeClient client() {
        return client;
    }

    public SqliteStore store() {
        return store;
    }

    @Override
    public void close() {
        client.close();
        controllers.close();
        core.close();
        store.close();
    }
}
