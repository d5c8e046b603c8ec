package dev.j8s.controllers.testing;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.KubeClient;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.testing.LocalCore;
import dev.j8s.controllers.ControllerClients;
import dev.j8s.controllers.ControllerManager;
import dev.j8s.controllers.podgc.PodGarbageCollector;
import dev.j8s.controllers.volume.LocalPathProvisioner;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Every controller of {@link ControllerManager} over a real API server on SQLite with its authorization and
 * admission, as j8s server runs them: the informers as {@code system:kube-controller-manager}, each controller as
 * its service account in {@code kube-system} held to its bootstrap role; with a {@link FakeKubelet} and a client
 * as the admin for the tests' own calls; for the controllers' scenario tests. Not thread-safe to open or close.
 */
public final class Controllers implements AutoCloseable {

    private final LocalCore api;
    private final KubeClient controllerManager;
    private final ControllerClients clients;
    private final FakeKubelet kubelet;
    private final ControllerManager manager;

    private Controllers(LocalCore api, KubeClient controllerManager, ControllerClients clients, FakeKubelet kubelet,
                        ControllerManager manager) {
        this.api = api;
        this.controllerManager = controllerManager;
        this.clients = clients;
        this.kubelet = kubelet;
        this.manager = manager;
    }

    public static Controllers start(Path dir) {
        return start(dir, new ControllerManager.Options(Clock.systemUTC(), Duration.ofMinutes(10),
                PodGarbageCollector.DEFAULT_THRESHOLD));
    }

    /**
     * The controllers with the local-path provisioner making volumes under {@code storage} and its default
     * StorageClass created by the admin.
     */
    public static Controllers withStorage(Path dir, Path storage) {
        Controllers controllers = start(dir, new ControllerManager.Options(Clock.systemUTC(), Duration.ofMinutes(10),
                PodGarbageCollector.DEFAULT_THRESHOLD).withStorage(storage));
        LocalPathProvisioner.ensureDefaultStorageClass(controllers.api().client());
        return controllers;
    }

    /** {@link #start(Path)} with other options (e.g. a short node monitor grace period). */
    public static Controllers start(Path dir, ControllerManager.Options options) {
        LocalCore api = LocalCore.open(dir, false);
        KubeClient controllerManager = api.core().kubeClient(UserInfo.authenticated(UserInfo.KUBE_CONTROLLER_MANAGER,
                "", List.of(), Map.of()));
        ControllerClients clients = ControllerClients.serviceAccounts(controllerManager,
                sa -> api.core().kubeClient(UserInfo.serviceAccount(sa.getMetadata().getNamespace(),
                        sa.getMetadata().getName(), sa.getMetadata().getUid())));
        FakeKubelet kubelet = new FakeKubelet(api.client(), Clock.systemUTC());
        ControllerManager manager = ControllerManager.start(controllerManager, clients, options);
        return new Controllers(api, controllerManager, clients, kubelet, manager);
    }

    public LocalCore api() {
        return api;
    }

    /** The client the controller named {@code serviceAccount} calls with (the one the manager uses). */
    public KubeClient clientOf(String serviceAccount) {
        return clients.client(serviceAccount);
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

    /**
     * The events of a namespace with this reason in the order they were written: by resourceVersion (each
     * recorder writes from one thread; the names, the list order, only carry the millisecond and a random part).
     */
    public List<Event> events(String namespace, String reason) {
        return api.client().resource(Kind.EVENTS).list(namespace, ListOptions.EVERYTHING).items().stream()
                .filter(e -> reason.equals(e.getReason()))
                .sorted(java.util.Comparator.comparingLong(e -> Long.parseLong(e.getMetadata().getResourceVersion())))
                .toList();
    }

    @Override
    public void close() {
        manager.close();
        kubelet.close();
        controllerManager.close();
        api.close();
    }
}
