package dev.j8s.controllers;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.controllers.daemon.DaemonSetController;
import dev.j8s.controllers.deployment.DeploymentController;
import dev.j8s.controllers.disruption.DisruptionController;
import dev.j8s.controllers.garbagecollector.GarbageCollector;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.podgc.PodGarbageCollector;
import dev.j8s.controllers.replicaset.ReplicaSetController;
import java.lang.System.Logger.Level;
import dev.j8s.controllers.statefulset.StatefulSetController;
import dev.j8s.controllers.volume.LocalPathProvisioner;
import dev.j8s.controllers.volume.PersistentVolumeController;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the controllers of one cluster over one set of shared informers, as kube-controller-manager does: the
 * Deployment, ReplicaSet, DaemonSet and StatefulSet controllers, the garbage collector, pod GC, the disruption
 * controller and the PV controller with the local-path provisioner,
 * all through a {@link KubeClient}. Thread-safe; {@link #close} stops everything it started.
 */
public final class ControllerManager implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ControllerManager.class.getName());

    /**
     * @param clock                    the controllers' clock
     * @param resync                   how often informers hand every object to the controllers again
     * @param terminatedPodGcThreshold finished pods kept before pod GC deletes the oldest (0 or less: never)
     */
    public record Options(Clock clock, Duration resync, int terminatedPodGcThreshold, Optional<Path> storage) {
        /** Upstream's defaults: a 12-hour resync is replaced by 10 minutes, enough for one node. */
        public static Options defaults() {
            return new Options(Clock.systemUTC(), Duration.ofMinutes(10), PodGarbageCollector.DEFAULT_THRESHOLD,
                    Optional.empty());
        }

        public Options(Clock clock, Duration resync, int terminatedPodGcThreshold) {
            this(clock, resync, terminatedPodGcThreshold, Optional.empty());
        }

        /**
         * These options with the local-path provisioner making volumes under {@code storage} (and its default
         * StorageClass {@code local-path} created when missing).
         */
        public Options withStorage(Path storage) {
            return new Options(clock, resync, terminatedPodGcThreshold, Optional.of(storage));
        }
    }

    private final InformerFactory informers;
    private final List<AutoCloseable> running = new ArrayList<>();

    private ControllerManager(InformerFactory informers) {
        this.informers = informers;
    }

    /** Builds every controller, starts the informers, waits for their first lists, then starts the workers. */
    public static ControllerManager start(KubeClient client, Options options) {
        InformerFactory informers = new InformerFactory(client, options.resync());
        ControllerManager manager = new ControllerManager(informers);
        Clock clock = options.clock();
        ReplicaSetController replicaSets = new ReplicaSetController(client, informers, clock, 4);
        DeploymentController deployments = new DeploymentController(client, informers, clock, 4);
        DaemonSetController daemonSets = new DaemonSetController(client, informers, clock, 2);
        GarbageCollector gc = new GarbageCollector(client, informers, Kind.GARBAGE_COLLECTED, 4);
        PodGarbageCollector podGc = new PodGarbageCollector(client, informers, clock, options.terminatedPodGcThreshold());
        DisruptionController disruption = new DisruptionController(client, informers, clock);
        StatefulSetController statefulSets = new StatefulSetController(client, informers, clock, 2);
        PersistentVolumeController persistentVolumes = new PersistentVolumeController(client, informers, clock,
                options.storage().map(LocalPathProvisioner::new));
        if (options.storage().isPresent()) {
            ensureDefaultStorageClass(client);
        }
        informers.start();
        if (!informers.awaitSynced(Duration.ofSeconds(60))) {
            LOG.log(Level.WARNING, "informers not synced within 60s; the controllers start anyway and catch up");
        }
        replicaSets.start();
        deployments.start();
        daemonSets.start();
        gc.start();
        podGc.start();
        disruption.start();
        statefulSets.start();
        persistentVolumes.start();
        manager.running.addAll(List.of(replicaSets, deployments, daemonSets, gc, podGc, disruption, statefulSets,
                persistentVolumes));
        LOG.log(Level.INFO, "controllers started: deployment, replicaset, daemonset, garbagecollector, podgc, disruption,"
                + " statefulset, persistentvolume-binder");
        return manager;
    }

    /** Creates the {@code local-path} StorageClass when it does not exist, as k3s applies its storage manifest. */
    private static void ensureDefaultStorageClass(KubeClient client) {
        var classes = client.resource(Kind.STORAGE_CLASSES);
        if (classes.get("", LocalPathProvisioner.STORAGE_CLASS).isPresent()) {
            return;
        }
        try {
            classes.create(LocalPathProvisioner.defaultStorageClass());
        } catch (dev.j8s.api.ClusterException.AlreadyExists e) {
            // created concurrently
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : running.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "stopping a controller failed", e);
            }
        }
        informers.close();
    }
}
