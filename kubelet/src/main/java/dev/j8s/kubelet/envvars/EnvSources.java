package dev.j8s.kubelet.envvars;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;
import java.util.Optional;

/**
 * Where a container's environment comes from in the API (upstream's secret, configMap and service managers);
 * implementations are thread-safe and may cache. Empty means the object does not exist; any other failure is a
 * runtime exception whose message is shown to the user.
 */
public interface EnvSources {

    Optional<Secret> secret(String namespace, String name);

    Optional<ConfigMap> configMap(String namespace, String name);

    List<Service> services(String namespace);
}
