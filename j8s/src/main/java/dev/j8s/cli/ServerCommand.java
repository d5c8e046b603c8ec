package dev.j8s.cli;

import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.kubelet.images.ImageGcManager;
import dev.j8s.kubelet.kuberuntime.Labels;
import dev.j8s.oci.image.GcPolicy;
import dev.j8s.oci.reference.Digest;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerStatus;
import java.util.HashSet;
import java.util.Set;
import dev.j8s.apiserver.ApiServer;
import dev.j8s.apiserver.ApiServerConfig;
import dev.j8s.apiserver.authentication.ServiceAccountTokens;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.admission.AdmissionOptions;
import dev.j8s.apiserver.admission.HostFeatures;
import dev.j8s.apiserver.local.InProcessCluster;
import dev.j8s.apiserver.local.InProcessKubeClient;
import dev.j8s.controllers.ControllerClients;
import dev.j8s.controllers.ControllerManager;
import dev.j8s.controllers.certificates.CertificateAuthority;
import dev.j8s.controllers.certificates.CertificateControllers;
import dev.j8s.controllers.certificates.CsrSigningController;
import dev.j8s.controllers.volume.LocalPathProvisioner;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.Cluster;
import dev.j8s.kubeconfig.Kubeconfig;
import dev.j8s.kubelet.Kubelet;
import dev.j8s.kubelet.KubeletConfig;
import dev.j8s.kubelet.eviction.EvictionManager;
import dev.j8s.kubelet.eviction.Threshold;
import dev.j8s.kubelet.credentials.KubeletCredentials;
import dev.j8s.kubelet.images.ImageService;
import dev.j8s.oci.image.ImageStore;
import dev.j8s.oci.registry.RegistryOptions;
import dev.j8s.runtime.RuntimeConfig;
import dev.j8s.runtime.conmon.ConmonRuntime;
import dev.j8s.pki.ClusterPki;
import dev.j8s.pki.ServingNames;
import dev.j8s.proxy.NodeServices;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code j8s server}: runs the API server, the controllers and the kubelet in the foreground until
 * interrupted. Not thread-safe: one instance runs once.
 */
@Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a single-node Kubernetes in the foreground: an API server for kubectl on this machine.",
                "Once it serves, it writes <data-dir>/kubeconfig and prints how to use it."})
final class ServerCommand implements Callable<Integer> {

    static final String DEFAULT_LISTEN = "127.0.0.1:6443";
    /** The user the API server is to the kubelets, as kubeadm names it. */
    static final String KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";
    static final String DEFAULT_SERVICE_CIDR = "10.96.0.0/12";
    static final String DEFAULT_POD_CIDR = RuntimeConfig.DEFAULT_POD_CIDR;
    private static final System.Logger LOG = System.getLogger(ServerCommand.class.getName());

    private final HostEnvironment host;
    private final PrintStream out;

    @Spec
    private CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "State directory (default: /var/lib/j8s as root, else $XDG_DATA_HOME/j8s or ~/.local/share/j8s).")
    private Path dataDir;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = DEFAULT_LISTEN,
            converter = ListenAddress.Converter.class,
            description = "Address of the API server; port 0 picks a free port (default: ${DEFAULT-VALUE}).")
    private ListenAddress listen;

    @Option(names = "--node-name", paramLabel = "NAME",
            description = "Name of this machine's Node (default: the host name, lowercased, made a valid DNS-1123 subdomain).")
    private String nodeName;

    @Option(names = "--service-cidr", paramLabel = "CIDR",
            description = "IP range for Service ClusterIPs (default: " + DEFAULT_SERVICE_CIDR
                    + " for the default data dir, else the /16 fifty below the pod range); the cluster DNS"
                    + " service gets its 10th address.")
    private String serviceCidr;

    @Option(names = "--pod-cidr", paramLabel = "CIDR",
            description = "IPv4 range pods get addresses from (default: " + DEFAULT_POD_CIDR
                    + " for the default data dir, else one of 10.200-249.0.0/16 that no other interface routes, chosen"
                    + " from the data dir at its first start and kept in <data-dir>/pod-cidr).")
    private String podCidr;

    @Option(names = "--enable-admission-plugins", paramLabel = "PLUGIN[,PLUGIN...]",
            description = "Admission plugins to enable beyond the defaults, e.g. AlwaysPullImages.")
    private List<String> admissionPlugins = new ArrayList<>();

    @Option(names = "--authorization-mode", paramLabel = "MODE[,MODE...]", split = ",",
            description = "Authorizers after system:masters, in order: Node, RBAC, AlwaysAllow, AlwaysDeny (default: Node,RBAC).")
    private List<String> authorizationModes = new ArrayList<>(ApiServerConfig.Identity.DEFAULT_AUTHORIZATION_MODES);

    @Option(names = "--node-monitor-grace-period", paramLabel = "DURATION", defaultValue = "40s",
            description = "How long a node's kubelet may stop renewing its Lease before the node is Unknown and"
                    + " tainted unreachable (default: ${DEFAULT-VALUE}).")
    private String nodeMonitorGracePeriod = "40s";

    @Option(names = "--pod-security-defaults", paramLabel = "MODE=LEVEL[,...]",
            defaultValue = "enforce=privileged,warn=baseline",
            description = "Pod Security levels of namespaces without pod-security.kubernetes.io labels: enforce, audit"
                    + " and warn set to privileged, baseline or restricted, and their -version (latest or v1.x)"
                    + " (default: ${DEFAULT-VALUE}).")
    private String podSecurityDefaults = "enforce=privileged,warn=baseline";

    @Option(names = "--merge-kubeconfig",
            description = "Also add this cluster to ~/.kube/config (other entries are kept; the current context is set only if none was).")
    private boolean mergeKubeconfig;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "INFO",
            description = "Most detailed log level: ERROR, WARNING, INFO, DEBUG or TRACE (default: ${DEFAULT-VALUE}).")
    private Level logLevel;

    @Mixin
    private KubeletOptions kubeletOptions = new KubeletOptions();

    /** Held while the server runs (the kernel drops it when the process ends). */
    private DataDirLock dataDirLock;

    ServerCommand(HostEnvironment host, PrintStream out) {
        this.host = host;
        this.out = out;
    }

    /** The flags with defaults applied. */
    ServerSettings settings() {
        try {
            Path dir = DataDirs.resolve(dataDir, host);
            String node = nodeName != null ? NodeNames.validate(nodeName) : NodeNames.fromHostname(host.hostname());
            // without --service-cidr, the range follows the pod range, known once the data dir exists (call)
            String services = serviceCidr != null ? Cidrs.validate("--service-cidr", serviceCidr)
                    : dir.equals(DataDirs.defaultFor(host).toAbsolutePath().normalize()) ? DEFAULT_SERVICE_CIDR : "";
            return new ServerSettings(dir, listen, node, services,
                    ServerSettings.plugins(admissionPlugins), mergeKubeconfig,
                    ServerSettings.mergedName(dir, DataDirs.defaultFor(host)), logLevel);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private Duration nodeMonitorGracePeriod() {
        try {
            Duration grace = Threshold.goDuration(nodeMonitorGracePeriod);
            if (grace.isZero() || grace.isNegative()) {
                throw new IllegalArgumentException("must be positive");
            }
            gracePeriodWarning(grace).ifPresent(w -> LOG.log(Level.WARNING, w));
            return grace;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--node-monitor-grace-period: " + e.getMessage(), e);
        }
    }

    /**
     * What to warn of a grace period no longer than the kubelets' lease renewal interval: every healthy node would
     * turn Unknown between two renewals (and its pods' endpoints unready).
     */
    static Optional<String> gracePeriodWarning(Duration grace) {
        Duration renew = dev.j8s.kubelet.nodestatus.NodeHeartbeat.RENEW_INTERVAL;
        if (grace.compareTo(renew) > 0) {
            return Optional.empty();
        }
        String given = grace.toMillis() % 1000 == 0 ? grace.toSeconds() + "s" : grace.toMillis() + "ms";
        return Optional.of("--node-monitor-grace-period " + given + " is not longer than the kubelets'"
                + " lease renewal interval (" + renew.toSeconds() + "s): healthy nodes will turn Unknown between"
                + " renewals; give it several intervals (default 40s)");
    }

    private dev.j8s.apiserver.podsecurity.Policy podSecurityDefaults() {
        try {
            return dev.j8s.apiserver.podsecurity.Policy.parseDefaults(podSecurityDefaults);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--pod-security-defaults: " + e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        ServerSettings settings = settings();
        KubeletCredentials credentials;
        try {
            kubeletOptions.validate();
            credentials = kubeletOptions.imageCredentials.credentials(settings.dataDir(), host.home());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        dev.j8s.apiserver.podsecurity.Policy podSecurity = podSecurityDefaults();
        Duration nodeMonitorGrace = nodeMonitorGracePeriod();
        Logging.setLevel(settings.logLevel());
        Path kubeconfig = settings.kubeconfig();
        DataDirs.createPrivate(settings.dataDir());
        if (settings.serviceCidr().isEmpty()) {
            settings = settings.withServiceCidr(defaultServiceCidr(settings.dataDir(), DataDirs.defaultFor(host),
                    podCidr(settings)));
        }
        lowerOwnOomScore();
        // One process owns a data dir: a second server would run a second kubelet over the same containers.
        dataDirLock = DataDirLock.acquire(settings.dataDir(), DataDirLock.SERVER);
        // The kubeconfig appears only once this run serves: remove the one a previous run left behind.
        delete(kubeconfig);

        String cidr = podCidr(settings);
        ClusterPki pki = ClusterPki.ensure(settings.pkiDir(),
                ServingNames.of(union(servingNames(settings).asStrings(), inClusterNames(settings.serviceCidr(), cidr))),
                Clock.systemUTC());
        ApiServerConfig.Identity identity;
        try {
            identity = new ApiServerConfig.Identity(Optional.of(pki.caCertificate()), pki.caPem(),
                    pki.serviceAccountKey(), ServiceAccountTokens.DEFAULT_ISSUER, authorizationModes);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--authorization-mode: " + e.getMessage(), e);
        }
        ApiServerConfig config = new ApiServerConfig(settings.listen().socketAddress(), settings.stateDb(),
                pki.keyStore(), pki.keyStorePassword(), pki.adminToken(), settings.nodeName(),
                settings.serviceCidr(), settings.admissionPlugins())
                .withAdmissionOptions(new AdmissionOptions(HostFeatures.probe(), podSecurity))
                .withIdentity(identity);
        LOG.log(Level.INFO, "starting API server listen={0} dataDir={1} node={2}",
                settings.listen(), settings.dataDir(), settings.nodeName());
        ApiServer server = ApiServer.start(config);
        // The controllers reach the API as any client would, through the same verbs, authorization, admission and
        // watches (a controller manager for a remote API server would use KubeClient.connect instead): the informers
        // as system:kube-controller-manager, each controller as its own service account in kube-system, as
        // kube-controller-manager --use-service-account-credentials.
        KubeClient controllerManager = server.kubeClient(UserInfo.authenticated(UserInfo.KUBE_CONTROLLER_MANAGER, "",
                List.of(), java.util.Map.of()));
        ControllerClients controllerClients = ControllerClients.serviceAccounts(controllerManager,
                sa -> server.kubeClient(UserInfo.serviceAccount(sa.getMetadata().getNamespace(),
                        sa.getMetadata().getName(), sa.getMetadata().getUid())));
        ControllerManager controllers = ControllerManager.start(controllerManager, controllerClients,
                ControllerManager.Options.defaults().withStorage(settings.dataDir().resolve("storage"))
                        .withNodeMonitorGracePeriod(nodeMonitorGrace));
        // The approver and signer of CertificateSigningRequests sign with the CA the API server trusts for clients.
        CertificateControllers certificates = CertificateControllers.start(controllerManager,
                controllerClients.client(CsrSigningController.SERVICE_ACCOUNT),
                new CertificateAuthority(pki.caCertificate(), pki.caKey()), AccessReviews.of(server.authorizer()),
                Clock.systemUTC());
        // The provisioner's default StorageClass, applied with the server's own rights as k3s applies its manifests.
        LocalPathProvisioner.ensureDefaultStorageClass(InProcessKubeClient.of(server.objects()));
        // the service and pod ranges where kubeadm publishes them, for agents (and other nodes' tools) to read
        KubeadmConfig.publish(InProcessKubeClient.of(server.objects()), settings.serviceCidr(), cidr, CLUSTER_DOMAIN);
        // Pods on other nodes (j8s agents) are reached through their kubelets' HTTPS API with a client certificate
        // of the cluster CA, as kube-apiserver's --kubelet-client-certificate (kubeadm's apiserver-kubelet-client).
        char[] kubeletClientPassword = java.util.UUID.randomUUID().toString().toCharArray();
        server.attachRemoteKubelets(dev.j8s.apiserver.kubeletclient.KubeletTls.context(
                ClusterPki.issueClientKeyStore(settings.pkiDir(), KUBELET_CLIENT_USER, List.of("system:masters"),
                        Clock.systemUTC(), kubeletClientPassword), kubeletClientPassword, Optional.empty()));
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("j8s-shutdown").unstarted(() -> {
            LOG.log(Level.INFO, "stopping");
            controllers.close();
            certificates.close();
            server.close();
            LOG.log(Level.INFO, "stopped");
        }));

        URI url = settings.listen().url(server.port());
        Kubeconfig entry = new Kubeconfig("j8s", url, pki.caPem(), pki.adminToken(), "default");
        // The kubelet registers the Node before kubectl users get their kubeconfig.
        Kubelet kubelet = startKubelet(settings, server, credentials, cidr);
        if (kubelet != null) {
            if (!settings.listen().wildcard()) {
                PodGatewayListener.start(server, Cidrs.firstHost(cidr), server.port());
            }
            NodeServices services = startNodeServices(settings, server);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("j8s-services-shutdown")
                    .unstarted(services::close));
            // routes to the pod ranges of nodes on other machines; the Nodes read as the service proxy reads them
            NodeKubelet.startRoutes(settings.nodeName(), RuntimeConfig.of(settings.dataDir(),
                    runDir(settings.dataDir(), host), cidr), InProcessKubeClient.of(server.objects()),
                    server.kubeClient(UserInfo.node(settings.nodeName())));
        }
        entry.writeTo(kubeconfig);
        LOG.log(Level.INFO, "serving url={0} kubeconfig={1}", url, kubeconfig);
        out.println("j8s server is ready at " + url + " (node " + settings.nodeName() + ")");
        out.println("kubeconfig: " + kubeconfig);
        out.println("to use it with kubectl:");
        out.println("  export KUBECONFIG=" + kubeconfig);
        if (settings.mergeKubeconfig()) {
            Path merged = host.home().resolve(".kube/config");
            Kubeconfig.MergeOutcome outcome = entry.named(settings.mergedName()).mergeInto(merged);
            out.println("merged into " + merged + " as context " + settings.mergedName()
                    + (outcome == Kubeconfig.MergeOutcome.CURRENT_CONTEXT_SET
                            ? " (now the current context)"
                            : " (use: kubectl --context " + settings.mergedName() + ")"));
        }
        out.flush();
        server.awaitTermination();
        return 0;
    }


    /**
     * Starts the service proxy, the cluster DNS and the built-in services' endpoints (on the pod network's gateway)
     * over the in-process client; the rules table is named after the instance's network.
     */
    private NodeServices startNodeServices(ServerSettings settings, ApiServer server) {
        String cidr = podCidr(settings);
        RuntimeConfig network = RuntimeConfig.of(settings.dataDir(), runDir(settings.dataDir(), host), cidr);
        NodeServices.Config config = new NodeServices.Config(settings.nodeName(), servicesTable(network), cidr,
                settings.serviceCidr(), Cidrs.address(cidr, 1), server.port(), dnsServiceIp(settings),
                CLUSTER_DOMAIN, kubeletOptions.resolvConf, 53, Duration.ofMillis(250));
        return NodeServices.start(InProcessKubeClient.of(server.objects()), config);
    }

    static final String CLUSTER_DOMAIN = "cluster.local";

    /** The instance's service rules table, {@code <network>-services}, as its localnet table is {@code <network>-localnet}. */
    static String servicesTable(RuntimeConfig network) {
        return network.networkName() + "-services";
    }

    /** The cluster DNS service's address: the 10th of the service range. */
    static String dnsServiceIp(ServerSettings settings) {
        return Cidrs.address(settings.serviceCidr(), 10);
    }

    /**
     * Starts the in-process kubelet against this server as {@code system:node:<node>} (no loopback HTTPS); null
     * (the API server still serves) when the container runtime cannot run here.
     */
    private Kubelet startKubelet(ServerSettings settings, ApiServer server, KubeletCredentials credentials,
                                 String cidr) {
        // The kubelet runs in this JVM: it reaches the API through the same verbs, authorization (as
        // system:node:<node>, by the Node authorizer), admission (NodeRestriction) and watch as over HTTPS, minus
        // TLS, HTTP and JSON (a kubelet joining a remote API server uses Cluster.connect instead).
        Cluster cluster = server.cluster(UserInfo.node(settings.nodeName()));
        Optional<NodeKubelet.Started> started = NodeKubelet.start(host, cluster, settings.nodeName(),
                settings.dataDir(), cidr, credentials,
                config -> kubeletOptions.apply(config).withClusterDns(List.of(dnsServiceIp(settings))));
        if (started.isEmpty()) {
            return null;
        }
        Kubelet kubelet = started.get().kubelet();
        server.attachKubelet(new LocalKubeletClient(kubelet, Clock.systemUTC()));
        return kubelet;
    }

    /**
     * Makes this process (API server and kubelet) the last the kernel's OOM killer picks, as the kubelet sets its
     * own {@code oom_score_adj} to -999; the containers get their own scores by QoS, so they are killed first.
     */
    static void lowerOwnOomScore() {
        Path file = Path.of("/proc/self/oom_score_adj");
        try {
            Files.writeString(file, Integer.toString(dev.j8s.kubelet.qos.OomScore.KUBELET));
        } catch (IOException e) {
            // lowering needs CAP_SYS_RESOURCE: an unprivileged server keeps its score
            LOG.log(Level.INFO, "cannot lower the oom_score_adj of the server to " + dev.j8s.kubelet.qos.OomScore.KUBELET
                    + ", it keeps its score: " + e.getMessage());
        }
    }

    /**
     * Tells the KEP-2535 check which present images were pulled with credentials (the image store keeps
     * its pull records on disk), so a restart does not turn private images into "preloaded" ones.
     */
    static void restorePullRecords(ImageStore images, KubeletCredentials credentials) {
        for (ImageRecord image : images.list()) {
            boolean withCredentials = image.pulls().stream().anyMatch(p -> !p.credentialIdentity().isEmpty());
            for (String reference : image.references()) {
                try {
                    credentials.pulledImages().restored(image.id().toString(), ImageReference.parse(reference),
                            withCredentials);
                } catch (IllegalArgumentException e) {
                    // a reference we cannot parse protects nothing
                }
            }
        }
    }

    /** The image IDs of every container the runtime has (running or exited): never garbage collected. */
    static Set<Digest> imagesInUse(ContainerRuntime runtime, ImageStore images) {
        return imagesInUse(runtime.listContainers().stream().map(ContainerStatus::annotations).toList(), images);
    }

    /**
     * The IDs of the images these containers' annotations name: the kubelet records each container's image there
     * as its status shows it, a repo digest ({@code host/repo@sha256:<manifest>}) resolved through {@code images},
     * or the image ID itself.
     */
    static Set<Digest> imagesInUse(List<java.util.Map<String, String>> containerAnnotations, ImageStore images) {
        Set<Digest> inUse = new HashSet<>();
        for (java.util.Map<String, String> annotations : containerAnnotations) {
            String image = annotations.getOrDefault(Labels.IMAGE_ID, "");
            try {
                if (image.contains("@")) {
                    images.find(ImageReference.parse(image)).ifPresent(found -> inUse.add(found.id()));
                } else if (!image.isEmpty()) {
                    inUse.add(Digest.parse(image));
                }
            } catch (IllegalArgumentException e) {
                // an annotation we did not write: nothing to protect
            }
        }
        return inUse;
    }

    /** {@code /run/j8s/<hash8>} as root, else under the data dir: one per data dir, so instances never collide. */
    static Path runDir(Path dataDir, HostEnvironment host) {
        String hash = hash8(dataDir);
        Path base = Path.of("/run");
        if (Files.isWritable(base)) {
            return base.resolve("j8s").resolve(hash);
        }
        return dataDir.resolve("run");
    }

    /**
     * The default data dir gets {@value #DEFAULT_SERVICE_CIDR}; another one the /16 fifty below its pod range
     * (10.150-199.0.0/16 for pods in 10.200-249.0.0/16), apart from the default range and every pod network; since no
     * two running instances share a pod range, none shares a service range either, and servers side by side never
     * capture each other's service traffic. A pod range given with --pod-cidr elsewhere: one from the data dir's hash.
     */
    static String defaultServiceCidr(Path dataDir, Path defaultDataDir, String podCidr) {
        if (dataDir.equals(defaultDataDir.toAbsolutePath().normalize())) {
            return DEFAULT_SERVICE_CIDR;
        }
        java.util.regex.Matcher derived = java.util.regex.Pattern.compile("10\\.(\\d+)\\.0\\.0/16").matcher(podCidr);
        if (derived.matches() && Integer.parseInt(derived.group(1)) >= 200 && Integer.parseInt(derived.group(1)) < 250) {
            return "10." + (Integer.parseInt(derived.group(1)) - 50) + ".0.0/16";
        }
        int h = Integer.parseUnsignedInt(hash8(dataDir).substring(0, 4), 16);
        return "10." + (150 + h % 50) + ".0.0/16";
    }

    /**
     * The default data dir gets {@value #DEFAULT_POD_CIDR}; another one the range it recorded, else a free one of
     * 10.200.0.0/16–10.249.0.0/16 from its hash, recorded now ({@link PodCidrs}).
     */
    static String defaultPodCidr(Path dataDir, Path defaultDataDir) {
        if (dataDir.equals(defaultDataDir.toAbsolutePath().normalize())) {
            return DEFAULT_POD_CIDR;
        }
        return PodCidrs.choose(dataDir, PodCidrs.hostRoutes());
    }

    private static String hash8(Path dataDir) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(dataDir.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** The pod CIDR: the flag's, else the data dir's default. */
    private String podCidr(ServerSettings settings) {
        try {
            return podCidr != null ? Cidrs.validate("--pod-cidr", podCidr)
                    : defaultPodCidr(settings.dataDir(), DataDirs.defaultFor(host));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /**
     * The names in-cluster clients reach the API server by: the {@code kubernetes} service's names and its IP
     * (the first of the service CIDR), and the pod network's gateway, where the server also listens.
     */
    static List<String> inClusterNames(String serviceCidr, String podCidr) {
        return List.of("kubernetes", "kubernetes.default", "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local", Cidrs.firstHost(serviceCidr).getHostAddress(),
                Cidrs.firstHost(podCidr).getHostAddress());
    }

    private static List<String> union(java.util.Collection<String> a, java.util.Collection<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** localhost, both loopback addresses, the listen host unless it is a wildcard, and the host name. */
    static ServingNames servingNames(ServerSettings settings, String hostname) {
        Set<String> hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        if (!settings.listen().wildcard()) {
            hosts.add(settings.listen().host());
        }
        hosts.add(hostname);
        return ServingNames.of(hosts);
    }

    private ServingNames servingNames(ServerSettings settings) {
        return servingNames(settings, host.hostname());
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("remove stale " + file, e);
        }
    }
}
