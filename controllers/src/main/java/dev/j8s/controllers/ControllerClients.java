package dev.j8s.controllers;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The client each controller calls the API with, as kube-controller-manager's {@code ControllerClientBuilder}: one
 * shared client for all ({@link #shared}) or, as with {@code --use-service-account-credentials}, a client per
 * controller acting as the service account {@code kube-system/<controller>} ({@link #serviceAccounts}), so that each
 * is held to its bootstrap {@code system:controller:<controller>} role. Thread-safe.
 */
@FunctionalInterface
public interface ControllerClients {

    /** The namespace of the controllers' service accounts. */
    String NAMESPACE = "kube-system";

    /** The client of the controller named {@code controller} (upstream's service account name for it). */
    KubeClient client(String controller);

    /** Every controller calls through {@code client}. */
    static ControllerClients shared(KubeClient client) {
        return controller -> client;
    }

    /**
     * A client per controller: its service account {@code kube-system/<controller>} is read, or created when
     * missing, through {@code root} (the controller manager's own identity), and {@code asServiceAccount} gives the
     * client that acts as it. Each controller's client is made once.
     */
    static ControllerClients serviceAccounts(KubeClient root, Function<ServiceAccount, KubeClient> asServiceAccount) {
        Map<String, KubeClient> clients = new ConcurrentHashMap<>();
        return controller -> clients.computeIfAbsent(controller,
                name -> asServiceAccount.apply(ensureServiceAccount(root, name)));
    }

    private static ServiceAccount ensureServiceAccount(KubeClient root, String name) {
        var accounts = root.resource(Kind.SERVICE_ACCOUNTS);
        return accounts.get(NAMESPACE, name).orElseGet(() -> {
            try {
                return accounts.create(new ServiceAccountBuilder().withNewMetadata().withNamespace(NAMESPACE)
                        .withName(name).endMetadata().build());
            } catch (ClusterException.AlreadyExists e) {
                return accounts.get(NAMESPACE, name).orElseThrow(() -> e);
            }
        });
    }
}
