package dev.j8s.cli;

import dev.j8s.api.Cluster;
import dev.j8s.api.FabricClients;
import dev.j8s.api.client.KubeClient;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.proxy.conntrack.Conntrack;
import dev.j8s.proxy.nftables.Proxier;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import dev.j8s.kubelet.KubeletConfig;
import dev.j8s.kubelet.server.KubeletServer;
import dev.j8s.kubelet.credentials.KubeletCredentials;
import io.fabric8.kubernetes.api.model.Node;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code j8s agent}: the kubelet and the service proxy, joined as a node to the API server a kubeconfig names (an
 * upstream cluster or a {@code j8s server}), in the foreground until interrupted. It reaches that API server only through the kubeconfig's
 * credentials, so the cluster's Node authorizer and NodeRestriction hold it to its own node. Not thread-safe: one
 * instance runs once.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run this machine as a node of a Kubernetes cluster: the kubelet, registered with the API server"
                + " the kubeconfig names, runs the pods bound to it.",
                "The kubeconfig's user should be the node's own (system:node:<name> in system:nodes)."})
final class AgentCommand implements Callable<Integer> {

    private static final System.Logger LOG = System.getLogger(AgentCommand.class.getName());

    private final HostEnvironment host;
    private final PrintStream out;

    @Spec
    private CommandSpec spec;

    @Option(names = "--kubeconfig", paramLabel = "FILE", required = true,
            description = "Kubeconfig of the cluster to join (its current context), with the node's credentials;"
                    + " with --bootstrap-kubeconfig, written when missing or its client certificate is not valid.")
    private Path kubeconfig;

    @Option(names = "--bootstrap-kubeconfig", paramLabel = "FILE",
            description = "Kubeconfig whose credentials (a bootstrap token) request the node's client certificate"
                    + " from the cluster (a CertificateSigningRequest) when --kubeconfig has none valid, as the"
                    + " kubelet's TLS bootstrapping; the key and certificate go to <data-dir>/pki.")
    private Path bootstrapKubeconfig;

    @Option(names = "--rotate-certificates",
            description = "Rotate the bootstrapped client certificate before it expires (a new key and a"
                    + " CertificateSigningRequest with the node's credentials at 70-90 % of its validity), as the"
                    + " kubelet's rotateCertificates; needs --bootstrap-kubeconfig.")
    private boolean rotateCertificates;

    @Option(names = "--rotate-server-certificates",
            description = "Request the kubelet API's serving certificate from the cluster (signer"
                    + " kubernetes.io/kubelet-serving, for the Node's addresses) and serve it once issued (the"
                    + " self-signed one until then), as the kubelet's serverTLSBootstrap.")
    private boolean rotateServerCertificates;

    @Option(names = "--node-name", paramLabel = "NAME",
            description = "Name of this node (default: the host name, lowercased, made a valid DNS-1123 subdomain).")
    private String nodeName;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "State directory (default: /var/lib/j8s as root, else $XDG_DATA_HOME/j8s or ~/.local/share/j8s);"
                    + " a server and an agent on one machine need different ones.")
    private Path dataDir;

    @Option(names = "--kubelet-port", paramLabel = "PORT", defaultValue = "10250",
            description = "Port of the kubelet API, reported in the Node's status (default: ${DEFAULT-VALUE}).")
    private int kubeletPort = KubeletConfig.DEFAULT_PORT;

    @Option(names = "--address", paramLabel = "IP", defaultValue = "0.0.0.0",
            description = "Address the kubelet API listens on, as the kubelet's --address (default: ${DEFAULT-VALUE}).")
    private String address = "0.0.0.0";

    @Option(names = "--client-ca-file", paramLabel = "FILE",
            description = "CA certificates whose client certificates authenticate to the kubelet API, as the kubelet's"
                    + " --client-ca-file (default: the kubeconfig's cluster CA); other callers use bearer tokens the"
                    + " cluster reviews.")
    private Path clientCaFile;

    @Option(names = "--pod-cidr", paramLabel = "CIDR",
            description = "IPv4 range of this node's pods when the cluster assigns none in the Node's spec.podCIDR"
                    + " (default: one of 10.200-249.0.0/16 that no other interface routes, kept in <data-dir>/pod-cidr).")
    private String podCidr;

    @Option(names = "--service-cidr", paramLabel = "CIDR", defaultValue = "10.96.0.0/12",
            description = "The cluster's Service ClusterIP range, as kube-apiserver's --service-cluster-ip-range"
                    + " (default: ${DEFAULT-VALUE}).")
    private String serviceCidr = "10.96.0.0/12";

    @Option(names = "--proxy-kubeconfig", paramLabel = "FILE",
            description = "Kubeconfig of the service proxy, which lists and watches Services, Endpoints or"
                    + " EndpointSlices and Nodes cluster-wide, as kube-proxy's --kubeconfig (default: --kubeconfig;"
                    + " a node's own credentials need the system:node-proxier role bound to read endpoints).")
    private Path proxyKubeconfig;

    @Option(names = "--cluster-dns", paramLabel = "IP[,IP...]", split = ",",
            description = "The cluster DNS server addresses of ClusterFirst pods, as the kubelet's --cluster-dns"
                    + " (default: none: such pods resolve as with dnsPolicy Default, with a MissingClusterDNS event).")
    private List<String> clusterDns = new ArrayList<>();

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "INFO",
            description = "Most detailed log level: ERROR, WARNING, INFO, DEBUG or TRACE (default: ${DEFAULT-VALUE}).")
    private Level logLevel;

    @Mixin
    private KubeletOptions kubeletOptions = new KubeletOptions();

    /** Held while the agent runs (the kernel drops it when the process ends). */
    private DataDirLock dataDirLock;

    AgentCommand(HostEnvironment host, PrintStream out) {
        this.host = host;
        this.out = out;
    }

    @Override
    public Integer call() throws InterruptedException {
        String node;
        Path dir;
        KubeletCredentials credentials;
        try {
            node = nodeName != null ? NodeNames.validate(nodeName) : NodeNames.fromHostname(host.hostname());
            dir = DataDirs.resolve(dataDir, host);
            if (kubeletPort < 1 || kubeletPort > 65535) {
                throw new IllegalArgumentException("--kubelet-port must be in 1-65535, got " + kubeletPort);
            }
            if (podCidr != null) {
                Cidrs.validate("--pod-cidr", podCidr);
            }
            Cidrs.validate("--service-cidr", serviceCidr);
            java.net.InetAddress.ofLiteral(address);
            clusterDns.forEach(java.net.InetAddress::ofLiteral); // throws naming a malformed address
            kubeletOptions.validate();
            credentials = kubeletOptions.imageCredentials.credentials(dir, host.home());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (rotateCertificates && bootstrapKubeconfig == null) {
            throw new ParameterException(spec.commandLine(), "--rotate-certificates needs --bootstrap-kubeconfig (the"
                    + " rotated certificate is the bootstrapped one in <data-dir>/pki)");
        }
        if (bootstrapKubeconfig != null) {
            if (!Files.isReadable(bootstrapKubeconfig)) {
                throw new ParameterException(spec.commandLine(), "--bootstrap-kubeconfig " + bootstrapKubeconfig
                        + ": not a readable file");
            }
            Logging.setLevel(logLevel);
            DataDirs.createPrivate(dir);
            AgentCredentials.bootstrap(kubeconfig, bootstrapKubeconfig, dir, node, rotateCertificates);
        }
        if (!Files.isReadable(kubeconfig)) {
            throw new ParameterException(spec.commandLine(), "--kubeconfig " + kubeconfig + ": not a readable file");
        }
        List<java.security.cert.X509Certificate> clientCas;
        try {
            clientCas = clientCaFile != null ? KubeletApi.certificates(clientCaFile)
                    : KubeletApi.certificates(KubeletApi.kubeconfigCa(kubeconfig), "the kubeconfig " + kubeconfig);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new ParameterException(spec.commandLine(), "--client-ca-file: " + e.getMessage(), e);
        }
        Path proxyConfig = proxyKubeconfig != null ? proxyKubeconfig : kubeconfig;
        if (!Files.isReadable(proxyConfig)) {
            throw new ParameterException(spec.commandLine(), "--proxy-kubeconfig " + proxyConfig
                    + ": not a readable file");
        }
        Logging.setLevel(logLevel);
        DataDirs.createPrivate(dir);
        ServerCommand.lowerOwnOomScore();
        // One process owns a data dir: a second kubelet would fight this one over the same containers.
        dataDirLock = DataDirLock.acquire(dir, DataDirLock.AGENT);

        Cluster cluster = Cluster.connect(kubeconfig);
        NodeKubelet.onShutdown("j8s-cluster-shutdown", cluster::close);
        String cidr = podCidr(cluster, node, dir);
        Optional<NodeKubelet.Started> started = NodeKubelet.start(host, cluster, node, dir, cidr, credentials,
                config -> kubeletOptions.apply(config).withKubeletPort(kubeletPort).withHostname(host.hostname())
                        .withClusterDns(clusterDns));
        if (started.isEmpty()) {
            throw new IllegalStateException("the container runtime cannot run here (see the log)");
        }
        startProxy(proxyConfig, node, cidr, started.get());
        KubeletServer api = KubeletApi.start(new java.net.InetSocketAddress(address, kubeletPort), node,
                AgentCredentials.initialServing(dir, host.hostname(), KubeletApi.servingNames(node,
                        java.util.Set.of(host.hostname(), "localhost", "127.0.0.1")), rotateServerCertificates),
                clientCas, cluster, started.get().kubelet());
        NodeKubelet.onShutdown("j8s-kubelet-api-shutdown", api::close);
        if (rotateServerCertificates) {
            AgentCredentials.rotateServing(kubeconfig, cluster, node, dir, api);
        }
        out.println("j8s agent is running as node " + node + " (pods in " + cidr + ", kubelet port " + kubeletPort
                + ") with " + kubeconfig);
        out.flush();
        new CountDownLatch(1).await(); // until the JVM stops; the shutdown hooks close everything
        return 0;
    }

    /**
     * Starts the service proxy over its own connection, reading EndpointSlices, or Endpoints where the server has no
     * {@code discovery.k8s.io/v1} (as upstream's proxy needs no EndpointSlices before 1.21); its rules table is the
     * instance's {@code <network>-services}, as the server's.
     */
    private void startProxy(Path config, String node, String cidr, NodeKubelet.Started kubelet) {
        Proxier.EndpointsSource source = servesEndpointSlicesV1(config) ? Proxier.EndpointsSource.ENDPOINT_SLICES
                : Proxier.EndpointsSource.ENDPOINTS;
        KubeClient client = KubeClient.connect(config);
        InformerFactory informers = new InformerFactory(client, Duration.ofMinutes(10));
        Proxier proxier = new Proxier(ServerCommand.servicesTable(kubelet.runtime().config()), cidr, serviceCidr, node,
                Duration.ofMillis(250), informers, Conntrack.system(), source);
        informers.start();
        proxier.start();
        NodeKubelet.onShutdown("j8s-proxy-shutdown", () -> {
            proxier.close();
            informers.close();
            client.close();
        });
        LOG.log(Level.INFO, "service proxy started endpoints={0} table={1}", source, proxier.table());
    }

    private static boolean servesEndpointSlicesV1(Path kubeconfig) {
        try (KubernetesClient client = FabricClients.connect(kubeconfig)) {
            APIGroup group = client.getApiGroup("discovery.k8s.io");
            return group != null && group.getVersions().stream().anyMatch(v -> "v1".equals(v.getVersion()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read the API groups, the proxy reads EndpointSlices error={0}",
                    e.getMessage());
            return true;
        }
    }

    /**
     * The node's pod range: the Node's {@code spec.podCIDR} when the cluster assigned one (a kubelet follows the
     * cluster), else the flag's, else one chosen for the data dir.
     */
    private String podCidr(Cluster cluster, String node, Path dir) {
        Optional<String> assigned = Optional.empty();
        try {
            assigned = cluster.node(node).map(Node::getSpec).map(s -> s.getPodCIDR()).filter(c -> !c.isEmpty());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read the Node for its podCIDR, using the local one node={0} error={1}",
                    node, e.getMessage());
        }
        if (assigned.isPresent()) {
            if (podCidr != null && !podCidr.equals(assigned.get())) {
                LOG.log(Level.WARNING, "the cluster assigned another pod range than --pod-cidr, using the cluster''s"
                        + " node={0} podCIDR={1} flag={2}", node, assigned.get(), podCidr);
            }
            return assigned.get();
        }
        return podCidr != null ? podCidr : ServerCommand.defaultPodCidr(dir, DataDirs.defaultFor(host));
    }
}
