package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pod's and its containers' {@code securityContext}, host namespaces and sysctls: upstream's validation
 * ({@code validatePodSpecSecurityContext}, {@code ValidateSecurityContext}, {@code validateSysctls},
 * {@code validateHostNetwork}, {@code validateSeccompProfileField}) with its paths and messages, and the
 * refusals of what this node cannot give ({@link HostFeatures}): a field the kubelet would have to ignore is
 * refused at create time instead. Stateless and thread-safe.
 */
final class SecurityContextRules {

    static final String SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?";
    /** Upstream's {@code SysctlContainSlashFmt}, printed in its message with the anchors. */
    static final String SYSCTL_REGEX = "^(" + SYSCTL_SEGMENT + "[\\./])*" + SYSCTL_SEGMENT + "$";
    static final int SYSCTL_MAX_LENGTH = 253;
    static final long MAX_ID = Integer.MAX_VALUE;
    /** The types of a seccomp and of an AppArmor profile alike. */
    private static final List<String> PROFILE_TYPES = List.of("Localhost", "RuntimeDefault", "Unconfined");
    private static final List<String> PROC_MOUNT_TYPES = List.of("Default", "Unmasked");
    static final String APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
    static final String NO_APPARMOR = "Cannot enforce AppArmor: AppArmor is not enabled on the host";
    static final String NO_SELINUX = "SELinux is not enabled on this node: the labels cannot be applied";
    static final String NO_USER_NAMESPACES = "this node cannot run pods in user namespaces: its container runtime"
            + " (runc) lacks idmapped mounts";

    private SecurityContextRules() {}

    /** The checks of the pod spec (create and update). */
    static void validate(ObjectNode spec, FieldErrors errs) {
        boolean hostNetwork = spec.path("hostNetwork").asBoolean(false);
        boolean hostIpc = spec.path("hostIPC").asBoolean(false);
        ObjectNode psc = Trees.obj(spec, "securityContext");
        if (psc != null) {
            String path = "spec.securityContext";
            ids(psc, path, errs);
            Long fsGroup = Trees.longOrNull(psc, "fsGroup");
            if (fsGroup != null) {
                range(path + ".fsGroup", fsGroup, errs);
            }
            JsonNode groups = psc.get("supplementalGroups");
            if (groups != null && groups.isArray()) {
                for (int i = 0; i < groups.size(); i++) {
                    range(path + ".supplementalGroups[" + i + "]", groups.get(i).asLong(), errs);
                }
            }
            profile(Trees.obj(psc, "seccompProfile"), path + ".seccompProfile", "seccomp", errs);
            profile(Trees.obj(psc, "appArmorProfile"), path + ".appArmorProfile", "AppArmor", errs);
            sysctls(Trees.objects(psc, "sysctls"), path + ".sysctls", hostNetwork, hostIpc, errs);
        }
        if (spec.path("shareProcessNamespace").asBoolean(false) && spec.path("hostPID").asBoolean(false)) {
            errs.invalid("spec.shareProcessNamespace", true, "ShareProcessNamespace and HostPID cannot both be enabled");
        }
        for (String list : List.of("initContainers", "containers")) {
            List<ObjectNode> containers = Trees.objects(spec, list);
            for (int i = 0; i < containers.size(); i++) {
                String path = "spec." + list + "[" + i + "]";
                ObjectNode c = containers.get(i);
                if (hostNetwork) {
                    List<ObjectNode> ports = Trees.objects(c, "ports");
                    for (int p = 0; p < ports.size(); p++) {
                        long containerPort = ports.get(p).path("containerPort").asLong(0);
                        if (ports.get(p).path("hostPort").asLong(0) != containerPort) {
                            errs.invalid(path + ".ports[" + p + "].containerPort", containerPort,
                                    "must match `hostPort` when `hostNetwork` is true");
                        }
                    }
                }
                container(Trees.obj(c, "securityContext"), path + ".securityContext", errs);
            }
        }
    }

    private static void container(ObjectNode sc, String path, FieldErrors errs) {
        if (sc == null) {
            return;
        }
        ids(sc, path, errs);
        String procMount = Trees.str(sc, "procMount");
        if (!procMount.isEmpty() && !PROC_MOUNT_TYPES.contains(procMount)) {
            errs.notSupported(path + ".procMount", procMount, PROC_MOUNT_TYPES);
        }
        if (sc.path("allowPrivilegeEscalation").isBoolean() && !sc.path("allowPrivilegeEscalation").asBoolean()) {
            if (sc.path("privileged").asBoolean(false)) {
                errs.invalid(path, new FieldErrors.Raw(sc.toString()),
                        "cannot set `allowPrivilegeEscalation` to false and `privileged` to true");
            }
            for (JsonNode cap : sc.path("capabilities").path("add")) {
                if (cap.asText().equals("CAP_SYS_ADMIN")) {
                    errs.invalid(path, new FieldErrors.Raw(sc.toString()),
                            "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN");
                }
            }
        }
        profile(Trees.obj(sc, "seccompProfile"), path + ".seccompProfile", "seccomp", errs);
        profile(Trees.obj(sc, "appArmorProfile"), path + ".appArmorProfile", "AppArmor", errs);
    }

    private static void ids(ObjectNode sc, String path, FieldErrors errs) {
        for (String field : List.of("runAsUser", "runAsGroup")) {
            Long id = Trees.longOrNull(sc, field);
            if (id != null) {
                range(path + "." + field, id, errs);
            }
        }
    }

    private static void range(String path, long id, FieldErrors errs) {
        if (id < 0 || id > MAX_ID) {
            errs.invalid(path, id, "must be between 0 and " + MAX_ID + ", inclusive");
        }
    }

    /** A {@code seccompProfile} or {@code appArmorProfile} ({@code kind} {@code seccomp} or {@code AppArmor}). */
    private static void profile(ObjectNode profile, String path, String kind, FieldErrors errs) {
        if (profile == null) {
            return;
        }
        String type = Trees.str(profile, "type");
        if (type.isEmpty()) {
            errs.required(path + ".type", "");
            return;
        }
        if (!PROFILE_TYPES.contains(type)) {
            errs.notSupported(path + ".type", type, PROFILE_TYPES);
            return;
        }
        localhostProfile(type, profile.has("localhostProfile"), Trees.str(profile, "localhostProfile"), path, kind,
                errs);
    }

    private static void localhostProfile(String type, boolean set, String localhost, String path, String kind,
            FieldErrors errs) {
        if (type.equals("Localhost")) {
            if (localhost.isEmpty()) {
                errs.required(path + ".localhostProfile", "must be set when " + kind + " type is Localhost");
            } else if (kind.equals("seccomp")) {
                if (localhost.startsWith("/")) {
                    errs.invalid(path + ".localhostProfile", localhost, "must be a relative path");
                }
                for (String part : localhost.split("[/\\\\]")) {
                    if (part.equals("..")) {
                        errs.invalid(path + ".localhostProfile", localhost, "must not contain '..'");
                        break;
                    }
                }
            }
        } else if (set) {
            errs.invalid(path + ".localhostProfile", localhost, "can only be set when " + kind + " type is Localhost");
        }
    }

    /** Upstream's {@code validateSysctls} with {@code ValidateHostSysctl}. */
    private static void sysctls(List<ObjectNode> sysctls, String path, boolean hostNetwork, boolean hostIpc,
            FieldErrors errs) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < sysctls.size(); i++) {
            String name = Trees.str(sysctls.get(i), "name");
            String idx = path + "[" + i + "].name";
            if (name.isEmpty()) {
                errs.required(idx, "");
            } else if (name.length() > SYSCTL_MAX_LENGTH || !name.matches(SYSCTL_REGEX.substring(1, SYSCTL_REGEX.length() - 1))) {
                errs.invalid(idx, name, "must have at most " + SYSCTL_MAX_LENGTH + " characters and match regex "
                        + SYSCTL_REGEX);
            } else if (names.contains(name)) {
                errs.duplicate(idx, name);
            }
            String dotted = name.indexOf('/') >= 0 && (name.indexOf('.') < 0 || name.indexOf('/') < name.indexOf('.'))
                    ? swapSeparators(name) : name;
            if (hostNetwork && dotted.startsWith("net.")) {
                errs.invalid(idx, name, "may not be specified when 'hostNetwork' is true");
            } else if (hostIpc && (dotted.equals("kernel.sem") || dotted.startsWith("kernel.shm")
                    || dotted.startsWith("kernel.msg") || dotted.startsWith("fs.mqueue."))) {
                errs.invalid(idx, name, "may not be specified when 'hostIPC' is true");
            }
            names.add(name);
        }
    }

    private static String swapSeparators(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (char ch : name.toCharArray()) {
            out.append(ch == '.' ? '/' : ch == '/' ? '.' : ch);
        }
        return out.toString();
    }

    /**
     * What this node cannot give, refused at create time with the field that asks for it: user namespaces
     * ({@code hostUsers: false}, {@code procMount: Unmasked}), AppArmor profiles (fields and the beta annotations)
     * on a host without AppArmor and a runtime-default AppArmor profile everywhere (j8s loads none), SELinux
     * options.
     */
    static void unsupported(ObjectNode pod, HostFeatures host, FieldErrors errs) {
        ObjectNode spec = Trees.obj(pod, "spec");
        if (spec == null) {
            return;
        }
        if (spec.path("hostUsers").isBoolean() && !spec.path("hostUsers").asBoolean() && !host.userNamespaces()) {
            errs.forbidden("spec.hostUsers", NO_USER_NAMESPACES);
        }
        ObjectNode psc = Trees.obj(spec, "securityContext");
        if (psc != null) {
            appArmorOnHost(Trees.obj(psc, "appArmorProfile"), "spec.securityContext.appArmorProfile", host, errs);
            seLinux(Trees.obj(psc, "seLinuxOptions"), "spec.securityContext.seLinuxOptions", host, errs);
        }
        for (String list : List.of("initContainers", "containers")) {
            List<ObjectNode> containers = Trees.objects(spec, list);
            for (int i = 0; i < containers.size(); i++) {
                ObjectNode sc = Trees.obj(containers.get(i), "securityContext");
                String path = "spec." + list + "[" + i + "].securityContext";
                if (sc == null) {
                    continue;
                }
                if (Trees.str(sc, "procMount").equals("Unmasked") && !host.userNamespaces()) {
                    errs.forbidden(path + ".procMount", "an unmasked /proc needs a user namespace: "
                            + NO_USER_NAMESPACES);
                }
                appArmorOnHost(Trees.obj(sc, "appArmorProfile"), path + ".appArmorProfile", host, errs);
                seLinux(Trees.obj(sc, "seLinuxOptions"), path + ".seLinuxOptions", host, errs);
            }
        }
        Map<String, String> annotations = Trees.stringMap(Trees.obj(pod, "metadata"), "annotations");
        for (var a : annotations.entrySet()) {
            if (a.getKey().startsWith(APPARMOR_ANNOTATION_PREFIX) && !a.getValue().equals("unconfined")) {
                if (!host.appArmor()) {
                    errs.forbidden("metadata.annotations[" + a.getKey() + "]", NO_APPARMOR);
                } else if (!a.getValue().startsWith("localhost/")) {
                    errs.forbidden("metadata.annotations[" + a.getKey() + "]",
                            "j8s loads no runtime default AppArmor profile: use a localhost/ profile");
                }
            }
        }
    }

    private static void appArmorOnHost(ObjectNode profile, String path, HostFeatures host, FieldErrors errs) {
        String type = profile == null ? "" : Trees.str(profile, "type");
        if (type.isEmpty() || type.equals("Unconfined")) {
            return;
        }
        if (!host.appArmor()) {
            errs.forbidden(path + ".type", NO_APPARMOR);
        } else if (type.equals("RuntimeDefault")) {
            errs.forbidden(path + ".type", "j8s loads no runtime default AppArmor profile: use type Localhost");
        }
    }

    private static void seLinux(ObjectNode options, String path, HostFeatures host, FieldErrors errs) {
        if (options == null || options.isEmpty()) {
            return;
        }
        errs.forbidden(path, host.seLinux() ? "j8s does not apply SELinux labels to containers" : NO_SELINUX);
    }
}
