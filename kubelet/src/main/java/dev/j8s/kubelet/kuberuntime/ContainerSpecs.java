package dev.j8s.kubelet.kuberuntime;

import dev.j8s.kubelet.container.ConfigException;
import dev.j8s.kubelet.envvars.Expansion;
import dev.j8s.kubelet.format.PodDescription;
import dev.j8s.oci.manifest.ImageConfig;
import dev.j8s.runtime.ContainerConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The parts of a runtime container config that come from the pod spec and the image: argv (upstream
 * {@code ExpandContainerCommandAndArgs} and the runtime's entrypoint rules), environment, working dir,
 * user and limits; stateless and thread-safe.
 */
public final class ContainerSpecs {

    private ContainerSpecs() {}

    /**
     * The argv: k8s {@code command} replaces the image Entrypoint and {@code args} replace its Cmd; with
     * only args given, Entrypoint + args; {@code $(VAR)} references expanded from {@code env}, the kubelet's
     * variables (upstream {@code ExpandContainerCommandAndArgs}: the image's {@code Env} is not among them).
     */
    public static List<String> argv(Container c, ImageConfig image, Map<String, String> env) {
        List<String> command = c.getCommand() == null ? List.of() : c.getCommand();
        List<String> args = c.getArgs() == null ? List.of() : c.getArgs();
        List<String> argv = new ArrayList<>();
        if (!command.isEmpty()) {
            command.forEach(s -> argv.add(Expansion.expand(s, env)));
            args.forEach(s -> argv.add(Expansion.expand(s, env)));
        } else {
            argv.addAll(image.entrypoint());
            if (!args.isEmpty()) {
                args.forEach(s -> argv.add(Expansion.expand(s, env)));
            } else {
                argv.addAll(image.cmd());
            }
        }
        if (argv.isEmpty()) {
            throw new ConfigException("no command specified");
        }
        return argv;
    }

    /**
     * The process environment as the runtime merges it (containerd's CRI): the image's {@code Env}, then the
     * kubelet's variables, a name given in both taking the kubelet's value.
     */
    public static Map<String, String> env(ImageConfig image, Map<String, String> kubeletEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : image.env()) {
            int eq = e.indexOf('=');
            if (eq > 0) {
                env.put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        env.putAll(kubeletEnv);
        return env;
    }

    public static String workingDir(Container c, ImageConfig image) {
        if (c.getWorkingDir() != null && !c.getWorkingDir().isEmpty()) {
            return c.getWorkingDir();
        }
        return image.workingDir().isEmpty() ? "/" : image.workingDir();
    }

    /**
     * The user the runtime resolves in the image's rootfs, as upstream's kubelet and CRI runtimes choose it:
     * the effective {@code runAsUser} (container, else pod), else the image's {@code User} ({@code user},
     * {@code user:group}, {@code uid:group}, {@code user:gid}, numeric forms); the effective {@code runAsGroup}
     * replaces the group; the pod's {@code supplementalGroups} are added to the user's {@code /etc/group}
     * memberships. Names are looked up by the runtime ({@code CreateContainerError} when missing).
     *
     * <p>With {@code runAsUser} set the image's group is not used (the CRI passes only the uid on); without
     * it the image's group is kept, as Docker and runc read {@code User}.
     *
     * @throws ConfigException for upstream's {@code runAsNonRoot} refusals ({@code CreateContainerConfigError})
     */
    public static ContainerConfig.User user(Pod pod, Container c, ImageConfig image) {
        SecurityContext sc = c.getSecurityContext();
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        Long uid = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser()
                : psc != null ? psc.getRunAsUser() : null;
        Long gid = sc != null && sc.getRunAsGroup() != null ? sc.getRunAsGroup()
                : psc != null ? psc.getRunAsGroup() : null;
        List<Long> groups = new ArrayList<>(psc != null && psc.getSupplementalGroups() != null
                ? psc.getSupplementalGroups() : List.of());
        if (psc != null && psc.getFsGroup() != null && !groups.contains(psc.getFsGroup())) {
            groups.add(psc.getFsGroup()); // the volumes' group (upstream adds fsGroup to the supplementary groups)
        }
        verifyRunAsNonRoot(pod, c, image);
        ContainerConfig.Lookup lookup = uid != null
                ? new ContainerConfig.Lookup(Long.toString(uid), Optional.empty())
                : ContainerConfig.Lookup.parse(image.user());
        Optional<String> group = gid != null ? Optional.of(Long.toString(gid)) : lookup.group();
        return ContainerConfig.User.lookup(lookup.user(), group, groups);
    }

    /**
     * Upstream {@code verifyRunAsNonRoot} ({@code kuberuntime_container_linux.go}): with an effective
     * {@code runAsNonRoot: true}, refuses a {@code runAsUser} of 0, an image user that is root (numeric 0 or
     * unset) and an image user that is a name, which cannot be checked before it is resolved.
     */
    static void verifyRunAsNonRoot(Pod pod, Container c, ImageConfig image) {
        SecurityContext sc = c.getSecurityContext();
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        Boolean nonRoot = sc != null && sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot()
                : psc != null ? psc.getRunAsNonRoot() : null;
        if (nonRoot == null || !nonRoot) {
            return;
        }
        Long runAsUser = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser()
                : psc != null ? psc.getRunAsUser() : null;
        String where = " (pod: \"" + PodDescription.of(pod) + "\", container: " + c.getName() + ")";
        if (runAsUser != null) {
            if (runAsUser == 0) {
                throw new ConfigException("container's runAsUser breaks non-root policy" + where);
            }
            return;
        }
        // the CRI's image status: the part before ':' is a uid when numeric, else a user name; unset is root
        String imageUser = image.user();
        int colon = imageUser.indexOf(':');
        String user = colon < 0 ? imageUser : imageUser.substring(0, colon);
        if (user.isEmpty() || user.matches("0+")) {
            throw new ConfigException("container has runAsNonRoot and image will run as root" + where);
        }
        if (!user.matches("[0-9]+")) {
            throw new ConfigException("container has runAsNonRoot and image has non-numeric user (" + user
                    + "), cannot verify user is non-root" + where);
        }
    }

    /**
     * The container's {@code stdin}, {@code stdinOnce} and {@code tty}, which the runtime honours at creation (a stdin
     * kept open for attaches, closed after the first attach when {@code stdinOnce}; a terminal), as the CRI's
     * {@code ContainerConfig} carries them.
     */
    public static ContainerConfig.Stdio stdio(Container c) {
        return new ContainerConfig.Stdio(Boolean.TRUE.equals(c.getStdin()), Boolean.TRUE.equals(c.getStdinOnce()),
                Boolean.TRUE.equals(c.getTty()));
    }

    /**
     * The container's privileges as upstream's kubelet hands them to the CRI ({@code determineEffectiveSecurityContext}
     * and {@code convertToRuntimeSecurityContext}): {@code privileged} and {@code capabilities} of the container;
     * no_new_privs only when the container says {@code allowPrivilegeEscalation: false}; the container's
     * {@code seccompProfile}, else the pod's, else {@code RuntimeDefault} when the node defaults to it
     * ({@code --seccomp-default}) and {@code Unconfined} otherwise; a {@code Localhost} profile is a file under the
     * node's seccomp profile root; an AppArmor {@code Localhost} profile by its name (admission refuses the others).
     */
    public static ContainerConfig.Security security(Pod pod, Container c, SeccompSettings seccomp) {
        SecurityContext sc = c.getSecurityContext();
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        boolean privileged = sc != null && Boolean.TRUE.equals(sc.getPrivileged());
        List<String> add = sc != null && sc.getCapabilities() != null && sc.getCapabilities().getAdd() != null
                ? sc.getCapabilities().getAdd() : List.of();
        List<String> drop = sc != null && sc.getCapabilities() != null && sc.getCapabilities().getDrop() != null
                ? sc.getCapabilities().getDrop() : List.of();
        boolean noNewPrivileges = sc != null && Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation());
        io.fabric8.kubernetes.api.model.SeccompProfile profile = sc != null && sc.getSeccompProfile() != null
                ? sc.getSeccompProfile() : psc != null ? psc.getSeccompProfile() : null;
        ContainerConfig.Seccomp filter;
        String type = profile == null || profile.getType() == null ? "" : profile.getType();
        switch (type) {
            case "RuntimeDefault" -> filter = new ContainerConfig.Seccomp.RuntimeDefault();
            case "Unconfined" -> filter = new ContainerConfig.Seccomp.Unconfined();
            case "Localhost" -> {
                String name = profile.getLocalhostProfile() == null ? "" : profile.getLocalhostProfile();
                java.nio.file.Path file = seccomp.profileRoot().resolve(name).normalize();
                if (name.isEmpty() || !file.startsWith(seccomp.profileRoot())) {
                    throw new ConfigException("localhostProfile " + name + " must be a relative path under "
                            + seccomp.profileRoot());
                }
                filter = new ContainerConfig.Seccomp.Localhost(file);
            }
            default -> filter = seccomp.runtimeDefault() ? new ContainerConfig.Seccomp.RuntimeDefault()
                    : new ContainerConfig.Seccomp.Unconfined();
        }
        io.fabric8.kubernetes.api.model.AppArmorProfile apparmor = sc != null && sc.getAppArmorProfile() != null
                ? sc.getAppArmorProfile() : psc != null ? psc.getAppArmorProfile() : null;
        Optional<String> apparmorProfile = apparmor != null && "Localhost".equals(apparmor.getType())
                ? Optional.ofNullable(apparmor.getLocalhostProfile()) : Optional.empty();
        return new ContainerConfig.Security(privileged, add, drop, noNewPrivileges, filter, apparmorProfile);
    }

    /** {@code readOnlyRootFilesystem} of the container. */
    public static boolean readOnlyRootfs(Container c) {
        return c.getSecurityContext() != null && Boolean.TRUE.equals(c.getSecurityContext().getReadOnlyRootFilesystem());
    }

    /**
     * The node's seccomp settings: whether containers without a profile get {@code RuntimeDefault} (the kubelet's
     * {@code --seccomp-default}) and where {@code Localhost} profiles are ({@code <data-dir>/seccomp}).
     */
    public record SeccompSettings(boolean runtimeDefault, java.nio.file.Path profileRoot) {
        public SeccompSettings {
            profileRoot = profileRoot.toAbsolutePath().normalize();
        }
    }

    /** CPU and memory limits as cgroup settings (CPU request as shares). */
    public static ContainerConfig.Resources resources(Container c) {
        if (c.getResources() == null) {
            return ContainerConfig.Resources.NONE;
        }
        Map<String, Quantity> limits = c.getResources().getLimits() == null ? Map.of() : c.getResources().getLimits();
        Map<String, Quantity> requests = c.getResources().getRequests() == null ? Map.of() : c.getResources().getRequests();
        OptionalLong memory = Optional.ofNullable(limits.get("memory"))
                .map(q -> OptionalLong.of(Quantity.getAmountInBytes(q).longValue())).orElse(OptionalLong.empty());
        OptionalLong quota = OptionalLong.empty();
        OptionalLong period = OptionalLong.empty();
        if (limits.containsKey("cpu")) {
            long millis = millis(limits.get("cpu"));
            quota = OptionalLong.of(Math.max(1000, millis * 100));
            period = OptionalLong.of(100_000);
        }
        OptionalLong shares = OptionalLong.empty();
        Quantity cpuRequest = requests.getOrDefault("cpu", limits.get("cpu"));
        if (cpuRequest != null) {
            shares = OptionalLong.of(Math.max(2, millis(cpuRequest) * 1024 / 1000));
        }
        return new ContainerConfig.Resources(shares, quota, period, memory, OptionalLong.empty());
    }

    private static long millis(Quantity q) {
        return Quantity.getAmountInBytes(q).multiply(BigDecimal.valueOf(1000)).longValue();
    }
}
