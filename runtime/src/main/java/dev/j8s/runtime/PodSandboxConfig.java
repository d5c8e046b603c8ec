package dev.j8s.runtime;

import java.util.List;
import java.util.Map;

/**
 * What a pod sandbox is made from (CRI {@code PodSandboxConfig}); immutable and thread-safe.
 *
 * @param name the pod's name
 * @param namespace the pod's namespace
 * @param uid the pod's UID; names the pod cgroup {@code pod<uid>}
 * @param attempt how many sandboxes this pod had before
 * @param hostname the pod's hostname (its UTS namespace's and {@code /etc/hostname})
 * @param dns written to the pod's {@code /etc/resolv.conf}
 * @param portMappings host ports forwarded to the pod by the CNI portmap plugin
 * @param sharedPidNamespace the pod's containers share one PID namespace ({@code shareProcessNamespace}),
 *     whose PID 1 is a holder process of the sandbox (upstream: the pause container); otherwise each
 *     container gets its own
 * @param labels opaque to the runtime, returned in statuses
 * @param annotations opaque to the runtime, returned in statuses
 * @param hostDomain the pod's domain ({@code <subdomain>.<namespace>.svc.<cluster domain>}) or empty: the hosts
 *     file then maps each pod IP to {@code <host>.<domain>} and {@code <host>}, {@code <host>} being the hostname
 *     without this domain
 * @param hostAliases the pod's {@code hostAliases}, added to its hosts file
 * @param linux the host namespaces the pod shares, its sysctls and its pod-level cgroup limits
 */
public record PodSandboxConfig(
    String name,
    String namespace,
    String uid,
    int attempt,
    String hostname,
    DnsConfig dns,
    List<PortMapping> portMappings,
    boolean sharedPidNamespace,
    Map<String, String> labels,
    Map<String, String> annotations,
    String hostDomain,
    List<HostAlias> hostAliases,
    Linux linux) {

  public PodSandboxConfig {
    Names.requireSafe("pod uid", uid);
    // 64: a fully qualified hostname (setHostnameAsFQDN) may be one longer than a label
    if (!hostname.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,63})")) {
      throw new IllegalArgumentException("invalid hostname " + hostname);
    }
    portMappings = List.copyOf(portMappings);
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
    hostDomain = hostDomain == null ? "" : hostDomain; // absent from a sandbox recorded by an older version
    hostAliases = hostAliases == null ? List.of() : List.copyOf(hostAliases);
    linux = linux == null ? Linux.DEFAULT : linux; // absent from a sandbox recorded by an older version
  }

  /** A sandbox in namespaces of its own, without sysctls or pod-level limits. */
  public PodSandboxConfig(String name, String namespace, String uid, int attempt, String hostname, DnsConfig dns,
      List<PortMapping> portMappings, boolean sharedPidNamespace, Map<String, String> labels,
      Map<String, String> annotations, String hostDomain, List<HostAlias> hostAliases) {
    this(name, namespace, uid, attempt, hostname, dns, portMappings, sharedPidNamespace, labels, annotations,
        hostDomain, hostAliases, Linux.DEFAULT);
  }

  /** A sandbox without a host domain or host aliases. */
  public PodSandboxConfig(String name, String namespace, String uid, int attempt, String hostname, DnsConfig dns,
      List<PortMapping> portMappings, boolean sharedPidNamespace, Map<String, String> labels,
      Map<String, String> annotations) {
    this(name, namespace, uid, attempt, hostname, dns, portMappings, sharedPidNamespace, labels, annotations, "",
        List.of());
  }

  /** This config with {@code newLinux} instead of its own. */
  public PodSandboxConfig withLinux(Linux newLinux) {
    return new PodSandboxConfig(name, namespace, uid, attempt, hostname, dns, portMappings, sharedPidNamespace, labels,
        annotations, hostDomain, hostAliases, newLinux);
  }

  /**
   * The Linux side of a sandbox (CRI {@code LinuxPodSandboxConfig}); immutable and thread-safe.
   *
   * @param hostNetwork the pod uses the host's network and UTS namespaces (no CNI, no port mappings)
   * @param hostPid the pod's containers run in the host's PID namespace
   * @param hostIpc the pod's containers use the host's IPC namespace and {@code /dev/shm}
   * @param sysctls namespaced kernel parameters set in every container of the pod
   * @param podResources limits of the pod's own cgroup, which holds its containers' cgroups
   */
  public record Linux(boolean hostNetwork, boolean hostPid, boolean hostIpc, Map<String, String> sysctls,
      PodResources podResources) {
    public static final Linux DEFAULT = new Linux(false, false, false, Map.of(), PodResources.NONE);

    public Linux {
      sysctls = Map.copyOf(sysctls == null ? Map.of() : sysctls);
      podResources = podResources == null ? PodResources.NONE : podResources;
      for (var sysctl : sysctls.entrySet()) {
        if (!sysctl.getKey().matches("[a-z0-9]([-_a-z0-9]*[a-z0-9])?([./][a-z0-9]([-_a-z0-9]*[a-z0-9])?)*")
            || sysctl.getValue().contains("\n")) {
          throw new IllegalArgumentException("invalid sysctl " + sysctl.getKey() + "=" + sysctl.getValue());
        }
      }
    }
  }

  /**
   * Limits of a pod's own cgroup (upstream's pod-level cgroup under {@code kubepods}); 0 leaves one unset.
   *
   * @param cpuShares the sum of the containers' CPU requests as shares
   * @param cpuQuotaMicros the sum of their CPU limits as a CFS quota per {@code cpuPeriodMicros}, when all have one
   * @param cpuPeriodMicros the CFS period of the quota
   * @param memoryLimitBytes the sum of their memory limits, when all have one
   * @param pidsLimit the most tasks the pod may have (the kubelet's {@code podPidsLimit})
   */
  public record PodResources(long cpuShares, long cpuQuotaMicros, long cpuPeriodMicros, long memoryLimitBytes,
      long pidsLimit) {
    public static final PodResources NONE = new PodResources(0, 0, 0, 0, 0);

    public PodResources {
      if (cpuShares < 0 || cpuQuotaMicros < 0 || cpuPeriodMicros < 0 || memoryLimitBytes < 0 || pidsLimit < 0) {
        throw new IllegalArgumentException("negative pod resource limit");
      }
    }
  }

  /** One {@code hostAliases} entry: an IP and the names it answers to. */
  public record HostAlias(String ip, List<String> hostnames) {
    public HostAlias {
      hostnames = List.copyOf(hostnames);
      if (ip.isBlank() || ip.chars().anyMatch(Character::isWhitespace)
          || hostnames.stream().anyMatch(h -> h.isBlank() || h.chars().anyMatch(Character::isWhitespace))) {
        throw new IllegalArgumentException("invalid host alias " + ip + " " + hostnames);
      }
    }
  }

  /** A sandbox with no DNS servers, no ports and no labels. */
  public static PodSandboxConfig of(String name, String namespace, String uid, String hostname) {
    return new PodSandboxConfig(name, namespace, uid, 0, hostname, DnsConfig.NONE, List.of(), false,
        Map.of(), Map.of());
  }

  /** This config with {@code portMappings} instead of its own. */
  public PodSandboxConfig withPortMappings(List<PortMapping> mappings) {
    return new PodSandboxConfig(name, namespace, uid, attempt, hostname, dns, mappings, sharedPidNamespace, labels,
        annotations, hostDomain, hostAliases, linux);
  }

  /** This config with its containers sharing one PID namespace, or not. */
  public PodSandboxConfig withSharedPidNamespace(boolean shared) {
    return new PodSandboxConfig(name, namespace, uid, attempt, hostname, dns, portMappings, shared, labels,
        annotations, hostDomain, hostAliases, linux);
  }

  /** The pod's {@code resolv.conf} contents (CRI {@code DNSConfig}). */
  public record DnsConfig(List<String> servers, List<String> searches, List<String> options) {
    public static final DnsConfig NONE = new DnsConfig(List.of(), List.of(), List.of());

    public DnsConfig {
      servers = List.copyOf(servers);
      searches = List.copyOf(searches);
      options = List.copyOf(options);
    }

    /** The file text, in the order containerd and CRI-O write it: search, nameservers, options. */
    public String resolvConf() {
      var text = new StringBuilder();
      if (!searches.isEmpty()) {
        text.append("search ").append(String.join(" ", searches)).append('\n');
      }
      for (String server : servers) {
        text.append("nameserver ").append(server).append('\n');
      }
      if (!options.isEmpty()) {
        text.append("options ").append(String.join(" ", options)).append('\n');
      }
      return text.toString();
    }
  }

  /** One host port forwarded into the pod. */
  public record PortMapping(Protocol protocol, int containerPort, int hostPort, String hostIp) {
    public PortMapping {
      java.util.Objects.requireNonNull(protocol, "protocol");
      java.util.Objects.requireNonNull(hostIp, "hostIp");
      if (containerPort < 1 || containerPort > 65535 || hostPort < 1 || hostPort > 65535) {
        throw new IllegalArgumentException("invalid port mapping " + hostPort + ":" + containerPort);
      }
    }
  }

  /** The protocols a port mapping can carry. */
  public enum Protocol {
    TCP, UDP, SCTP
  }
}
