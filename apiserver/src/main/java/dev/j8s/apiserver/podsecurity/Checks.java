package dev.j8s.apiserver.podsecurity;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The Pod Security Standards checks (upstream {@code policy/check_*.go}) over a pod's metadata and spec as JSON,
 * with upstream's reasons and details; stateless and thread-safe.
 *
 * <p>{@link #ALL} holds them in upstream's order (by check ID). A baseline evaluation runs the baseline checks; a
 * restricted one runs the baseline checks a restricted check does not replace, then the restricted checks.
 */
public final class Checks {

    /** A failed check: {@code reason (detail)} in the aggregate message. */
    public record Violation(String reason, String detail) {
        @Override
        public String toString() {
            return detail.isEmpty() ? reason : reason + " (" + detail + ")";
        }
    }

    /**
     * One check.
     *
     * @param id upstream's check ID
     * @param level the level it belongs to
     * @param replaces the baseline check a restricted check supersedes, or empty
     * @param check the check for a policy version: empty list entries mean allowed
     */
    record Check(String id, Policy.Level level, String replaces,
            TriFunction<JsonNode, JsonNode, Policy.Version, List<Violation>> check) {}

    @FunctionalInterface
    interface TriFunction<A, B, C, R> {
        R apply(A a, B b, C c);
    }

    static final Set<String> CAPABILITIES_BASELINE = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID",
            "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
    static final Set<String> SELINUX_TYPES = Set.of("", "container_t", "container_init_t", "container_kvm_t");
    static final Set<String> RESTRICTED_VOLUME_TYPES_ALLOWED = Set.of("configMap", "csi", "downwardAPI", "emptyDir",
            "ephemeral", "persistentVolumeClaim", "projected", "secret");
    static final List<String> SYSCTLS_1_0 = List.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start");

    static final List<Check> ALL = List.of(
            new Check("allowPrivilegeEscalation", Policy.Level.RESTRICTED, "", since(8, Checks::allowPrivilegeEscalation)),
            new Check("appArmorProfile", Policy.Level.BASELINE, "", (m, s, v) -> appArmor(m, s)),
            new Check("capabilities_baseline", Policy.Level.BASELINE, "", (m, s, v) -> capabilitiesBaseline(s)),
            new Check("capabilities_restricted", Policy.Level.RESTRICTED, "capabilities_baseline",
                    (m, s, v) -> v.atLeast(22) ? capabilitiesRestricted(s) : capabilitiesBaseline(s)),
            new Check("hostNamespaces", Policy.Level.BASELINE, "", (m, s, v) -> hostNamespaces(s)),
            new Check("hostPathVolumes", Policy.Level.BASELINE, "", (m, s, v) -> hostPathVolumes(s)),
            new Check("hostPorts", Policy.Level.BASELINE, "", (m, s, v) -> hostPorts(s)),
            new Check("privileged", Policy.Level.BASELINE, "", (m, s, v) -> privileged(s)),
            new Check("procMount", Policy.Level.BASELINE, "", (m, s, v) -> procMount(s)),
            new Check("restrictedVolumes", Policy.Level.RESTRICTED, "hostPathVolumes", (m, s, v) -> restrictedVolumes(s)),
            new Check("runAsNonRoot", Policy.Level.RESTRICTED, "", (m, s, v) -> runAsNonRoot(s)),
            new Check("runAsUser", Policy.Level.RESTRICTED, "", since(23, Checks::runAsUser)),
            new Check("seLinuxOptions", Policy.Level.BASELINE, "", (m, s, v) -> seLinuxOptions(s)),
            new Check("seccompProfile_baseline", Policy.Level.BASELINE, "",
                    (m, s, v) -> v.atLeast(19) ? seccompBaseline(s) : seccompAnnotations(m, s)),
            new Check("seccompProfile_restricted", Policy.Level.RESTRICTED, "seccompProfile_baseline",
                    (m, s, v) -> v.atLeast(19) ? seccompRestricted(s) : seccompAnnotations(m, s)),
            new Check("sysctls", Policy.Level.BASELINE, "", (m, s, v) -> sysctls(s, v)),
            new Check("windowsHostProcess", Policy.Level.BASELINE, "", (m, s, v) -> windowsHostProcess(s)));

    private Checks() {}

    /**
     * The violations of {@code levelVersion} by a pod (or a pod template) with {@code metadata} and {@code spec}, in
     * upstream's order; empty when it is allowed.
     */
    public static List<Violation> evaluate(Policy.LevelVersion levelVersion, JsonNode metadata, JsonNode spec) {
        if (levelVersion.level() == Policy.Level.PRIVILEGED) {
            return List.of();
        }
        Policy.Version version = levelVersion.version();
        List<Violation> out = new ArrayList<>();
        boolean restricted = levelVersion.level() == Policy.Level.RESTRICTED;
        Set<String> replaced = restricted
                ? ALL.stream().map(Check::replaces).filter(r -> !r.isEmpty()).collect(Collectors.toSet()) : Set.of();
        for (Check c : ALL) {
            if (c.level() == Policy.Level.BASELINE && !replaced.contains(c.id())) {
                out.addAll(c.check().apply(metadata, spec, version));
            }
        }
        if (restricted) {
            for (Check c : ALL) {
                if (c.level() == Policy.Level.RESTRICTED) {
                    out.addAll(c.check().apply(metadata, spec, version));
                }
            }
        }
        return out;
    }

    /** Upstream's {@code ForbiddenDetail} of an aggregate result: {@code reason (detail), reason (detail)}. */
    public static String describe(List<Violation> violations) {
        return violations.stream().map(Violation::toString).collect(Collectors.joining(", "));
    }

    /** A check that applies from policy version {@code v1.<minor>} on. */
    private static TriFunction<JsonNode, JsonNode, Policy.Version, List<Violation>> since(int minor,
            java.util.function.Function<JsonNode, List<Violation>> check) {
        return (m, s, v) -> v.atLeast(minor) ? check.apply(s) : List.of();
    }

    // ---- the checks ------------------------------------------------------------------------------

    static List<Violation> allowPrivilegeEscalation(JsonNode spec) {
        if (windows(spec)) {
            return List.of();
        }
        List<String> bad = containerNames(spec, c -> {
            JsonNode ape = c.path("securityContext").path("allowPrivilegeEscalation");
            return !ape.isBoolean() || ape.asBoolean();
        });
        return bad.isEmpty() ? List.of() : List.of(new Violation("allowPrivilegeEscalation != false",
                containers(bad) + " must set securityContext.allowPrivilegeEscalation=false"));
    }

    static List<Violation> appArmor(JsonNode metadata, JsonNode spec) {
        TreeSet<String> badValues = new TreeSet<>();
        List<String> setters = profileSetters(spec, "appArmorProfile", Checks::allowedAppArmorType, badValues);
        List<String> values = new ArrayList<>(badValues);
        TreeSet<String> annotations = new TreeSet<>();
        metadata.path("annotations").properties().forEach(e -> {
            String value = e.getValue().asText();
            if (e.getKey().startsWith("container.apparmor.security.beta.kubernetes.io/") && !value.isEmpty()
                    && !value.equals("runtime/default") && !value.startsWith("localhost/")) {
                annotations.add(e.getKey() + "=" + quote(value));
            }
        });
        if (!annotations.isEmpty()) {
            values.addAll(annotations);
            setters.add(annotations.size() == 1 ? "annotation" : "annotations");
        }
        if (setters.isEmpty()) {
            return List.of();
        }
        return List.of(new Violation("forbidden AppArmor profile" + (values.size() == 1 ? "" : "s"),
                String.join(" and ", setters) + " must not set AppArmor profile type to " + joinQuote(values)));
    }

    /**
     * Who sets profile {@code field} ({@code appArmorProfile}, {@code seccompProfile}) to a type {@code allowed}
     * refuses: {@code pod} and/or the containers' phrase; the types refused go to {@code badValues}.
     */
    private static List<String> profileSetters(JsonNode spec, String field, Predicate<String> allowed,
            TreeSet<String> badValues) {
        List<String> setters = new ArrayList<>();
        JsonNode pod = spec.path("securityContext").path(field);
        if (pod.isObject() && !allowed.test(pod.path("type").asText())) {
            setters.add("pod");
            badValues.add(pod.path("type").asText());
        }
        List<String> bad = containerNames(spec, c -> {
            JsonNode p = c.path("securityContext").path(field);
            if (p.isObject() && !allowed.test(p.path("type").asText())) {
                badValues.add(p.path("type").asText());
                return true;
            }
            return false;
        });
        if (!bad.isEmpty()) {
            setters.add(containers(bad));
        }
        return setters;
    }

    private static boolean allowedAppArmorType(String type) {
        return type.equals("RuntimeDefault") || type.equals("Localhost");
    }

    static List<Violation> capabilitiesBaseline(JsonNode spec) {
        TreeSet<String> nonDefault = new TreeSet<>();
        List<String> bad = containerNames(spec, c -> {
            boolean valid = true;
            for (JsonNode cap : c.path("securityContext").path("capabilities").path("add")) {
                if (!CAPABILITIES_BASELINE.contains(cap.asText())) {
                    valid = false;
                    nonDefault.add(cap.asText());
                }
            }
            return !valid;
        });
        return bad.isEmpty() ? List.of() : List.of(new Violation("non-default capabilities", containers(bad)
                + " must not include " + joinQuote(List.copyOf(nonDefault)) + " in securityContext.capabilities.add"));
    }

    static List<Violation> capabilitiesRestricted(JsonNode spec) {
        if (windows(spec)) {
            return List.of();
        }
        List<String> missingDropAll = new ArrayList<>();
        List<String> adding = new ArrayList<>();
        TreeSet<String> forbidden = new TreeSet<>();
        forEachContainer(spec, c -> {
            JsonNode caps = c.path("securityContext").path("capabilities");
            String name = c.path("name").asText();
            if (!caps.isObject()) {
                missingDropAll.add(name);
                return;
            }
            boolean droppedAll = false;
            for (JsonNode d : caps.path("drop")) {
                droppedAll |= d.asText().equals("ALL");
            }
            if (!droppedAll) {
                missingDropAll.add(name);
            }
            boolean addedForbidden = false;
            for (JsonNode a : caps.path("add")) {
                if (!a.asText().equals("NET_BIND_SERVICE")) {
                    addedForbidden = true;
                    forbidden.add(a.asText());
                }
            }
            if (addedForbidden) {
                adding.add(name);
            }
        });
        List<String> details = new ArrayList<>();
        if (!missingDropAll.isEmpty()) {
            details.add(containers(missingDropAll) + " must set securityContext.capabilities.drop=[\"ALL\"]");
        }
        if (!adding.isEmpty()) {
            details.add(containers(adding) + " must not include " + joinQuote(List.copyOf(forbidden))
                    + " in securityContext.capabilities.add");
        }
        return details.isEmpty() ? List.of() : List.of(new Violation("unrestricted capabilities",
                String.join("; ", details)));
    }

    static List<Violation> hostNamespaces(JsonNode spec) {
        List<String> namespaces = new ArrayList<>();
        if (spec.path("hostIPC").asBoolean(false)) {
            namespaces.add("hostIPC=true");
        }
        if (spec.path("hostNetwork").asBoolean(false)) {
            namespaces.add("hostNetwork=true");
        }
        if (spec.path("hostPID").asBoolean(false)) {
            namespaces.add("hostPID=true");
        }
        return namespaces.isEmpty() ? List.of() : List.of(new Violation("host namespaces", String.join(", ", namespaces)));
    }

    static List<Violation> hostPathVolumes(JsonNode spec) {
        List<String> names = new ArrayList<>();
        for (JsonNode v : spec.path("volumes")) {
            if (v.path("hostPath").isObject()) {
                names.add(v.path("name").asText());
            }
        }
        return names.isEmpty() ? List.of() : List.of(new Violation("hostPath volumes",
                plural("volume", names.size()) + " " + joinQuote(names)));
    }

    static List<Violation> hostPorts(JsonNode spec) {
        TreeSet<String> ports = new TreeSet<>();
        List<String> bad = containerNames(spec, c -> {
            boolean valid = true;
            for (JsonNode p : c.path("ports")) {
                long hostPort = p.path("hostPort").asLong(0);
                if (hostPort != 0) {
                    valid = false;
                    ports.add(Long.toString(hostPort));
                }
            }
            return !valid;
        });
        return bad.isEmpty() ? List.of() : List.of(new Violation("hostPort", containers(bad) + " "
                + (bad.size() == 1 ? "uses" : "use") + " " + plural("hostPort", ports.size()) + " "
                + String.join(", ", ports)));
    }

    static List<Violation> privileged(JsonNode spec) {
        List<String> bad = containerNames(spec, c -> c.path("securityContext").path("privileged").asBoolean(false));
        return bad.isEmpty() ? List.of() : List.of(new Violation("privileged",
                containers(bad) + " must not set securityContext.privileged=true"));
    }

    static List<Violation> procMount(JsonNode spec) {
        TreeSet<String> types = new TreeSet<>();
        List<String> bad = containerNames(spec, c -> {
            JsonNode pm = c.path("securityContext").path("procMount");
            if (pm.isTextual() && !pm.asText().equals("Default")) {
                types.add(pm.asText());
                return true;
            }
            return false;
        });
        return bad.isEmpty() ? List.of() : List.of(new Violation("procMount", containers(bad)
                + " must not set securityContext.procMount to " + joinQuote(List.copyOf(types))));
    }

    static List<Violation> restrictedVolumes(JsonNode spec) {
        List<String> badVolumes = new ArrayList<>();
        TreeSet<String> badTypes = new TreeSet<>();
        for (JsonNode v : spec.path("volumes")) {
            String type = v.properties().stream().map(java.util.Map.Entry::getKey)
                    .filter(k -> !k.equals("name")).findFirst().orElse("");
            if (!RESTRICTED_VOLUME_TYPES_ALLOWED.contains(type)) {
                badVolumes.add(v.path("name").asText());
                badTypes.add(type);
            }
        }
        return badVolumes.isEmpty() ? List.of() : List.of(new Violation("restricted volume types",
                plural("volume", badVolumes.size()) + " " + joinQuote(badVolumes) + " "
                        + (badVolumes.size() == 1 ? "uses" : "use") + " "
                        + plural("restricted volume type", badTypes.size()) + " " + joinQuote(List.copyOf(badTypes))));
    }

    static List<Violation> runAsNonRoot(JsonNode spec) {
        List<String> setters = new ArrayList<>();
        boolean podNonRoot = false;
        JsonNode pod = spec.path("securityContext").path("runAsNonRoot");
        if (pod.isBoolean()) {
            if (!pod.asBoolean()) {
                setters.add("pod");
            } else {
                podNonRoot = true;
            }
        }
        List<String> explicit = new ArrayList<>();
        List<String> implicit = new ArrayList<>();
        boolean podSet = podNonRoot;
        forEachContainer(spec, c -> {
            JsonNode nonRoot = c.path("securityContext").path("runAsNonRoot");
            if (nonRoot.isBoolean()) {
                if (!nonRoot.asBoolean()) {
                    explicit.add(c.path("name").asText());
                }
            } else if (!podSet) {
                implicit.add(c.path("name").asText());
            }
        });
        if (!explicit.isEmpty()) {
            setters.add(containers(explicit));
        }
        if (!setters.isEmpty()) {
            return List.of(new Violation("runAsNonRoot != true",
                    String.join(" and ", setters) + " must not set securityContext.runAsNonRoot=false"));
        }
        if (!implicit.isEmpty()) {
            return List.of(new Violation("runAsNonRoot != true",
                    "pod or " + containers(implicit) + " must set securityContext.runAsNonRoot=true"));
        }
        return List.of();
    }

    static List<Violation> runAsUser(JsonNode spec) {
        List<String> setters = new ArrayList<>();
        JsonNode pod = spec.path("securityContext").path("runAsUser");
        if (pod.isNumber() && pod.asLong() == 0) {
            setters.add("pod");
        }
        List<String> bad = containerNames(spec, c -> {
            JsonNode u = c.path("securityContext").path("runAsUser");
            return u.isNumber() && u.asLong() == 0;
        });
        if (!bad.isEmpty()) {
            setters.add(containers(bad));
        }
        return setters.isEmpty() ? List.of() : List.of(new Violation("runAsUser=0",
                String.join(" and ", setters) + " must not set runAsUser=0"));
    }

    static List<Violation> seLinuxOptions(JsonNode spec) {
        List<String> setters = new ArrayList<>();
        TreeSet<String> badTypes = new TreeSet<>();
        boolean[] userRole = new boolean[2];
        java.util.function.Predicate<JsonNode> invalid = o -> {
            boolean valid = true;
            String type = o.path("type").asText("");
            if (!SELINUX_TYPES.contains(type)) {
                valid = false;
                badTypes.add(type);
            }
            if (!o.path("user").asText("").isEmpty()) {
                valid = false;
                userRole[0] = true;
            }
            if (!o.path("role").asText("").isEmpty()) {
                valid = false;
                userRole[1] = true;
            }
            return !valid;
        };
        JsonNode pod = spec.path("securityContext").path("seLinuxOptions");
        if (pod.isObject() && invalid.test(pod)) {
            setters.add("pod");
        }
        List<String> bad = containerNames(spec, c -> {
            JsonNode o = c.path("securityContext").path("seLinuxOptions");
            return o.isObject() && invalid.test(o);
        });
        if (!bad.isEmpty()) {
            setters.add(containers(bad));
        }
        if (setters.isEmpty()) {
            return List.of();
        }
        List<String> data = new ArrayList<>();
        if (!badTypes.isEmpty()) {
            data.add(plural("type", badTypes.size()) + " " + joinQuote(List.copyOf(badTypes)));
        }
        if (userRole[0]) {
            data.add("user may not be set");
        }
        if (userRole[1]) {
            data.add("role may not be set");
        }
        return List.of(new Violation("seLinuxOptions", String.join(" and ", setters)
                + " set forbidden securityContext.seLinuxOptions: " + String.join("; ", data)));
    }

    static List<Violation> seccompBaseline(JsonNode spec) {
        TreeSet<String> badValues = new TreeSet<>();
        List<String> setters = profileSetters(spec, "seccompProfile", Checks::validSeccomp, badValues);
        return setters.isEmpty() ? List.of() : List.of(new Violation("seccompProfile", String.join(" and ", setters)
                + " must not set securityContext.seccompProfile.type to " + joinQuote(List.copyOf(badValues))));
    }

    static List<Violation> seccompRestricted(JsonNode spec) {
        if (windows(spec)) {
            return List.of();
        }
        List<String> setters = new ArrayList<>();
        TreeSet<String> badValues = new TreeSet<>();
        boolean podSet = false;
        JsonNode pod = spec.path("securityContext").path("seccompProfile");
        if (pod.isObject()) {
            if (!validSeccomp(pod.path("type").asText())) {
                setters.add("pod");
                badValues.add(pod.path("type").asText());
            } else {
                podSet = true;
            }
        }
        List<String> explicit = new ArrayList<>();
        List<String> implicit = new ArrayList<>();
        boolean podValid = podSet;
        forEachContainer(spec, c -> {
            JsonNode p = c.path("securityContext").path("seccompProfile");
            if (p.isObject()) {
                if (!validSeccomp(p.path("type").asText())) {
                    explicit.add(c.path("name").asText());
                    badValues.add(p.path("type").asText());
                }
            } else if (!podValid) {
                implicit.add(c.path("name").asText());
            }
        });
        if (!explicit.isEmpty()) {
            setters.add(containers(explicit));
        }
        if (!setters.isEmpty()) {
            return List.of(new Violation("seccompProfile", String.join(" and ", setters)
                    + " must not set securityContext.seccompProfile.type to " + joinQuote(List.copyOf(badValues))));
        }
        if (!implicit.isEmpty()) {
            return List.of(new Violation("seccompProfile", "pod or " + containers(implicit)
                    + " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""));
        }
        return List.of();
    }

    /** Policy versions before 1.19 check the alpha seccomp annotations instead of the field. */
    static List<Violation> seccompAnnotations(JsonNode metadata, JsonNode spec) {
        TreeSet<String> forbidden = new TreeSet<>();
        JsonNode annotations = metadata.path("annotations");
        String podKey = "seccomp.security.alpha.kubernetes.io/pod";
        if (annotations.has(podKey) && !validSeccompAnnotation(annotations.path(podKey).asText())) {
            forbidden.add(podKey + "=" + quote(annotations.path(podKey).asText()));
        }
        forEachContainer(spec, c -> {
            String key = "container.seccomp.security.alpha.kubernetes.io/" + c.path("name").asText();
            if (annotations.has(key) && !validSeccompAnnotation(annotations.path(key).asText())) {
                forbidden.add(key + "=" + quote(annotations.path(key).asText()));
            }
        });
        return forbidden.isEmpty() ? List.of() : List.of(new Violation("seccompProfile", "forbidden "
                + plural("annotation", forbidden.size()) + " " + String.join(", ", forbidden)));
    }

    private static boolean validSeccomp(String type) {
        return type.equals("RuntimeDefault") || type.equals("Localhost");
    }

    private static boolean validSeccompAnnotation(String value) {
        return value.equals("runtime/default") || value.equals("docker/default") || value.startsWith("localhost/");
    }

    static List<Violation> sysctls(JsonNode spec, Policy.Version version) {
        List<String> allowed = new ArrayList<>(SYSCTLS_1_0);
        if (version.atLeast(27)) {
            allowed.add("net.ipv4.ip_local_reserved_ports");
        }
        if (version.atLeast(29)) {
            allowed.addAll(List.of("net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                    "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"));
        }
        if (version.atLeast(32)) {
            allowed.addAll(List.of("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"));
        }
        List<String> forbidden = new ArrayList<>();
        for (JsonNode s : spec.path("securityContext").path("sysctls")) {
            if (!allowed.contains(s.path("name").asText())) {
                forbidden.add(s.path("name").asText());
            }
        }
        return forbidden.isEmpty() ? List.of() : List.of(new Violation("forbidden sysctls", String.join(", ", forbidden)));
    }

    static List<Violation> windowsHostProcess(JsonNode spec) {
        List<String> setters = new ArrayList<>();
        if (spec.path("securityContext").path("windowsOptions").path("hostProcess").asBoolean(false)) {
            setters.add("pod");
        }
        List<String> bad = containerNames(spec,
                c -> c.path("securityContext").path("windowsOptions").path("hostProcess").asBoolean(false));
        if (!bad.isEmpty()) {
            setters.add(containers(bad));
        }
        return setters.isEmpty() ? List.of() : List.of(new Violation("hostProcess",
                String.join(" and ", setters) + " must not set securityContext.windowsOptions.hostProcess=true"));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** Upstream's {@code visitContainers} order: init containers, containers, ephemeral containers. */
    private static void forEachContainer(JsonNode spec, java.util.function.Consumer<JsonNode> visitor) {
        for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
            for (JsonNode c : spec.path(list)) {
                visitor.accept(c);
            }
        }
    }

    private static List<String> containerNames(JsonNode spec, java.util.function.Predicate<JsonNode> bad) {
        List<String> names = new ArrayList<>();
        forEachContainer(spec, c -> {
            if (bad.test(c)) {
                names.add(c.path("name").asText());
            }
        });
        return names;
    }

    private static boolean windows(JsonNode spec) {
        return spec.path("os").path("name").asText().equals("windows");
    }

    /** {@code container "a"} or {@code containers "a", "b"}. */
    private static String containers(List<String> names) {
        return plural("container", names.size()) + " " + joinQuote(names);
    }

    private static String plural(String singular, int count) {
        return count == 1 ? singular : singular + "s";
    }

    static String joinQuote(List<String> items) {
        return items.isEmpty() ? "" : "\"" + String.join("\", \"", items) + "\"";
    }

    /** Go's {@code %q} for the values the checks quote (printable text). */
    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
