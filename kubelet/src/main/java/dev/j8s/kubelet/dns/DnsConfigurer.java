package dev.j8s.kubelet.dns;

import dev.j8s.kubelet.container.ContainerReferences;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import dev.j8s.runtime.PodSandboxConfig;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Upstream's DNS configurer ({@code pkg/kubelet/network/dns}, {@code GetPodDNS}): a pod's resolv.conf from its
 * {@code dnsPolicy} and {@code dnsConfig}, within the resolver's limits. {@code ClusterFirst} uses the cluster DNS
 * once there is one, else falls back to {@code Default} with upstream's {@code MissingClusterDNS} events;
 * {@code Default} takes the node's resolvers, never a loopback one (such as systemd-resolved's 127.0.0.53 stub),
 * which a pod in its own network namespace cannot reach. Thread-safe.
 */
public final class DnsConfigurer {

    private static final System.Logger LOG = System.getLogger(DnsConfigurer.class.getName());
    /** glibc's limits (upstream {@code validation.MaxDNSNameservers}, {@code MaxDNSSearchPaths}, chars). */
    static final int MAX_NAMESERVERS = 3;
    static final int MAX_SEARCH_PATHS = 32;
    static final int MAX_SEARCH_CHARS = 2048;
    /** Where systemd-resolved keeps the real upstream resolvers when /etc/resolv.conf points at its stub. */
    static final Path SYSTEMD_RESOLVED = Path.of("/run/systemd/resolve/resolv.conf");

    private final Path resolvConf;
    private final Path resolvedFallback;
    private final List<String> clusterDns;
    private final String clusterDomain;
    private final EventRecorder recorder;

    /**
     * @param resolvConf the node's resolv.conf (the kubelet's {@code --resolv-conf})
     * @param clusterDns the cluster DNS server addresses; empty until cluster DNS exists
     */
    public DnsConfigurer(Path resolvConf, List<String> clusterDns, String clusterDomain, EventRecorder recorder) {
        this(resolvConf, SYSTEMD_RESOLVED, clusterDns, clusterDomain, recorder);
    }

    DnsConfigurer(Path resolvConf, Path resolvedFallback, List<String> clusterDns, String clusterDomain,
            EventRecorder recorder) {
        this.resolvConf = resolvConf;
        this.resolvedFallback = resolvedFallback;
        this.clusterDns = List.copyOf(clusterDns);
        this.clusterDomain = clusterDomain;
        this.recorder = recorder;
    }

    /** The parsed lines of a resolv.conf that matter. */
    record ResolvConf(List<String> nameservers, List<String> searches, List<String> options) {}

    /** Upstream {@code GetPodDNS}: the pod's resolv.conf contents; emits the fallback and limit events. */
    public PodSandboxConfig.DnsConfig podDns(Pod pod) {
        String policy = pod.getSpec().getDnsPolicy() == null || pod.getSpec().getDnsPolicy().isEmpty()
                ? "ClusterFirst" : pod.getSpec().getDnsPolicy();
        if (policy.equals("ClusterFirst") && Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            policy = "Default"; // upstream: a pod on the host's network falls back to the host's resolvers
        }
        List<String> servers = new ArrayList<>();
        List<String> searches = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        switch (policy) {
            case "None" -> { }
            case "ClusterFirst", "ClusterFirstWithHostNet" -> {
                if (clusterDns.isEmpty()) {
                    missingClusterDns(pod);
                    hostDns(servers, searches, options);
                } else {
                    servers.addAll(clusterDns);
                    String ns = pod.getMetadata().getNamespace();
                    searches.addAll(List.of(ns + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain));
                    hostDns(new ArrayList<>(), searches, new LinkedHashMap<>());
                    options.put("ndots", "5");
                }
            }
            default -> hostDns(servers, searches, options); // Default
        }
        PodDNSConfig extra = pod.getSpec().getDnsConfig();
        if (extra != null) {
            servers.addAll(extra.getNameservers());
            searches.addAll(extra.getSearches());
            for (PodDNSConfigOption o : extra.getOptions()) {
                options.put(o.getName(), o.getValue() == null ? "" : o.getValue());
            }
        }
        return fitLimits(pod, new PodSandboxConfig.DnsConfig(servers.stream().distinct().toList(),
                searches.stream().map(DnsConfigurer::withoutTrailingDot).distinct().toList(),
                options.entrySet().stream().map(e -> e.getValue().isEmpty() ? e.getKey() : e.getKey() + ":"
                        + e.getValue()).toList()));
    }

    private void missingClusterDns(Pod pod) {
        String message = "kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\""
                + " policy. Falling back to \"Default\" policy.";
        var meta = pod.getMetadata();
        recorder.event(ContainerReferences.of(pod), EventType.WARNING, EventReason.MISSING_CLUSTER_DNS,
                "pod: \"" + meta.getName() + "_" + meta.getNamespace() + "(" + meta.getUid() + ")\". " + message);
        String node = pod.getSpec().getNodeName();
        if (node != null && !node.isEmpty()) {
            recorder.event(new ObjectReferenceBuilder().withKind("Node").withName(node).withUid(node).build(),
                    EventType.WARNING, EventReason.MISSING_CLUSTER_DNS, message);
        }
    }

    /** The node's resolvers, searches and options; loopback resolvers left out (systemd-resolved's list used). */
    private void hostDns(List<String> servers, List<String> searches, Map<String, String> options) {
        ResolvConf host = read(resolvConf);
        if (host.nameservers().stream().anyMatch(DnsConfigurer::isLoopback) && Files.isReadable(resolvedFallback)) {
            ResolvConf resolved = read(resolvedFallback);
            host = new ResolvConf(resolved.nameservers(), host.searches(), host.options());
        }
        for (String server : host.nameservers()) {
            if (isLoopback(server)) {
                LOG.log(Level.WARNING, "leaving the node's loopback resolver out of pod DNS, a pod cannot reach it"
                        + " nameserver=" + server + " resolvConf=" + resolvConf);
            } else {
                servers.add(server);
            }
        }
        searches.addAll(host.searches());
        for (String option : host.options()) {
            int colon = option.indexOf(':');
            options.put(colon < 0 ? option : option.substring(0, colon), colon < 0 ? "" : option.substring(colon + 1));
        }
    }

    /** Upstream {@code parseResolvConf}: every nameserver, the last search line, every option. */
    static ResolvConf read(Path file) {
        List<String> servers = new ArrayList<>();
        List<String> searches = new ArrayList<>();
        List<String> options = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot read " + file + ": " + e.getMessage());
            return new ResolvConf(servers, searches, options);
        }
        for (String line : lines) {
            int comment = indexOfAny(line, '#', ';');
            String[] f = (comment < 0 ? line : line.substring(0, comment)).strip().split("\\s+");
            if (f.length == 0 || f[0].isEmpty()) {
                continue;
            }
            switch (f[0]) {
                case "nameserver" -> {
                    if (f.length > 1) {
                        servers.add(f[1]);
                    }
                }
                case "search" -> {
                    searches.clear();
                    for (int i = 1; i < f.length; i++) {
                        searches.add(withoutTrailingDot(f[i]));
                    }
                }
                case "options" -> options.addAll(List.of(f).subList(1, f.length));
                default -> { }
            }
        }
        return new ResolvConf(servers, searches.stream().distinct().toList(), options);
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }

    private static String withoutTrailingDot(String domain) {
        return domain.length() > 1 && domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
    }

    static boolean isLoopback(String address) {
        try {
            return (address.matches("[0-9.]+") || address.contains(":"))
                    && InetAddress.ofLiteral(address).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Upstream {@code formDNSConfigFitsLimits}: at most 3 nameservers, 32 search paths of 2048 characters. */
    private PodSandboxConfig.DnsConfig fitLimits(Pod pod, PodSandboxConfig.DnsConfig dns) {
        List<String> servers = dns.servers();
        if (servers.size() > MAX_NAMESERVERS) {
            servers = servers.subList(0, MAX_NAMESERVERS);
            recorder.event(ContainerReferences.of(pod), EventType.WARNING, EventReason.DNS_CONFIG_FORMING,
                    "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver"
                            + " line is: " + String.join(" ", servers));
        }
        List<String> searches = new ArrayList<>();
        int chars = 0;
        for (String s : dns.searches()) {
            int next = chars + (searches.isEmpty() ? 0 : 1) + s.length();
            if (searches.size() == MAX_SEARCH_PATHS || next > MAX_SEARCH_CHARS) {
                break;
            }
            searches.add(s);
            chars = next;
        }
        if (searches.size() < dns.searches().size()) {
            recorder.event(ContainerReferences.of(pod), EventType.WARNING, EventReason.DNS_CONFIG_FORMING,
                    "Search Line limits were exceeded, some search paths have been omitted, the applied search line"
                            + " is: " + String.join(" ", searches));
        }
        return new PodSandboxConfig.DnsConfig(servers, searches, dns.options());
    }
}
