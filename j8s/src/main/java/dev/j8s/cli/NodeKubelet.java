package dev.j8s.cli;

import dev.j8s.api.Cluster;
import dev.j8s.api.client.KubeClient;
import dev.j8s.kubelet.Kubelet;
import dev.j8s.kubelet.KubeletConfig;
import dev.j8s.kubelet.credentials.KubeletCredentials;
import dev.j8s.kubelet.images.ImageGcManager;
import dev.j8s.kubelet.images.ImageService;
import dev.j8s.oci.image.GcPolicy;
import dev.j8s.oci.image.ImageStore;
import dev.j8s.oci.registry.RegistryOptions;
import dev.j8s.proxy.routes.HostRoutes;
import dev.j8s.proxy.routes.NodeRoutes;
import dev.j8s.runtime.RuntimeConfig;
import dev.j8s.runtime.conmon.ConmonRuntime;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Starts one node's kubelet with what runs beside it, the same for {@code j8s server} and {@code j8s agent}: the
 * conmon + runc runtime on the data dir's pod network, the image store with its pull records and garbage collector,
 * and the images endpoint {@code j8s images} talks to while the node runs. Everything stops with the JVM (shutdown
 * hooks); containers keep running. Not thread-safe: called once per process.
 */
final class NodeKubelet {

    private static final System.Logger LOG = System.getLogger(NodeKubelet.class.getName());
    /**
     * Pod network namespaces kept ready ahead of demand: two let pods started one after another, or two at once,
     * skip the namespace and CNI ADD on their start's critical path.
     */
    static final int NETWORK_POOL_SIZE = 2;
    /** The system property that sets another size (0: none kept ready). */
    static final String NETWORK_POOL_PROPERTY = "j8s.networkPool";

    private NodeKubelet() {
    }

    /**
     * The started kubelet, registered with {@code cluster} as {@code nodeName}; empty (and an error logged) when the
     * container runtime cannot run here.
     *
     * @param configure the node's settings on top of the defaults of {@link KubeletConfig#of}
     */
    static Optional<Started> start(HostEnvironment host, Cluster cluster, String nodeName, Path dataDir,
                                   String podCidr, KubeletCredentials credentials,
                                   UnaryOperator<KubeletConfig> configure) {
        Path runDir = ServerCommand.runDir(dataDir, host);
        ConmonRuntime runtime;
        try {
            runtime = new ConmonRuntime(RuntimeConfig.of(dataDir, runDir, podCidr));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the kubelet cannot start, pods will not run: {0}", e.getMessage());
            return Optional.empty();
        }
        ImageStore images = ImageStore.open(dataDir.resolve("images"), RegistryOptions.DEFAULT);
        ServerCommand.restorePullRecords(images, credentials);
        Kubelet kubelet = new Kubelet(configure.apply(KubeletConfig.of(nodeName, dataDir, runDir,
                runtime.config().runtimePath())), cluster, runtime, ImageService.of(images), Clock.systemUTC(),
                credentials);
        // under disk pressure the eviction manager first frees every image no container uses
        kubelet.attachImageReclaim(() -> images.garbageCollect(new GcPolicy(0, 0, Duration.ZERO),
                ServerCommand.imagesInUse(runtime, images), Instant.now()));
        kubelet.start();
        onShutdown("j8s-kubelet-shutdown", kubelet::close);
        runtime.startNetworkPool(Integer.getInteger(NETWORK_POOL_PROPERTY, NETWORK_POOL_SIZE));
        onShutdown("j8s-network-pool-shutdown", runtime::closeNetworkPool);
        ImageGcManager imageGc = new ImageGcManager(images::garbageCollect,
                () -> ServerCommand.imagesInUse(runtime, images), GcPolicy.DEFAULT, Clock.systemUTC());
        imageGc.start();
        onShutdown("j8s-image-gc-shutdown", imageGc::close);
        ImagesEndpoint endpoint = ImagesEndpoint.start(ImagesEndpoint.socket(runDir),
                ImagesCommand.serving(host, images, credentials, () -> ServerCommand.imagesInUse(runtime, images)));
        onShutdown("j8s-images-endpoint-shutdown", endpoint::close);
        LOG.log(Level.INFO, "kubelet started podCIDR={0} runDir={1}", podCidr, runDir);
        return Optional.of(new Started(kubelet, runtime, runDir));
    }

    /** A running kubelet and the runtime it drives. */
    record Started(Kubelet kubelet, ConmonRuntime runtime, Path runDir) {
    }

    /**
     * Starts keeping this node's host routes to the other nodes' pod ranges (see {@link NodeRoutes}), marked as the
     * routes of the instance whose network {@code network} is; they stay when the node stops ({@code j8s reset}
     * removes them). The clients are closed with it.
     *
     * @param watchClient reads every Node (the service proxy's identity: a node's own may not)
     * @param nodeClient  the node's identity, which gives its Node the pod range
     */
    static void startRoutes(String nodeName, RuntimeConfig network, KubeClient watchClient, KubeClient nodeClient) {
        NodeRoutes routes = NodeRoutes.start(nodeName, network.podCidr(), watchClient, nodeClient,
                HostRoutes.of(network.networkName()));
        onShutdown("j8s-routes-shutdown", () -> {
            routes.close();
            watchClient.close();
            nodeClient.close();
        });
    }

    static void onShutdown(String name, Runnable action) {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name(name).unstarted(action));
    }
}
