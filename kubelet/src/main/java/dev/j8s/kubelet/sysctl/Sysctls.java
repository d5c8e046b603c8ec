package dev.j8s.kubelet.sysctl;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kubelet's sysctl admission (upstream {@code patternAllowlist} over {@code SafeSysctlAllowlist}): a pod may set
 * only sysctls of the safe set, which are namespaced and isolated from other pods, and not a network or IPC one
 * while it shares that namespace with the host. A refused pod is rejected with reason {@value #FORBIDDEN_REASON}.
 * Stateless and thread-safe.
 */
public final class Sysctls {

    /** The reason of a pod rejected for its sysctls. */
    public static final String FORBIDDEN_REASON = "SysctlForbidden";

    /** Upstream's safe sysctls (1.32, every one namespaced on this project's kernels). */
    public static final List<String> SAFE = List.of(
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
            "net.ipv4.ip_local_reserved_ports",
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
            "net.ipv4.tcp_rmem",
            "net.ipv4.tcp_wmem");

    /** The namespace of sysctls by name, then by prefix (upstream {@code component-helpers/node/util/sysctl}). */
    private static final Map<String, String> BY_NAME = Map.of("kernel.sem", "ipc");
    private static final Map<String, String> BY_PREFIX = Map.of("kernel.shm", "ipc", "kernel.msg", "ipc",
            "fs.mqueue.", "ipc", "net.", "net");

    private Sysctls() {}

    /**
     * Upstream's {@code ConvertSysctlVariableToDotsSeparator}: a name whose first separator is a slash
     * ({@code net/ipv4/conf/eno2.100/rp_filter}) swaps slashes and dots; otherwise unchanged.
     */
    public static String dotted(String name) {
        int first = -1;
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '.' || name.charAt(i) == '/') {
                first = i;
                break;
            }
        }
        if (first < 0 || name.charAt(first) == '.') {
            return name;
        }
        StringBuilder out = new StringBuilder(name.length());
        for (char ch : name.toCharArray()) {
            out.append(ch == '.' ? '/' : ch == '/' ? '.' : ch);
        }
        return out.toString();
    }

    /** The namespace ({@code net}, {@code ipc}) a sysctl belongs to, empty when it is not known to be namespaced. */
    static Optional<String> namespaceOf(String sysctl) {
        String ns = BY_NAME.get(sysctl);
        if (ns != null) {
            return Optional.of(ns);
        }
        return BY_PREFIX.entrySet().stream().filter(e -> sysctl.startsWith(e.getKey())).map(Map.Entry::getValue)
                .findFirst();
    }

    /**
     * Why the pod may not run here, worded as upstream's admission message ({@code forbidden sysctl: "kernel.msgmax"
     * not allowlisted}); empty when every sysctl it sets is allowed.
     */
    public static Optional<String> admit(Pod pod) {
        var spec = pod.getSpec();
        if (spec.getSecurityContext() == null || spec.getSecurityContext().getSysctls() == null) {
            return Optional.empty();
        }
        boolean hostNet = Boolean.TRUE.equals(spec.getHostNetwork());
        boolean hostIpc = Boolean.TRUE.equals(spec.getHostIPC());
        for (Sysctl s : spec.getSecurityContext().getSysctls()) {
            String name = dotted(s.getName() == null ? "" : s.getName());
            if (!SAFE.contains(name)) {
                return Optional.of("forbidden sysctl: \"" + name + "\" not allowlisted");
            }
            Optional<String> ns = namespaceOf(name);
            if (ns.isPresent() && ((ns.get().equals("net") && hostNet) || (ns.get().equals("ipc") && hostIpc))) {
                return Optional.of("forbidden sysctl: \"" + name + "\" not allowed with host " + ns.get() + " enabled");
            }
        }
        return Optional.empty();
    }
}
