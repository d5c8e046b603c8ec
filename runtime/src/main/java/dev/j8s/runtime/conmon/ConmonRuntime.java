package dev.j8s.runtime.conmon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.netns.Libc;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ContainerStats;
import dev.j8s.runtime.DiskUsage;
import dev.j8s.runtime.PodSandboxStats;
import dev.j8s.runtime.ContainerStatus;
import dev.j8s.runtime.ExecResult;
import dev.j8s.runtime.ExecSession;
import dev.j8s.runtime.KernelFiles;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.PodSandboxStatus;
import dev.j8s.runtime.ProcessRunner;
import dev.j8s.runtime.RuntimeConfig;
import dev.j8s.runtime.cni.CniNetwork;
import dev.j8s.runtime.netns.NetworkNamespaces;
import dev.j8s.runtime.oci.HostLimits;
import dev.j8s.runtime.oci.Mounts;
import dev.j8s.runtime.oci.RuntimeSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.SocketChannel;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs pod sandboxes and containers with conmon + runc and CNI; thread-safe, and stateless in memory:
 * every fact lives on disk, so a new instance re-adopts what an earlier process left running.
 *
 * <p>Host layout of one instance (all derived from {@link RuntimeConfig}):
 * <ul>
 *   <li>{@code <data>/sandboxes/<id>/}: {@code sandbox.json}, {@code hostname}, {@code hosts},
 *       {@code resolv.conf}, {@code shm/} (a tmpfs shared by the pod's containers as /dev/shm);</li>
 *   <li>{@code <data>/containers/<id>/}: {@code container.json}, the bundle ({@code config.json},
 *       {@code rootfs/} = overlay of the image layers with {@code upper/} and {@code work/});</li>
 *   <li>{@code <run>/ns/<sandbox>/{net,ipc,uts}}: the pod's namespaces, bind-mounted (made with
 *       {@code unshare}, so no pause process exists; containers join them by path);</li>
 *   <li>{@code <run>/runc} (runc root), {@code <run>/exits/<id>} (conmon's exit files),
 *       {@code <run>/conmon/<id>.pid}, {@code <run>/sockets/};</li>
 *   <li>cgroups {@code <cgroupParent>/pod<uid>/<container id>} (cgroupfs driver).</li>
 * </ul>
 * The rootfs overlay is mounted by this class before {@code runc create}, so a failed create leaves
 * nothing runc-side, and unmounted on removal.
 */
public final class ConmonRuntime implements ContainerRuntime {
  private static final System.Logger LOG = System.getLogger(ConmonRuntime.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();
  static final Duration CONMON_TIMEOUT = Duration.ofSeconds(30);
  static final Duration KILL_WAIT = Duration.ofSeconds(10);
  static final String SHM_SIZE = "size=65536k";
  /** How long a container start waits for its sandbox's CNI ADD (each plugin has its own 30 s limit). */
  static final Duration NETWORK_WAIT = Duration.ofMinutes(2);
  /** The recorded state of a sandbox whose CNI ADD is under way. */
  static final String NETWORKING = "NETWORKING";
  static final Path CATATONIT = Path.of("/usr/bin/catatonit");
  /** Memory the instance's pods together leave to the host: upstream's hard eviction threshold, 100Mi. */
  static final long HOST_RESERVED_MEMORY = 100L << 20;
  /** conmon's {@code REOPEN_LOGS_EVENT} on its ctl FIFO ({@code "<type> <height> <width>\n"}). */
  static final String REOPEN_LOGS_MESSAGE = "2 0 0\n";
  /** How long a ctl message may wait for conmon to read it before the next one may be written. */
  static final Duration CONTROL_READ_WAIT = Duration.ofSeconds(1);
  /** conmon's {@code WIN_RESIZE_EVENT}: the terminal's new height and width follow. */
  static final int WIN_RESIZE_EVENT = 1;

  private final RuntimeConfig config;
  private final Runc runc;
  private final CniNetwork network;
  private final HostLimits limits;
  private final PodCgroups cgroups;
  /** The lowest {@code oom_score_adj} runc may give a container from this process. */
  private final int lowestOomScoreAdj;
  /**
   * Network attachments still running, by sandbox id: {@link #runPodSandbox} returns once the
   * namespaces exist and the CNI ADD goes on here, overlapping the container's creation;
   * {@link #startContainer} waits for it.
   */
  private final java.util.Map<String, java.util.concurrent.CompletableFuture<Void>> networking =
      new java.util.concurrent.ConcurrentHashMap<>();
  /** Network namespaces made ahead of demand; idle until {@link #startNetworkPool}. */
  private final NetworkPool pool;

  public ConmonRuntime(RuntimeConfig config) {
    this.config = config;
    this.runc = new Runc(config.runtimePath(), config.runcRoot());
    this.network = new CniNetwork(config);
    this.limits = HostLimits.current();
    this.cgroups = new PodCgroups(config.cgroupParent());
    this.lowestOomScoreAdj = lowestOomScoreAdj();
    this.pool = new NetworkPool(network, config.dataDir().resolve("netpool"), nsDir(),
        id -> Files.exists(sandboxesDir().resolve(id).resolve("sandbox.json")), ConmonRuntime::newId);
    try {
      for (Path dir : List.of(sandboxesDir(), containersDir(), nsDir(), exitsDir(), conmonDir(),
          socketsDir(), config.runcRoot())) {
        Files.createDirectories(dir);
      }
      // Container root filesystems (setuid files and all), bundles with their env and records: nothing another
      // local user may reach (CVE-2021-41091). Not nosuid: setuid files work inside the containers.
      for (Path dir : List.of(sandboxesDir(), containersDir(), config.runDir())) {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("create runtime directories", e);
    }
    // Namespace bind mounts fail under a shared mount; ip netns makes /run/netns private the same way.
    if (!Mounts.isMountPoint(nsDir())) {
      Mounts.makePrivateSelfBind(nsDir());
    }
    cgroups.ensureParent(allocatableMemory());
  }

  /** The memory of every pod of the instance together: the host's, less what upstream's eviction keeps free. */
  static long allocatableMemory() {
    long total = KernelFiles.meminfoBytes("MemTotal");
    if (total == 0) {
      LOG.log(Level.WARNING, "cannot read the host's memory, pods are not limited together");
      return 0;
    }
    return Math.max(0, total - HOST_RESERVED_MEMORY);
  }


  public RuntimeConfig config() {
    return config;
  }

  public CniNetwork network() {
    return network;
  }

  /**
   * Keeps {@code size} pod network namespaces ready ahead of demand ({@link NetworkPool}), after releasing those an
   * earlier process left; sandboxes without host ports take them. For the process that runs the node's pods (not
   * for one that only inspects or resets the instance).
   */
  public void startNetworkPool(int size) {
    pool.start(size);
  }

  /** Releases the namespaces made ahead of demand and makes no more; the running sandboxes keep theirs. */
  public void closeNetworkPool() {
    pool.close();
  }

  // ---- sandboxes -------------------------------------------------------------------------------

  @Override
  public String runPodSandbox(PodSandboxConfig sandbox) {
    PodSandboxConfig.Linux linux = sandbox.linux();
    // A pod with host ports needs portmap's ADD with its mappings: it makes its namespace as before.
    Optional<NetworkPool.Entry> pooled = linux.hostNetwork() || !sandbox.portMappings().isEmpty() ? Optional.empty()
        : pool.take();
    String id = pooled.map(NetworkPool.Entry::id).orElseGet(ConmonRuntime::newId);
    Path dir = sandboxesDir().resolve(id);
    Path ns = nsDir().resolve(id);
    Instant created = Instant.now();
    boolean recorded = false;
    try {
      Files.createDirectories(dir.resolve("shm"));
      Files.createDirectories(ns);
      String hostname = linux.hostNetwork() ? hostHostname() : sandbox.hostname();
      Files.writeString(dir.resolve("hostname"), hostname + "\n");
      Files.writeString(dir.resolve("resolv.conf"), sandbox.dns().resolvConf());
      Files.writeString(dir.resolve("hosts"), linux.hostNetwork() ? hostNetworkHosts(sandbox)
          : hosts(sandbox, pooled.map(NetworkPool.Entry::ips).orElse(List.of())));
      Meta.writeSyncedSoon(dir.resolve("sandbox.json"),
          new Meta.Sandbox(id, sandbox, created.toString(), "NOTREADY", List.of(), Meta.PidHolder.NONE));
      recorded = true;
      pooled.ifPresent(pool::owned); // from here on the sandbox's teardown releases its network
      Mounts.mountTmpfs(dir.resolve("shm"), "mode=1777," + SHM_SIZE);
      java.util.Map<String, Path> own = ownNamespaces(linux, ns);
      if (pooled.isPresent()) {
        own.remove("net"); // made ahead, attached already
      }
      for (Path file : own.values()) {
        Files.createFile(file);
      }
      if (Namespaces.available()) {
        Namespaces.create(own);
      } else if (!own.isEmpty()) {
        List<String> unshare = new ArrayList<>(List.of("unshare"));
        own.forEach((type, file) -> unshare.add("--" + type + "=" + file));
        unshare.add("true");
        ProcessRunner.run(unshare, Runc.TIMEOUT).orThrow("create namespaces of sandbox " + id);
      }
      cgroups.create(sandbox.uid(), linux.podResources());
      Meta.PidHolder pidHolder = Meta.PidHolder.NONE;
      if (sandbox.sharedPidNamespace()) {
        pidHolder = startPidHolder(id);
      }
      if (linux.hostNetwork() || pooled.isPresent()) {
        // No CNI now: the pod is on the host's network (its ports are the host's, never portmap rules), or its
        // namespace was attached ahead.
        List<String> ips = pooled.map(NetworkPool.Entry::ips).orElse(List.of());
        Meta.writeSyncedSoon(dir.resolve("sandbox.json"),
            new Meta.Sandbox(id, sandbox, created.toString(), "READY", ips, pidHolder));
        LOG.log(Level.DEBUG, "sandbox ready sandbox={0} pod={1}/{2} ip={3}", id, sandbox.namespace(),
            sandbox.name(), ips);
        return id;
      }
      Meta.writeSyncedSoon(dir.resolve("sandbox.json"),
          new Meta.Sandbox(id, sandbox, created.toString(), NETWORKING, List.of(), pidHolder));
      var attached = new java.util.concurrent.CompletableFuture<Void>();
      networking.put(id, attached);
      Meta.PidHolder holder = pidHolder;
      Thread.ofVirtual().name("cni-add-" + id.substring(0, 12))
          .start(() -> attach(id, sandbox, created, holder, attached));
      return id;
    } catch (IOException | RuntimeException e) {
      try {
        removePodSandbox(id);
        if (pooled.isPresent() && !recorded) {
          pool.discard(pooled.get());
        }
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException("run sandbox for pod " + sandbox.namespace() + "/" + sandbox.name(), io);
      }
      throw (RuntimeException) e;
    }
  }

  /**
   * CNI ADD for a new sandbox, then its hosts file (rewritten in place: containers bind-mount it) and its
   * record as READY; a failure leaves it NOTREADY with the error kept for {@link #startContainer}.
   */
  private void attach(String id, PodSandboxConfig sandbox, Instant created, Meta.PidHolder pidHolder,
      java.util.concurrent.CompletableFuture<Void> attached) {
    Path dir = sandboxesDir().resolve(id);
    try {
      CniNetwork.Attachment attachment = network.add(id, nsDir().resolve(id).resolve("net"), sandbox.portMappings());
      Files.writeString(dir.resolve("hosts"), hosts(sandbox, attachment.ips()));
      Meta.writeSyncedSoon(dir.resolve("sandbox.json"),
          new Meta.Sandbox(id, sandbox, created.toString(), "READY", attachment.ips(), pidHolder));
      LOG.log(Level.DEBUG, "sandbox ready sandbox={0} pod={1}/{2} ip={3}", id, sandbox.namespace(),
          sandbox.name(), attachment.ips());
      attached.complete(null);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "network of sandbox " + id + " failed: " + e.getMessage());
      try {
        Meta.write(dir.resolve("sandbox.json"), new Meta.Sandbox(id, sandbox, created.toString(), "NOTREADY", List.of(),
            pidHolder));
      } catch (RuntimeException write) {
        e.addSuppressed(write);
      }
      attached.completeExceptionally(new ContainerRuntimeException.SandboxFailed(id,
          "set up network of pod " + sandbox.namespace() + "/" + sandbox.name() + ": " + e.getMessage(), e));
    }
  }

  /**
   * Waits for the sandbox's network attachment if this process is still making it; throws
   * {@link ContainerRuntimeException.SandboxFailed} when it failed.
   */
  private void awaitNetwork(String sandboxId) {
    var attached = networking.get(sandboxId);
    if (attached == null) {
      return;
    }
    try {
      attached.get(NETWORK_WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (ContainerRuntimeException) e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new ContainerRuntimeException.SandboxFailed(sandboxId, "network of sandbox " + sandboxId
          + " not ready in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("interrupted waiting for the network of sandbox " + sandboxId, e);
    } finally {
      if (attached.isDone()) {
        networking.remove(sandboxId, attached);
      }
    }
  }

  /** As {@link #awaitNetwork} for teardown: a failed or stuck attachment does not stop it. */
  private void settleNetwork(String sandboxId) {
    try {
      awaitNetwork(sandboxId);
    } catch (ContainerRuntimeException e) {
      LOG.log(Level.DEBUG, "tearing down sandbox {0} after: {1}", sandboxId, e.getMessage());
    }
    networking.remove(sandboxId);
  }

  /**
   * Starts the PID 1 of the sandbox's shared PID namespace (what the pause container is upstream): in
   * its own session, so it outlives this JVM, as {@code unshare --pid --fork --kill-child} whose child
   * is {@code catatonit -P} (which reaps the zombies containers leave to PID 1), or {@code sleep
   * infinity} on a host without catatonit. Containers join {@code /proc/<pid>/ns/pid} of the child.
   */
  private Meta.PidHolder startPidHolder(String sandboxId) {
    List<String> init = Files.isExecutable(CATATONIT) ? List.of(CATATONIT.toString(), "-P")
        : List.of("sleep", "infinity");
    String comm = Path.of(init.getFirst()).getFileName().toString();
    // setsid execs unshare in place (a child of this JVM leads no process group), whose end the JDK reaps
    List<String> command = new ArrayList<>(List.of("setsid", "unshare", "--pid", "--fork", "--kill-child"));
    command.addAll(init);
    long unsharePid;
    try {
      unsharePid = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start().pid();
    } catch (IOException e) {
      throw new ContainerRuntimeException("start pid namespace of sandbox " + sandboxId, e);
    }
    long deadline = System.nanoTime() + Runc.TIMEOUT.toNanos();
    try {
      while (System.nanoTime() - deadline < 0) {
        Optional<ProcessHandle> child = ProcessHandle.of(unsharePid).stream().flatMap(ProcessHandle::children)
            .findFirst();
        if (child.isPresent() && processAlive(child.get().pid(), comm)) {
          LOG.log(Level.DEBUG, "pid namespace holder started sandbox={0} pid={1}", sandboxId, child.get().pid());
          return new Meta.PidHolder(child.get().pid(), comm);
        }
        // Until setsid has exec'd unshare the process has another name: only its end counts.
        if (ProcessHandle.of(unsharePid).isEmpty() || !processAlive(unsharePid, commOf(unsharePid))) {
          break;
        }
        Thread.sleep(5);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kill(unsharePid, commOf(unsharePid));
    throw new ContainerRuntimeException("start pid namespace of sandbox " + sandboxId + ": " + comm
        + " did not start under unshare pid " + unsharePid);
  }

  /** Kills the PID 1 of the sandbox's shared PID namespace, and with it every process left in it. */
  private void stopPidHolder(Meta.Sandbox sandbox) {
    Meta.PidHolder holder = sandbox.pidHolder();
    if (holder.present()) {
      kill(holder.pid(), holder.comm());
    }
  }

  /** The {@code comm} of a process, empty when it is gone. */
  private static String commOf(long pid) {
    return ProcStat.of(pid).map(ProcStat::comm).orElse("");
  }

  /** SIGKILLs {@code pid} if it is still the program {@code comm}. */
  private static void kill(long pid, String comm) {
    if (processAlive(pid, comm)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** The PID namespace the sandbox's containers join; empty when each gets its own. */
  private static Optional<Path> sharedPidNamespace(Meta.Sandbox sandbox) {
    if (!sandbox.config().sharedPidNamespace()) {
      return Optional.empty();
    }
    Meta.PidHolder holder = sandbox.pidHolder();
    if (!holder.present() || !processAlive(holder.pid(), holder.comm())) {
      throw new ContainerRuntimeException("the pid namespace of sandbox " + sandbox.id() + " is gone");
    }
    return Optional.of(Path.of("/proc", Long.toString(holder.pid()), "ns", "pid"));
  }

  /**
   * The pod's hosts file as upstream's kubelet writes it ({@code managedHostsFileContent}): the localhost lines,
   * one line per pod IP with the FQDN and the hostname when the pod has a domain (else the hostname), then the
   * pod's host aliases.
   */
  static String hosts(PodSandboxConfig sandbox, List<String> ips) {
    var text = new StringBuilder("# Kubernetes-managed hosts file.\n"
        + "127.0.0.1\tlocalhost\n"
        + "::1\tlocalhost ip6-localhost ip6-loopback\n"
        + "fe00::0\tip6-localnet\n"
        + "fe00::0\tip6-mcastprefix\n"
        + "fe00::1\tip6-allnodes\n"
        + "fe00::2\tip6-allrouters\n");
    String domain = sandbox.hostDomain();
    String host = sandbox.hostname();
    if (!domain.isEmpty() && host.endsWith("." + domain)) {
      host = host.substring(0, host.length() - domain.length() - 1); // setHostnameAsFQDN: the short name here
    }
    for (String ip : ips) {
      text.append(ip).append('\t');
      if (!domain.isEmpty()) {
        text.append(host).append('.').append(domain).append('\t');
      }
      text.append(host).append('\n');
    }
    appendHostAliases(text, sandbox);
    return text.toString();
  }

  private static void appendHostAliases(StringBuilder text, PodSandboxConfig sandbox) {
    if (!sandbox.hostAliases().isEmpty()) {
      text.append("\n# Entries added by HostAliases.\n");
      for (PodSandboxConfig.HostAlias alias : sandbox.hostAliases()) {
        text.append(alias.ip());
        alias.hostnames().forEach(h -> text.append('\t').append(h));
        text.append('\n');
      }
    }
  }

  /** The namespaces a sandbox makes for itself (those it does not share with the host), by type. */
  private static java.util.Map<String, Path> ownNamespaces(PodSandboxConfig.Linux linux, Path ns) {
    java.util.Map<String, Path> own = new java.util.LinkedHashMap<>();
    if (!linux.hostNetwork()) {
      own.put("net", ns.resolve("net"));
      own.put("uts", ns.resolve("uts"));
    }
    if (!linux.hostIpc()) {
      own.put("ipc", ns.resolve("ipc"));
    }
    return own;
  }

  /**
   * The hosts file of a pod on the host's network, as the kubelet writes it: its header, the host's own
   * {@code /etc/hosts}, then the pod's host aliases.
   */
  static String hostNetworkHosts(PodSandboxConfig sandbox) {
    String host;
    try {
      host = Files.readString(Path.of("/etc/hosts"));
    } catch (IOException e) {
      host = "";
    }
    var text = new StringBuilder("# Kubernetes-managed hosts file (host network).\n").append(host);
    appendHostAliases(text, sandbox);
    return text.toString();
  }

  /** This machine's hostname (the host UTS namespace's), which a pod on the host's network has. */
  static String hostHostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      return "localhost";
    }
  }

  @Override
  public void stopPodSandbox(String sandboxId) {
    settleNetwork(sandboxId);
    Meta.Sandbox sandbox = sandbox(sandboxId);
    for (Meta.Container c : containers()) {
      if (c.sandboxId().equals(sandboxId)) {
        killAndWait(c.id());
      }
    }
    stopPidHolder(sandbox);
    tearDownNetwork(sandbox);
    Meta.write(sandboxesDir().resolve(sandboxId).resolve("sandbox.json"), sandbox.withState("NOTREADY", List.of()));
  }

  @Override
  public void removePodSandbox(String sandboxId) {
    settleNetwork(sandboxId);
    Path dir = sandboxesDir().resolve(sandboxId);
    Optional<Meta.Sandbox> sandbox;
    try {
      sandbox = Meta.read(dir.resolve("sandbox.json"), Meta.Sandbox.class);
    } catch (UncheckedIOException e) {
      // an unreadable record: its containers, mounts and directory go all the same (its network cannot)
      LOG.log(Level.WARNING, "removing sandbox {0} without its unreadable record: {1}", sandboxId, e.getMessage());
      sandbox = Optional.empty();
    }
    for (Meta.Container c : containers()) {
      if (c.sandboxId().equals(sandboxId)) {
        removeContainer(c.id());
      }
    }
    Path ns = nsDir().resolve(sandboxId);
    sandbox.ifPresent(this::stopPidHolder);
    sandbox.ifPresent(this::tearDownNetwork);
    for (String type : List.of("net", "ipc", "uts")) {
      Mounts.unmount(ns.resolve(type));
    }
    Mounts.unmount(dir.resolve("shm"));
    sandbox.ifPresent(s -> removePodCgroups(s.config().uid()));
    deleteTree(ns);
    deleteTree(dir);
  }

  /** CNI DEL once: a marker file records that the network is down, saving the plugin runs later. */
  private void tearDownNetwork(Meta.Sandbox sandbox) {
    Path marker = sandboxesDir().resolve(sandbox.id()).resolve("network-down");
    if (Files.exists(marker) || sandbox.config().linux().hostNetwork()) {
      return;
    }
    network.delete(sandbox.id(), nsDir().resolve(sandbox.id()).resolve("net"), sandbox.config().portMappings());
    try {
      Files.createFile(marker);
    } catch (IOException e) {
      throw new UncheckedIOException("mark network of sandbox " + sandbox.id() + " down", e);
    }
  }

  @Override
  public PodSandboxStatus podSandboxStatus(String sandboxId) {
    return status(sandbox(sandboxId));
  }

  @Override
  public List<String> podSandboxIps(String sandboxId) {
    try {
      awaitNetwork(sandboxId);
    } catch (ContainerRuntimeException.SandboxFailed e) {
      return List.of(); // starting the container reports it
    }
    return podSandboxStatus(sandboxId).ips();
  }

  @Override
  public List<PodSandboxStatus> listPodSandboxes() {
    return Meta.readAll(sandboxesDir(), "sandbox.json", Meta.Sandbox.class).stream()
        .map(this::status)
        .toList();
  }

  /**
   * A sandbox whose network this process is still attaching counts as READY (its containers may be
   * created; they start once it is attached); one left NETWORKING by a process that died meanwhile is
   * NOTREADY, so the kubelet replaces it.
   */
  private PodSandboxStatus status(Meta.Sandbox s) {
    PodSandboxStatus.State state = s.state().equals(NETWORKING)
        ? (networking.containsKey(s.id()) ? PodSandboxStatus.State.READY : PodSandboxStatus.State.NOTREADY)
        : PodSandboxStatus.State.valueOf(s.state());
    if (state == PodSandboxStatus.State.READY && s.pidHolder().present()
        && !processAlive(s.pidHolder().pid(), s.pidHolder().comm())) {
      // Its PID 1 is gone and every process of the namespace with it: like a dead pause container.
      state = PodSandboxStatus.State.NOTREADY;
    }
    return new PodSandboxStatus(s.id(), s.config(), state, Instant.parse(s.createdAt()), s.ips(),
        nsDir().resolve(s.id()).resolve("net"));
  }

  private Meta.Sandbox sandbox(String sandboxId) {
    checkId(sandboxId, "sandbox");
    return Meta.read(sandboxesDir().resolve(sandboxId).resolve("sandbox.json"), Meta.Sandbox.class)
        .orElseThrow(() -> new ContainerRuntimeException.NotFound("sandbox", sandboxId));
  }

  // ---- containers ------------------------------------------------------------------------------

  @Override
  public String createContainer(String sandboxId, ContainerConfig container) {
    Meta.Sandbox sandbox = sandbox(sandboxId);
    boolean attaching = sandbox.state().equals(NETWORKING) && networking.containsKey(sandboxId);
    if (!sandbox.state().equals("READY") && !attaching) {
      throw new ContainerRuntimeException("sandbox " + sandboxId + " is not ready");
    }
    String id = newId();
    Path dir = containersDir().resolve(id);
    Path sandboxDir = sandboxesDir().resolve(sandboxId);
    Path ns = nsDir().resolve(sandboxId);
    String cgroupsPath = config.cgroupParent() + "/pod" + sandbox.config().uid() + "/" + id;
    Meta.Container meta = new Meta.Container(id, sandboxId, container.name(), container.attempt(),
        container.image(), container.logPath().toString(), container.stopSignal(), cgroupsPath,
        container.labels(), container.annotations(), Instant.now().toString(), "", "", container.stdio());
    try {
      Files.createDirectories(dir);
      Meta.writeSyncedSoon(dir.resolve("container.json"), meta);
      for (String sub : List.of("rootfs", "upper", "work")) {
        Files.createDirectories(dir.resolve(sub));
      }
      Files.createDirectories(container.logPath().toAbsolutePath().getParent());
      Mounts.mountOverlay(container.rootfsLayers(), dir.resolve("upper"), dir.resolve("work"),
          dir.resolve("rootfs"));
      ContainerConfig resolved = restrictOomScoreAdj(inRootfs(dir.resolve("rootfs"), container), lowestOomScoreAdj);
      PodSandboxConfig.Linux linux = sandbox.config().linux();
      RuntimeSpec.Namespace host = new RuntimeSpec.Namespace.Host();
      RuntimeSpec.Namespace pid = linux.hostPid() ? host
          : sharedPidNamespace(sandbox).<RuntimeSpec.Namespace>map(RuntimeSpec.Namespace.Join::new)
              .orElse(new RuntimeSpec.Namespace.Private());
      var context = new RuntimeSpec.Context(dir.resolve("rootfs"),
          linux.hostNetwork() ? hostHostname() : sandbox.config().hostname(),
          linux.hostNetwork() ? host : new RuntimeSpec.Namespace.Join(ns.resolve("net")),
          linux.hostIpc() ? host : new RuntimeSpec.Namespace.Join(ns.resolve("ipc")),
          linux.hostNetwork() ? host : new RuntimeSpec.Namespace.Join(ns.resolve("uts")), pid,
          sandboxDir.resolve("hosts"), sandboxDir.resolve("hostname"), sandboxDir.resolve("resolv.conf"),
          linux.hostIpc() ? Path.of("/dev/shm") : sandboxDir.resolve("shm"), cgroupsPath, limits, linux.sysctls());
      Files.write(dir.resolve("config.json"),
          RuntimeSpec.MAPPER.writeValueAsBytes(RuntimeSpec.build(resolved, context)));
      startConmon(id, dir, container.logPath().toAbsolutePath(), container.stdio());
      return id;
    } catch (IOException | RuntimeException e) {
      try {
        removeContainer(id);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException("create container " + container.name(), io);
      }
      throw (RuntimeException) e;
    }
  }

  /**
   * The parts of the config that depend on the image's files, resolved inside the mounted rootfs (never
   * following its symlinks out of it, see {@link dev.j8s.runtime.oci.RootPath}): the user from the image's {@code /etc/passwd}
   * and {@code /etc/group}, {@code HOME} from the passwd entry when the env has none, and the working dir,
   * created when missing as runc would.
   */
  private static ContainerConfig inRootfs(Path rootfs, ContainerConfig container) {
    ContainerConfig resolved = container;
    if (container.user().lookup().isPresent()) {
      var user = dev.j8s.runtime.oci.ExecUser.resolve(rootfs, container.user());
      resolved = resolved.withUser(user.numeric());
      if (container.env().stream().noneMatch(e -> e.startsWith("HOME="))) {
        List<String> env = new ArrayList<>(container.env());
        env.add("HOME=" + user.home());
        resolved = resolved.withEnv(env);
      }
    }
    dev.j8s.runtime.oci.RootPath.mkdirs(rootfs, container.workingDir());
    return resolved;
  }

  /**
   * The lowest {@code oom_score_adj} a child of this process may set: -1000 with {@code CAP_SYS_RESOURCE}, else
   * this process's own (the kernel refuses a lower one, and runc fails the container).
   */
  static int lowestOomScoreAdj() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:") && (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 24)) != 0) {
          return -1000;
        }
      }
      return Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).strip());
    } catch (IOException | RuntimeException e) {
      return -1000;
    }
  }

  /**
   * A container's {@code oom_score_adj} raised to {@code lowest} when below it, as containerd's
   * {@code restrictOOMScoreAdj} does where it may not lower scores.
   */
  static ContainerConfig restrictOomScoreAdj(ContainerConfig container, int lowest) {
    var score = container.resources().oomScoreAdj();
    if (score.isPresent() && score.getAsInt() < lowest) {
      return container.withResources(container.resources().withOomScoreAdj(lowest));
    }
    return container;
  }

  /**
   * Starts conmon, which runs {@code runc create} and then stays as the container's monitor. conmon reports the
   * container pid (or the error) on the fd named by {@code _OCI_SYNCPIPE}: a FIFO it gets open for reading and
   * writing on fd 3, spawned directly ({@link Libc#spawn}: its own session, no other fd of this process). Being a
   * reader of its own FIFO, conmon never writes into a pipe without one, whether this process still reads or is
   * gone; it writes that one line and nothing after it. This process reads the line from its own read end, which
   * sees the end of the FIFO once conmon exits without one.
   */
  private void startConmon(String id, Path bundle, Path logPath, ContainerConfig.Stdio stdio) {
    List<String> command = new ArrayList<>(List.of(config.conmonPath().toString(),
        "--api-version", "1",
        "-c", id, "-u", id, "-n", id,
        "-r", config.runtimePath().toString(),
        "-b", bundle.toString(),
        "-p", conmonDir().resolve(id + ".cpid").toString(),
        "-P", conmonDir().resolve(id + ".pid").toString(),
        "-l", "k8s-file:" + logPath,
        "--exit-dir", exitsDir().toString(),
        "--socket-dir-path", socketsDir().toString(),
        "-0", bundle.toString(),
        "--runtime-arg", "--root=" + config.runcRoot(),
        "--log-level", "error"));
    // conmon keeps the container's stdin (a pipe, or the terminal it gets from runc) for attaches; without
    // --leave-stdin-open it closes that stdin when the first attach that sent input detaches (stdinOnce)
    if (stdio.tty()) {
      command.add("--terminal");
    }
    if (stdio.stdin()) {
      command.add("--stdin");
      if (!stdio.stdinOnce()) {
        command.add("--leave-stdin-open");
      }
    }
    Libc libc = Libc.instance().orElseThrow(() -> new ContainerRuntimeException(
        "start conmon for container " + id + ": libc calls are not available"));
    Path fifo = bundle.resolve("sync.fifo");
    java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
    env.put("_OCI_SYNCPIPE", "3");
    long pid;
    InputStream in;
    libc.makeFifo(fifo);
    try {
      // Held open for writing until conmon has it, so that this process's read end opens at once and sees the
      // end only once conmon is gone.
      int hold = libc.openReadWrite(fifo);
      try {
        in = Files.newInputStream(fifo);
        try {
          // conmon writes its "oom" marker into its working directory too (CRI-O starts it in the bundle)
          pid = libc.spawn(command, env, bundle, bundle.resolve("conmon.stderr"), Optional.of(fifo));
        } catch (RuntimeException e) {
          in.close();
          throw e;
        }
      } finally {
        libc.close(hold);
      }
      Files.delete(fifo);
    } catch (IOException e) {
      throw new ContainerRuntimeException("start conmon for container " + id, e);
    }
    String line;
    int exitStatus;
    try (in) {
      var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      var holder = new String[1];
      Thread readerThread = Thread.ofVirtual().name("conmon-sync-" + id).start(() -> {
        try {
          holder[0] = reader.readLine();
        } catch (IOException ignored) {
          holder[0] = null;
        }
      });
      boolean read = readerThread.join(CONMON_TIMEOUT);
      if (!read) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      // conmon's first process forked the monitor and exited at once (or was killed just now): reaped here
      exitStatus = libc.awaitExit(pid);
      if (!read) {
        throw new ContainerRuntimeException.CommandFailed("create container " + id + " (timed out)",
            command, -1, "");
      }
      line = holder[0];
    } catch (IOException e) {
      throw new UncheckedIOException("read conmon sync pipe", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("interrupted creating container " + id, e);
    }
    if (line == null && awaitFile(conmonDir().resolve(id + ".cpid"), Duration.ofSeconds(5))) {
      // Seen on this host: conmon occasionally closes the sync pipe before writing the pid, although
      // runc create succeeded; the container pid file is the authoritative fallback.
      LOG.log(Level.DEBUG, "conmon sync pipe closed early container={0}", id);
      return;
    }
    if (line == null) {
      throw new ContainerRuntimeException.CommandFailed("create container " + id, command, exitStatus,
          "conmon closed its sync pipe without a pid " + readQuietly(bundle.resolve("conmon.stderr")));
    }
    try {
      JsonNode sync = Meta.MAPPER.readTree(line);
      if (sync.path("data").asInt(-1) <= 0) {
        throw new ContainerRuntimeException.CommandFailed("create container " + id, command,
            sync.path("data").asInt(-1), sync.path("message").asText(line));
      }
    } catch (IOException e) {
      throw new ContainerRuntimeException("parse conmon sync message \"" + line + "\"", e);
    }
  }

  @Override
  public void startContainer(String containerId) {
    Meta.Container meta = container(containerId);
    if (!meta.startedAt().isEmpty()) {
      throw new ContainerRuntimeException("container " + containerId + " was already started");
    }
    awaitNetwork(meta.sandboxId());
    Path record = containersDir().resolve(containerId).resolve("container.json");
    // Recorded before runc start: if this process dies before startedAt is written, the next one asks runc
    // whether the start happened instead of taking a running container for a created one. Synced soon after,
    // off the start's path: a process killed at any point leaves the record in place all the same.
    Meta.Container starting = meta.starting(Instant.now().toString());
    Meta.writeSyncedSoon(record, starting);
    runc.start(containerId);
    CrashPoint.AFTER_RUNC_START.reached(meta.name());
    Meta.writeSyncedSoon(record, starting.started(Instant.now().toString()));
  }

  @Override
  public void stopContainer(String containerId, Duration timeout) {
    Meta.Container meta = container(containerId);
    if (exitCode(containerId).isPresent()) {
      return;
    }
    if (!timeout.isZero() && !timeout.isNegative() && runc.kill(containerId, meta.stopSignal())) {
      if (awaitExit(containerId, timeout)) {
        return;
      }
    }
    killAndWait(containerId);
  }

  private void killAndWait(String containerId) {
    if (exitCode(containerId).isPresent()) {
      return;
    }
    runc.kill(containerId, "SIGKILL");
    if (!awaitExit(containerId, KILL_WAIT) && conmonAlive(containerId)) {
      throw new ContainerRuntimeException("container " + containerId + " did not exit " + KILL_WAIT
          + " after SIGKILL");
    }
  }

  /**
   * Waits for conmon's exit file. conmon is not our child (it daemonizes), so there is nothing to
   * wait on but the file; the poll is short and bounded and only runs while a stop is in progress.
   */
  private boolean awaitExit(String containerId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Path exit = exitsDir().resolve(containerId);
    try {
      while (true) {
        if (Files.exists(exit)) {
          return true;
        }
        if (System.nanoTime() - deadline > 0) {
          return false;
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("interrupted waiting for container " + containerId, e);
    }
  }

  @Override
  public void removeContainer(String containerId) {
    checkId(containerId, "container");
    Path dir = containersDir().resolve(containerId);
    if (Files.exists(dir.resolve("container.json")) && conmonAlive(containerId)
        && exitCode(containerId).isEmpty()) {
      killAndWait(containerId);
    }
    runc.delete(containerId);
    awaitConmonGone(containerId);
    Mounts.unmount(dir.resolve("rootfs"));
    try {
      Files.deleteIfExists(exitsDir().resolve(containerId));
      Files.deleteIfExists(conmonDir().resolve(containerId + ".pid"));
      Files.deleteIfExists(conmonDir().resolve(containerId + ".cpid"));
    } catch (IOException e) {
      throw new UncheckedIOException("remove state of container " + containerId, e);
    }
    deleteTree(socketsDir().resolve(containerId));
    deleteTree(dir);
  }

  private void awaitConmonGone(String containerId) {
    long deadline = System.nanoTime() + KILL_WAIT.toNanos();
    try {
      while (conmonAlive(containerId) && System.nanoTime() - deadline < 0) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public ContainerStatus containerStatus(String containerId) {
    return status(container(containerId));
  }

  @Override
  public List<ContainerStatus> listContainers() {
    return containers().stream().map(this::status).toList();
  }

  /** Filters on the stored labels first, so only matching containers have their state read. */
  @Override
  public List<ContainerStatus> listContainers(java.util.Map<String, String> labelSelector) {
    return containers().stream()
        .filter(c -> c.labels().entrySet().containsAll(labelSelector.entrySet()))
        .map(this::status).toList();
  }

  private List<Meta.Container> containers() {
    return Meta.readAll(containersDir(), "container.json", Meta.Container.class);
  }

  private ContainerStatus status(Meta.Container c) {
    Instant started = !c.startedAt().isEmpty() ? Instant.parse(c.startedAt())
        : !c.startingAt().isEmpty() ? Instant.parse(c.startingAt()) : Instant.EPOCH;
    ContainerState state;
    OptionalInt exit = exitCode(c.id());
    if (exit.isPresent()) {
      Instant finished = modified(exitsDir().resolve(c.id()));
      state = new ContainerState.Exited(started, finished, exit.getAsInt(), oomKilled(c));
    } else if (c.startedAt().isEmpty() && !c.startingAt().isEmpty() && conmonAlive(c.id())
        && runc.started(c.id())) {
      // started by a process that died before it could record it: record it now, as it would have
      LOG.log(Level.INFO, "container was started by an earlier process, recording the start container={0}", c.id());
      try {
        Meta.write(containersDir().resolve(c.id()).resolve("container.json"), c.started(c.startingAt()));
      } catch (UncheckedIOException e) {
        LOG.log(Level.DEBUG, "start not recorded container={0} error={1}", c.id(), e.getMessage()); // asked again
      }
      state = new ContainerState.Running(started);
    } else if (c.startedAt().isEmpty()) {
      state = conmonAlive(c.id()) ? new ContainerState.Created()
          : new ContainerState.Unknown("conmon of the created container is gone");
    } else if (conmonAlive(c.id())) {
      state = new ContainerState.Running(started);
    } else {
      state = new ContainerState.Unknown("conmon exited without recording an exit code");
    }
    return new ContainerStatus(c.id(), c.sandboxId(), c.name(), c.attempt(), c.image(), state,
        Instant.parse(c.createdAt()), Path.of(c.logPath()), c.labels(), c.annotations());
  }

  /**
   * conmon writes {@code oom} into the bundle (its persist dir) when it sees the cgroup's OOM event;
   * that event can race the exit, so the cgroup's {@code oom_kill} counter (kept until
   * {@code runc delete}) decides too.
   */
  private boolean oomKilled(Meta.Container c) {
    if (Files.exists(containersDir().resolve(c.id()).resolve("oom"))) {
      return true;
    }
    String rel = c.cgroupsPath().substring(1);
    Path root = Path.of("/sys/fs/cgroup");
    Path v1 = root.resolve("memory").resolve(rel).resolve("memory.oom_control");
    Path v2 = root.resolve(rel).resolve("memory.events");
    for (Path file : List.of(v1, v2)) {
      if (Files.exists(file)) {
        return KernelFiles.field(file, "oom_kill") > 0;
      }
    }
    return false;
  }

  private OptionalInt exitCode(String containerId) {
    Path exit = exitsDir().resolve(containerId);
    try {
      String text = Files.readString(exit).strip();
      return text.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(text));
    } catch (java.nio.file.NoSuchFileException e) {
      return OptionalInt.empty();
    } catch (IOException | NumberFormatException e) {
      throw new ContainerRuntimeException("read exit file of container " + containerId, e);
    }
  }

  private boolean conmonAlive(String containerId) {
    try {
      long pid = Long.parseLong(Files.readString(conmonDir().resolve(containerId + ".pid")).strip());
      return processAlive(pid, "conmon");
    } catch (IOException | NumberFormatException e) {
      return false;
    }
  }

  /** Alive and not a zombie, and still the program we started (pids are reused). */
  static boolean processAlive(long pid, String comm) {
    return ProcStat.of(pid).filter(p -> p.comm().equals(comm) && p.running()).isPresent();
  }

  private Meta.Container container(String containerId) {
    checkId(containerId, "container");
    return Meta.read(containersDir().resolve(containerId).resolve("container.json"), Meta.Container.class)
        .orElseThrow(() -> new ContainerRuntimeException.NotFound("container", containerId));
  }

  // ---- exec and stats --------------------------------------------------------------------------

  @Override
  public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
    requireRunning(containerId);
    List<String> argv = runc.command("exec", containerId);
    argv.addAll(command);
    ProcessRunner.Result result = ProcessRunner.run(argv, java.util.Map.of(), new byte[0], timeout);
    return new ExecResult(result.exitStatus(), result.stdout(), result.stderr());
  }

  @Override
  public ExecSession exec(String containerId, List<String> command) {
    requireRunning(containerId);
    return RuncExecSession.start(runc, containersDir().resolve(containerId), containerId, command);
  }

  @Override
  public ExecSession execTty(String containerId, List<String> command, int width, int height) {
    requireRunning(containerId);
    return TtyExecSession.start(runc, containersDir().resolve(containerId), containerId, command, width, height);
  }

  /**
   * Attaches through conmon's attach socket in the bundle (see {@link AttachSession}): the container's output, and
   * its stdin when {@code stdin} and the container has one; resizes go to conmon's ctl FIFO.
   */
  @Override
  public ExecSession attach(String containerId, boolean stdin) {
    Meta.Container meta = container(containerId);
    requireRunning(containerId);
    ContainerConfig.Stdio stdio = meta.stdio();
    return AttachSession.open(containersDir().resolve(containerId).resolve("attach"), stdin && stdio.stdin(),
        stdio.stdinOnce(), stdio.tty(), (width, height) -> control(containerId, WIN_RESIZE_EVENT + " " + height
            + " " + width + "\n"));
  }

  private void requireRunning(String containerId) {
    if (!(containerStatus(containerId).state() instanceof ContainerState.Running)) {
      throw new ContainerRuntimeException("container " + containerId + " is not running");
    }
  }

  @Override
  public ContainerStats containerStats(String containerId) {
    Meta.Container c = container(containerId);
    Path root = Path.of("/sys/fs/cgroup");
    String rel = c.cgroupsPath().substring(1);
    long cpu;
    long usage;
    long inactive;
    if (Files.exists(root.resolve("cpuacct").resolve(rel))) {
      cpu = KernelFiles.number(root.resolve("cpuacct").resolve(rel).resolve("cpuacct.usage"));
      usage = KernelFiles.number(root.resolve("memory").resolve(rel).resolve("memory.usage_in_bytes"));
      inactive = KernelFiles.field(root.resolve("memory").resolve(rel).resolve("memory.stat"), "total_inactive_file");
    } else if (Files.exists(root.resolve(rel).resolve("cpu.stat"))) {
      cpu = KernelFiles.field(root.resolve(rel).resolve("cpu.stat"), "usage_usec") * 1000;
      usage = KernelFiles.number(root.resolve(rel).resolve("memory.current"));
      inactive = KernelFiles.field(root.resolve(rel).resolve("memory.stat"), "inactive_file");
    } else {
      cpu = 0; // the container stopped and its cgroup went with it
      usage = 0;
      inactive = 0;
    }
    DiskUsage.Usage upper = DiskUsage.of(containersDir().resolve(containerId).resolve("upper"));
    return new ContainerStats(containerId, Instant.now(), cpu, usage, Math.max(0, usage - inactive), upper.bytes(),
        upper.inodes());
  }

  @Override
  public PodSandboxStats podSandboxStats(String podUid) {
    if (!podUid.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}") || podUid.contains("..")) {
      return PodSandboxStats.NONE; // names no pod cgroup this runtime made
    }
    return cgroups.stats(podUid);
  }

  private boolean awaitFile(Path file, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!Files.exists(file)) {
        if (System.nanoTime() - deadline > 0) {
          return false;
        }
        Thread.sleep(10);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      return "";
    }
  }

  // ---- port forwarding -------------------------------------------------------------------------

  /**
   * Creates the socket in the namespace bound at {@code <run>/ns/<sandbox>/net}; a {@code hostNetwork} sandbox has
   * none and shares the host's, where this process makes it (its metadata is read only then).
   */
  @Override
  public SocketChannel openSocket(String sandboxId, java.net.ProtocolFamily family) throws IOException {
    checkId(sandboxId, "sandbox");
    Path net = nsDir().resolve(sandboxId).resolve("net");
    if (!Files.exists(net) && sandbox(sandboxId).config().linux().hostNetwork()) {
      return SocketChannel.open(family);
    }
    return NetworkNamespaces.shared().open(net, () -> SocketChannel.open(family));
  }

  // ---- logs -------------------------------------------------------------------------------------

  /**
   * Writes conmon's reopen-logs message ({@value #REOPEN_LOGS_MESSAGE}: message type 2 and two unused
   * numbers, as CRI-O sends it) into the {@code ctl} FIFO conmon keeps in its persist dir (the bundle).
   * conmon then writes the log to {@code <log>.tmp} and renames that over the log path.
   */
  @Override
  public void reopenContainerLog(String containerId) {
    container(containerId);
    requireRunning(containerId);
    control(containerId, REOPEN_LOGS_MESSAGE);
  }

  /**
   * Writes one message to the {@code ctl} FIFO conmon keeps in the container's bundle. The FIFO is opened
   * read-write, which on Linux never blocks, so a conmon that just died cannot hang the caller.
   *
   * <p>conmon parses only the first message of each read of the FIFO (its {@code ctrl_cb} scans the start of its
   * buffer for every line it holds), so a message written before conmon read the one before would repeat that one:
   * kubectl sends its terminal size plus one and then its size at once when it attaches. So, where libc can be
   * called, this waits (at most {@link #CONTROL_READ_WAIT}) until conmon has read the message before it returns;
   * callers that send several messages send them one after another.
   */
  private void control(String containerId, String message) {
    Path ctl = containersDir().resolve(containerId).resolve("ctl");
    Optional<Libc> libc = Libc.instance();
    if (libc.isPresent()) {
      controlAndAwaitRead(libc.get(), ctl, containerId, message);
      return;
    }
    try (var fifo = java.nio.channels.FileChannel.open(ctl, java.nio.file.StandardOpenOption.READ,
        java.nio.file.StandardOpenOption.WRITE)) {
      fifo.write(java.nio.ByteBuffer.wrap(message.getBytes(StandardCharsets.US_ASCII)));
    } catch (IOException e) {
      throw new ContainerRuntimeException("write \"" + message.strip() + "\" to the ctl FIFO of container "
          + containerId, e);
    }
  }
  private static void controlAndAwaitRead(Libc libc, Path ctl, String containerId, String message) {
    int fd = libc.openReadWrite(ctl);
    try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
      libc.write(fd, arena.allocateFrom(message, StandardCharsets.US_ASCII).asSlice(0, message.length()));
      long deadline = System.nanoTime() + CONTROL_READ_WAIT.toNanos();
      while (libc.pendingBytes(fd) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ContainerRuntimeException e) {
      throw new ContainerRuntimeException("write \"" + message.strip() + "\" to the ctl FIFO of container "
          + containerId + ": " + e.getMessage(), e);
    } finally {
      libc.close(fd);
    }
  }


  // ---- instance ---------------------------------------------------------------------------------

  /**
   * Removes everything this instance put on the host, also after the process that ran it was stopped or
   * crashed: sandboxes (with their containers, CNI DEL and namespace mounts), then as a sweep any process
   * still in its cgroups and any mount left under its sandbox, container and run dirs, the bridge and the
   * iptables rules of its network, the cgroup parent and the run dir. Keeps going past a failure and throws
   * one exception naming every failure at the end. The instance is unusable afterwards.
   */
  public void destroy() {
    List<String> failures = new ArrayList<>();
    attempt(failures, "release the network namespaces made ahead", () -> {
      pool.close();
      pool.reclaim();
    });
    attempt(failures, "remove the sandboxes", () -> {
      for (PodSandboxStatus sandbox : listPodSandboxes()) {
        attempt(failures, "remove sandbox " + sandbox.id(), () -> removePodSandbox(sandbox.id()));
      }
    });
    attempt(failures, "remove the containers", () -> {
      for (Meta.Container c : containers()) {
        attempt(failures, "remove container " + c.id(), () -> removeContainer(c.id()));
      }
    });
    attempt(failures, "kill the processes left in cgroup " + config.cgroupParent(), this::killCgroupProcesses);
    for (String mount : mountsUnder(List.of(sandboxesDir(), containersDir(), config.runDir()))) {
      attempt(failures, "unmount " + mount, () -> Mounts.unmount(Path.of(mount)));
    }
    attempt(failures, "remove the network " + config.networkName(), network::destroy);
    attempt(failures, "remove cgroup " + config.cgroupParent(), cgroups::removeParent);
    attempt(failures, "remove " + config.runDir(), () -> deleteTree(config.runDir()));
    if (!failures.isEmpty()) {
      throw new ContainerRuntimeException("remove the instance of " + config.dataDir() + ": "
          + String.join("; ", failures));
    }
  }

  private static void attempt(List<String> failures, String what, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, what + " failed: " + e.getMessage());
      failures.add(what + ": " + e.getMessage());
    }
  }

  /** Mount points at or below any of {@code dirs}, deepest first. */
  private static List<String> mountsUnder(List<Path> dirs) {
    List<String> out = new ArrayList<>();
    for (String mount : Mounts.mountPoints()) {
      for (Path dir : dirs) {
        String d = dir.toAbsolutePath().normalize().toString();
        if (mount.equals(d) || mount.startsWith(d + "/")) {
          out.add(mount);
          break;
        }
      }
    }
    out.sort(java.util.Comparator.comparingInt(String::length).reversed());
    return out;
  }

  /**
   * SIGKILLs every process still in the instance's cgroups (a container whose record is gone, an exec that
   * outlived its session) and waits until the cgroups are empty, so that they can be removed.
   */
  private void killCgroupProcesses() {
    long deadline = System.nanoTime() + KILL_WAIT.toNanos();
    while (true) {
      List<Long> pids = new ArrayList<>();
      for (Path hierarchy : cgroupHierarchies()) {
        Path parent = hierarchy.resolve(config.cgroupParent().substring(1));
        if (!Files.isDirectory(parent)) {
          continue;
        }
        try (Stream<Path> walk = Files.walk(parent)) {
          for (Path procs : walk.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
            for (String line : Files.readAllLines(procs)) {
              if (!line.isBlank()) {
                pids.add(Long.parseLong(line.strip()));
              }
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException("list the processes in " + parent, e);
        }
      }
      if (pids.isEmpty()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new ContainerRuntimeException("processes " + pids + " are still in cgroup " + config.cgroupParent()
            + " " + KILL_WAIT + " after SIGKILL");
      }
      pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ContainerRuntimeException("interrupted killing the processes of " + config.cgroupParent(), e);
      }
    }
  }

  /**
   * The annotations of every container recorded under {@code config}'s data dir, read from the records alone: no
   * instance is made and nothing on the host is touched, so a process that does not run the containers (the
   * {@code j8s images} command) can see which images they use.
   */
  public static List<java.util.Map<String, String>> recordedContainerAnnotations(RuntimeConfig config) {
    return list(config.dataDir().resolve("containers")).stream()
        .flatMap(dir -> Meta.read(dir.resolve("container.json"), Meta.Container.class).stream())
        .map(c -> c.annotations() == null ? java.util.Map.<String, String>of() : c.annotations())
        .toList();
  }

  private void removePodCgroups(String podUid) {
    cgroups.remove(podUid);
  }

  /** The cgroup v1 hierarchies, or the v2 root alone. */
  static List<Path> cgroupHierarchies() {
    Path root = Path.of("/sys/fs/cgroup");
    if (Files.exists(root.resolve("cgroup.controllers"))) {
      return List.of(root);
    }
    return list(root).stream().filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).toList();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  Path sandboxesDir() {
    return config.dataDir().resolve("sandboxes");
  }

  Path containersDir() {
    return config.dataDir().resolve("containers");
  }

  Path nsDir() {
    return config.runDir().resolve("ns");
  }

  Path exitsDir() {
    return config.runDir().resolve("exits");
  }

  Path conmonDir() {
    return config.runDir().resolve("conmon");
  }

  Path socketsDir() {
    return config.runDir().resolve("sockets");
  }

  private static String newId() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static void checkId(String id, String kind) {
    // a plain loop, not a regex: this runs for every probe connection
    boolean valid = id.length() == 64;
    for (int i = 0; valid && i < id.length(); i++) {
      char c = id.charAt(i);
      valid = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }
    if (!valid) {
      throw new ContainerRuntimeException.NotFound(kind, id);
    }
  }

  private static Instant modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toInstant();
    } catch (IOException e) {
      return Instant.now();
    }
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("list " + dir, e);
    }
  }

  /**
   * Deletes a tree without following symlinks; refuses (before deleting anything) while anything at or below it
   * is mounted, so it never deletes through a mount into another file system.
   *
   * @throws ContainerRuntimeException naming the mount point
   */
  public static void deleteTree(Path root) {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<String> mounts = Mounts.mountPoints();
    String prefix = root.toAbsolutePath().normalize() + "/";
    for (String mount : mounts) {
      if (mount.startsWith(prefix) || mount.equals(root.toAbsolutePath().normalize().toString())) {
        throw new ContainerRuntimeException("refusing to delete " + root + ": " + mount + " is still mounted");
      }
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("delete " + root, e);
    }
  }
}
