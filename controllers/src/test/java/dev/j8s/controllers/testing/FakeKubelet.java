package dev.j8s.controllers.testing;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.api.client.Watch;
import dev.j8s.api.client.WatchEvent;
import dev.j8s.api.client.Watcher;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Plays the kubelet for controller tests, through the client like the real one: every new pod is reported
 * Running and Ready (unless its name is held back with {@link #holdBack}), and a pod being deleted is confirmed
 * with a delete of grace 0. Thread-safe.
 */
public final class FakeKubelet implements AutoCloseable {

    private final ResourceClient<Pod> pods;
    private final Clock clock;
    private final Watch watch;
    private final Set<String> heldBack = ConcurrentHashMap.newKeySet();
    private volatile boolean readyByDefault = true;

    public FakeKubelet(KubeClient client, Clock clock) {
        this.pods = client.resource(Kind.PODS);
        this.clock = clock;
        this.watch = pods.watch("", ListOptions.EVERYTHING, "0", new Watcher<>() {
            @Override
            public void event(WatchEvent<Pod> event) {
                handle(event);
            }

            @Override
            public void ended(ClusterException cause) {
            }
        });
    }

    /** Pods created from now on stay Pending and not ready until {@link #makeReady}. */
    public void stopMakingReady() {
        readyByDefault = false;
    }

    /** New pods become ready again. */
    public void startMakingReady() {
        readyByDefault = true;
    }

    /** Keeps a pod whose name starts with {@code prefix} Pending. */
    public void holdBack(String prefix) {
        heldBack.add(prefix);
    }

    private void handle(WatchEvent<Pod> event) {
        Pod pod = event.object();
        if (event.type() == WatchEvent.Type.DELETED) {
            return;
        }
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        try {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                pods.delete(ns, name, DeleteOptions.defaults().withGracePeriod(0).withUid(pod.getMetadata().getUid()));
                return;
            }
            boolean unreported = pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase());
            if (unreported && readyByDefault && heldBack.stream().noneMatch(name::startsWith)) {
                makeReady(ns, name);
            }
        } catch (ClusterException e) {
            // gone or changed meanwhile: the next event tells
        }
    }

    /** Reports a pod Running and Ready now. */
    public void makeReady(String namespace, String name) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        pods.patchStatus(namespace, name, PatchType.MERGE, "{\"status\":{\"phase\":\"Running\",\"conditions\":["
                + "{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"" + now + "\"}]}}");
    }

    /** Reports a pod Running but not ready. */
    public void makeUnready(String namespace, String name) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        pods.patchStatus(namespace, name, PatchType.MERGE, "{\"status\":{\"phase\":\"Running\",\"conditions\":["
                + "{\"type\":\"Ready\",\"status\":\"False\",\"lastTransitionTime\":\"" + now + "\"}]}}");
    }

    @Override
    public void close() {
        watch.close();
    }
}
