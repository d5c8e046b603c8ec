package dev.j8s.kubelet.manager;

import dev.j8s.api.Cluster;
import dev.j8s.kubelet.envvars.EnvSources;
import dev.j8s.kubelet.volume.PersistentClaims;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Secrets and configMaps read through {@link Cluster} and kept for a short TTL, as
 * upstream's cache-based secret and configMap managers do: a pod's many containers and volumes cost one read, and
 * a change is seen within the TTL. Absence is cached too. Thread-safe.
 */
public final class ObjectCache implements EnvSources, PersistentClaims.Source {

    /** How long a read stays fresh: short, so changes reach volumes within seconds. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);

    private record Entry(Instant fetched, Object value) {}

    private final Cluster cluster;
    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public ObjectCache(Cluster cluster, Clock clock, Duration ttl) {
        this.cluster = cluster;
        this.clock = clock;
        this.ttl = ttl;
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return get("secrets/" + namespace + "/" + name, () -> cluster.secret(namespace, name));
    }

    @Override
    public Optional<ConfigMap> configMap(String namespace, String name) {
        return get("configmaps/" + namespace + "/" + name, () -> cluster.configMap(namespace, name));
    }

    /**
     * Read afresh each time (once per container start): a pod must see every service created before it, which
     * upstream's service informer gives within milliseconds and a TTL would not.
     */
    @Override
    public List<Service> services(String namespace) {
        return cluster.services(namespace);
    }

    /** Read afresh: a claim's binding decides whether a pod may start, and it changes once. */
    @Override
    public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
        return cluster.persistentVolumeClaim(namespace, name);
    }

    @Override
    public Optional<PersistentVolume> volume(String name) {
        return cluster.persistentVolume(name);
    }

    /** Drops everything cached (the next reads go to the API). */
    public void invalidateAll() {
        entries.clear();
    }

    @SuppressWarnings("unchecked")
    private <T> T get(String key, Supplier<T> read) {
        Instant now = clock.instant();
        Entry e = entries.get(key);
        if (e != null && e.fetched().plus(ttl).isAfter(now)) {
            return (T) e.value();
        }
        T value = read.get(); // a failed read is not cached
        entries.put(key, new Entry(now, value));
        return value;
    }
}
