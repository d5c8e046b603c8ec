package dev.j8s.controllers;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.controllers.bootstrap.TokenCleaner;
import dev.j8s.controllers.cronjob.CronJobController;
import dev.j8s.controllers.daemon.DaemonSetController;
import dev.j8s.controllers.deployment.DeploymentController;
import dev.j8s.controllers.disruption.DisruptionController;
import dev.j8s.controllers.endpoint.EndpointsController;
import dev.j8s.controllers.garbagecollector.GarbageCollector;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.job.JobController;
import dev.j8s.controllers.nodelifecycle.NodeConditionTaints;
import dev.j8s.controllers.nodelifecycle.NodeLifecycleController;
import dev.j8s.controllers.podgc.PodGarbageCollector;
import dev.j8s.controllers.replicaset.ReplicaSetController;
import dev.j8s.controllers.tainteviction.TaintEvictionController;
import dev.j8s.controllers.ttlafterfinished.TtlAfterFinishedController;
import dev.j8s.controllers.statefulset.StatefulSetController;
import dev.j8s.controllers.volume.LocalPathProvisioner;
import dev.j8s.controllers.volume.PersistentVolumeController;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the controllers of one cluster over one set of shared informers, as kube-controller-manager does: the
 * Deployment, ReplicaSet, DaemonSet and StatefulSet controllers, the Job, TTL-after-finished and CronJob
 * controllers, the garbage collector, pod GC, the disruption controller, the endpoints controller, the node
 * lifecycle (node health, the condition taints, taint eviction), the PV controller with the local-path
 * provisioner and the bootstrap token cleaner. The informers list and watch
 * through the manager's own client; each controller writes through its own ({@link ControllerClients}: with
 * {@link ControllerClients#serviceAccounts} as its upstream service account, e.g. {@code
 * kube-system/deployment-controller}, held to its bootstrap role). Thread-safe; {@link #close} stops everything it
 * started.
 */
public final class ControllerManager implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ControllerManager.class.getName());

    /**
     * @param clock                    the controllers' clock
     * @param resync                   how often informers hand every object to the controllers again
     * @param terminatedPodGcThreshold finished pods kept before pod GC deletes the oldest (0 or less: never)
     * @param nodeMonitorGracePeriod   how long a node may stay silent before it is Unknown
     *                                 ({@code --node-monitor-grace-period})
     * @param nodeMonitorPeriod        how often node health is checked ({@code --node-monitor-period})
     */
    public record Options(Clock clock, Duration resync, int terminatedPodGcThreshold, Optional<Path> storage,
                          Duration nodeMonitorGracePeriod, Duration nodeMonitorPeriod) {

        /** With upstream's node monitor periods. */
        public Options(Clock clock, Duration resync, int terminatedPodGcThreshold, Optional<Path> storage) {
            this(clock, resync, terminatedPodGcThreshold, storage, NodeLifecycleController.DEFAULT_GRACE_PERIOD,
                    NodeLifecycleController.DEFAULT_MONITOR_PERIOD);
        }

        /** Upstream's defaults: a 12-hour resync is replaced by 10 minutes, enough for one node. */
        public static Options defaults() {
            return new Options(Clock.systemUTC(), Duration.ofMinutes(10), PodGarbageCollector.DEFAULT_THRESHOLD,
                    Optional.empty());
        }

        public Options(Clock clock, Duration resync, int terminatedPodGcThreshold) {
            this(clock, resync, terminatedPodGcThreshold, Optional.empty());
        }

        /**
         * These options with the local-path provisioner making volumes under {@code storage} (its default
         * StorageClass is the installer's to create: {@link LocalPathProvisioner#ensureDefaultStorageClass}).
         */
        public Options withStorage(Path storage) {
            return new Options(clock, resync, terminatedPodGcThreshold, Optional.of(storage), nodeMonitorGracePeriod,
                    nodeMonitorPeriod);
        }

        /** These options with another node monitor grace period (and a monitor period of a fifth of it, at most 5 s). */
        public Options withNodeMonitorGracePeriod(Duration grace) {
            Duration period = grace.dividedBy(5);
            return new Options(clock, resync, terminatedPodGcThreshold, storage, grace,
                    period.compareTo(NodeLifecycleController.DEFAULT_MONITOR_PERIOD) > 0
                            ? NodeLifecycleController.DEFAULT_MONITOR_PERIOD : period);
        }
    }

    private final InformerFactory informers;
    private final List<AutoCloseable> running = new ArrayList<>();

    private ControllerManager(InformerFactory informers) {
        this.informers = informers;
    }

    /** Upstream's names of the controllers run here, which are also their service accounts' names. */
    public static final List<String> CONTROLLERS = List.of(ReplicaSetController.SERVICE_ACCOUNT,
            DeploymentController.SERVICE_ACCOUNT, DaemonSetController.SERVICE_ACCOUNT,
            GarbageCollector.SERVICE_ACCOUNT, PodGarbageCollector.SERVICE_ACCOUNT,
            DisruptionController.SERVICE_ACCOUNT, NodeConditionTaints.SERVICE_ACCOUNT, JobController.SERVICE_ACCOUNT,
            TtlAfterFinishedController.SERVICE_ACCOUNT, CronJobController.SERVICE_ACCOUNT,
            EndpointsController.SERVICE_ACCOUNT, EndpointsController.SLICES_SERVICE_ACCOUNT,
            StatefulSetController.SERVICE_ACCOUNT, PersistentVolumeController.SERVICE_ACCOUNT,
            TokenCleaner.SERVICE_ACCOUNT);

    /** {@link #start(KubeClient, ControllerClients, Options)} with every controller calling through {@code client}. */
    public static ControllerManager start(KubeClient client, Options options) {
        return start(client, ControllerClients.shared(client), options);
    }

    /**
     * Builds every controller with its client from {@code clients}, starts the informers over {@code informerClient},
     * waits for their first lists, then starts the workers.
     */
    public static ControllerManager start(KubeClient informerClient, ControllerClients clients, Options options) {
        InformerFactory informers = new InformerFactory(informerClient, options.resync());
        ControllerManager manager = new ControllerManager(informers);
        Clock clock = options.clock();
        ReplicaSetController replicaSets =
                new ReplicaSetController(clients.client(ReplicaSetController.SERVICE_ACCOUNT), informers, clock, 4);
        DeploymentController deployments =
                new DeploymentController(clients.client(DeploymentController.SERVICE_ACCOUNT), informers, clock, 4);
        DaemonSetController daemonSets =
                new DaemonSetController(clients.client(DaemonSetController.SERVICE_ACCOUNT), informers, clock, 2);
        GarbageCollector gc = new GarbageCollector(clients.client(GarbageCollector.SERVICE_ACCOUNT), informers,
                Kind.GARBAGE_COLLECTED, 4);
        PodGarbageCollector podGc = new PodGarbageCollector(clients.client(PodGarbageCollector.SERVICE_ACCOUNT),
                informers, clock, options.terminatedPodGcThreshold());
        DisruptionController disruption =
                new DisruptionController(clients.client(DisruptionController.SERVICE_ACCOUNT), informers, clock);
        NodeConditionTaints nodeTaints =
                new NodeConditionTaints(clients.client(NodeConditionTaints.SERVICE_ACCOUNT), informers, clock);
        NodeLifecycleController nodeLifecycle = new NodeLifecycleController(
                clients.client(NodeConditionTaints.SERVICE_ACCOUNT), informers, clock,
                options.nodeMonitorGracePeriod(), options.nodeMonitorPeriod());
        TaintEvictionController taintEviction =
                new TaintEvictionController(clients.client(NodeConditionTaints.SERVICE_ACCOUNT), informers, clock);
        JobController jobs = new JobController(clients.client(JobController.SERVICE_ACCOUNT), informers, clock, 4);
        TtlAfterFinishedController ttl = new TtlAfterFinishedController(
                clients.client(TtlAfterFinishedController.SERVICE_ACCOUNT), informers, clock);
        CronJobController cronJobs =
                new CronJobController(clients.client(CronJobController.SERVICE_ACCOUNT), informers, clock);
        EndpointsController endpoints = new EndpointsController(clients.client(EndpointsController.SERVICE_ACCOUNT),
                clients.client(EndpointsController.SLICES_SERVICE_ACCOUNT), informers, clock, 4);
        StatefulSetController statefulSets =
                new StatefulSetController(clients.client(StatefulSetController.SERVICE_ACCOUNT), informers, clock, 2);
        PersistentVolumeController persistentVolumes = new PersistentVolumeController(
                clients.client(PersistentVolumeController.SERVICE_ACCOUNT), informers, clock,
                options.storage().map(LocalPathProvisioner::new));
        TokenCleaner tokenCleaner = new TokenCleaner(clients.client(TokenCleaner.SERVICE_ACCOUNT), informers, clock);
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
        nodeTaints.start();
        nodeLifecycle.start();
        taintEviction.start();
        jobs.start();
        ttl.start();
        cronJobs.start();
        endpoints.start();
        statefulSets.start();
        persistentVolumes.start();
        tokenCleaner.start();
        manager.running.addAll(List.of(replicaSets, deployments, daemonSets, gc, podGc, disruption, nodeTaints,
                nodeLifecycle, taintEviction, jobs, ttl, cronJobs, endpoints, statefulSets, persistentVolumes, tokenCleaner));
        LOG.log(Level.INFO, "controllers started: " + String.join(", ", CONTROLLERS));
        return manager;
    }

    /** Creates the {@code local-path} StorageClass when it does not exist, as k3s applies its storage manifest. */
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
