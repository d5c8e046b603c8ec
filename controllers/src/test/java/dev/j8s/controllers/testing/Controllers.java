package dev.j8s.controllers.testing;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.apiserver.testing.LocalApi;
import dev.j8s.controllers.ControllerManager;
import dev.j8s.controllers.podgc.PodGarbageCollector;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Every controller of {@link ControllerManager} over a real API server on SQLite, with a {@link FakeKubelet}; for
 * the controllers' scenario tests. Not thread-safe to open or close.
 */
public final class Controllers implements AutoCloseable {

    private final LocalApi api;
    private final FakeKubelet kubelet;
    private final ControllerManager manager;

    private Controllers(LocalApi api, FakeKubelet kubelet, ControllerManager manager) {
        this.api = api;
        this.kubelet = kubelet;
        this.manager = manager;
    }

    public static Controllers start(Path dir) {
        return start(dir, new ControllerManager.Options(Clock.systemUTC(), Duration.ofMinutes(10),
                PodGarbageCollector.DEFAULT_THRESHOLD));
    }

    /** The controllers with the local-path provisioner making volumes under {@code storage}. */
    public static Controllers withStorage(Path dir, Path storage) {
        return start(dir, new ControllerManager.Options(Clock.systemUTC(), Duration.ofMinutes(10),
                PodGarbageCollector.DEFAULT_THRESHOLD).withStorage(storage));
    }

    private static Controllers start(Path dir, ControllerManager.Options options) {
        LocalApi api = LocalApi.open(dir);
        FakeKubelet kubelet = new FakeKubelet(api.client(), Clock.systemUTC());
        ControllerManager manager = ControllerManager.start(api.client(), options);
        return new Controllers(api, kubelet, manager);
    }

    public LocalApi api() {
        return api;
    }

    public FakeKubelet kubelet() {
        return kubelet;
    }

    /** A Deployment in {@code default} whose pods are labelled {@code app=<name>}, with one container {@code c}. */
    public static Deployment deployment(String name, int replicas, String image) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage(image).endContainer().endSpec().endTemplate().endSpec()
                .build();
    }

    /** The events of a namespace with this reason, in the order the server lists them. */
    public List<Event> events(String namespace, String reason) {
        return api.client().resource(Kind.EVENTS).list(namespace, ListOptions.EVERYTHING).items().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    @Override
    public void close() {
        manager.close();
        kubelet.close();
        api.close();
    }
}
