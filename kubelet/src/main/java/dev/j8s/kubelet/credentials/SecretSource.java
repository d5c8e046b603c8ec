package dev.j8s.kubelet.credentials;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;

/**
 * Fetches a Secret for the kubelet (upstream's secret manager); implementations must be thread-safe. Empty means
 * the secret does not exist; an exception means it could not be retrieved — both count as "unable to retrieve".
 */
@FunctionalInterface
public interface SecretSource {
    Optional<Secret> get(String namespace, String name);
}
