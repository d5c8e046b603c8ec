package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each {@code securityContext} field as a real container sees it, through {@code /proc/self/status} and the
 * namespaces it is in: capabilities ({@code CapEff}), seccomp ({@code Seccomp: 2} by default as the kubelet's
 * {@code --seccomp-default} gives, {@code 0} for {@code Unconfined}, a {@code Localhost} profile from
 * {@code <data-dir>/seccomp}), {@code NoNewPrivs}, a read-only root, the host's network, PID and IPC namespaces and
 * sysctls; the fields this node cannot give refused at create time.
 */
class SecurityContextIT {

    /** The 14 capabilities of containerd's default set ({@code CapEff} of a default container). */
    static final String DEFAULT_CAP_EFF = "00000000a80425fb";

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("security-node", dataDir -> {
        try {
            Path profiles = Files.createDirectories(dataDir.resolve("seccomp/profiles"));
            // allows everything but mkdir: visible from a shell in the container
            Files.writeString(profiles.resolve("no-mkdir.json"), """
                    {"defaultAction": "SCMP_ACT_ALLOW",
                     "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
                    """);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return List.of();
    });

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    /** Runs a one-container pod to completion and returns its log; {@code securityContext} lines are indented 6. */
    static List<String> run(Kubectl kubectl, String name, String podFields, String containerFields, String script) {
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                spec:
                  restartPolicy: Never
                %s
                  containers:
                  - name: c
                    image: %s
                    command: ["sh", "-c", %s]
                %s
                """.formatted(name, podFields.indent(2).stripTrailing(), REGISTRY.image("1.0"), quote(script),
                containerFields.indent(4).stripTrailing()), "apply", "-f", "-").ok();
        Await.until(LocalRegistry.timeout(), "pod " + name + " has finished",
                () -> kubectl.run("get", "pod", name, "-o", "jsonpath={.status.phase}").ok().stdout(),
                phase -> phase.equals("Succeeded") || phase.equals("Failed"));
        List<String> log = kubectl.run("logs", name).ok().lines();
        kubectl.run("delete", "pod", name, "--grace-period=1", "--wait=true").ok();
        return log;
    }

    static String quote(String script) {
        return "\"" + script.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The value of a {@code /proc/self/status} line printed by {@link #STATUS}. */
    static String status(List<String> log, String field) {
        return log.stream().filter(l -> l.startsWith(field + ":")).map(l -> l.substring(field.length() + 1).strip())
                .findFirst().orElseThrow(() -> new AssertionError("no " + field + " in " + log));
    }

    static final String STATUS = "busybox grep -E '^(CapEff|Seccomp|NoNewPrivs):' /proc/self/status";

    @Test
    void aDefaultContainerHasTheDefaultCapabilitiesTheRuntimeDefaultSeccompAndMayGainPrivileges() {
        List<String> log = run(SERVERS.kubectl(), "plain", "", "", STATUS);

        assertThat(status(log, "CapEff")).isEqualTo(DEFAULT_CAP_EFF);
        assertThat(status(log, "Seccomp")).as("RuntimeDefault, as --seccomp-default gives").isEqualTo("2");
        assertThat(status(log, "NoNewPrivs")).isEqualTo("0");
    }

    @Test
    void capabilitiesDropAllAddNetAdminAndPrivilegedAreSeenInCapEff() throws IOException {
        Kubectl kubectl = SERVERS.kubectl();
        assertThat(status(run(kubectl, "drop-all", "", """
                securityContext:
                  capabilities:
                    drop: ["ALL"]
                """, STATUS), "CapEff")).isEqualTo("0000000000000000");
        assertThat(status(run(kubectl, "net-admin", "", """
                securityContext:
                  capabilities:
                    drop: ["ALL"]
                    add: ["NET_ADMIN"]
                """, STATUS), "CapEff")).as("CAP_NET_ADMIN is bit 12").isEqualTo("0000000000001000");
        List<String> privileged = run(kubectl, "privileged", "", """
                securityContext:
                  privileged: true
                """, STATUS + "; busybox ls /dev | busybox grep -c . ");
        assertThat(status(privileged, "CapEff")).as("every capability the node has").isEqualTo(hostCapBnd());
        assertThat(status(privileged, "Seccomp")).as("a privileged container is never filtered").isEqualTo("0");
        assertThat(Integer.parseInt(privileged.getLast().strip())).as("the host's devices")
                .isGreaterThan(10);
    }

    @Test
    void seccompUnconfinedAndALocalhostProfileApply() {
        Kubectl kubectl = SERVERS.kubectl();
        assertThat(status(run(kubectl, "unconfined", "", """
                securityContext:
                  seccompProfile:
                    type: Unconfined
                """, STATUS), "Seccomp")).isEqualTo("0");
        List<String> localhost = run(kubectl, "localhost", """
                securityContext:
                  seccompProfile:
                    type: Localhost
                    localhostProfile: profiles/no-mkdir.json
                """, "", STATUS + "; busybox mkdir /made 2>&1 || echo mkdir-refused");
        assertThat(status(localhost, "Seccomp")).isEqualTo("2");
        assertThat(localhost.getLast()).isEqualTo("mkdir-refused");
        assertThat(localhost).anyMatch(l -> l.contains("Operation not permitted"));
    }

    @Test
    void allowPrivilegeEscalationFalseSetsNoNewPrivsAndAReadOnlyRootRefusesWrites() {
        List<String> log = run(SERVERS.kubectl(), "locked", "", """
                securityContext:
                  allowPrivilegeEscalation: false
                  readOnlyRootFilesystem: true
                """, STATUS + "; echo x > /written 2>&1 || echo write-refused; echo y > /dev/shm/ok && echo shm-ok");

        assertThat(status(log, "NoNewPrivs")).isEqualTo("1");
        assertThat(log).contains("write-refused", "shm-ok");
        assertThat(log).anyMatch(l -> l.contains("Read-only file system"));
    }

    @Test
    void aHostNetworkPodSeesTheHostsInterfacesAndItsPortsMakeNoDnatRules() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        List<String> log = run(kubectl, "host-net", """
                hostNetwork: true
                """, """
                ports:
                - containerPort: 18471
                """, "busybox ip -o link | busybox awk -F': ' '{print $2}'; busybox hostname; busybox cat /etc/hosts");

        assertThat(log).as("the host's interfaces").containsAll(stableHostInterfaces());
        assertThat(log).contains(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
        assertThat(log).contains("# Kubernetes-managed hosts file (host network).");
        assertThat(PodNetworkIT.iptablesSave()).doesNotContain("--dport 18471 ");
    }

    @Test
    void aHostNetworkPodIsProbedOnTheNodesAddressFromTheHostsNetwork() throws IOException {
        Kubectl kubectl = SERVERS.kubectl();
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: host-net-probed
                spec:
                  hostNetwork: true
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: web
                    image: %s
                    command: ["sh", "-c", "busybox mkdir -p /www; echo ok > /www/index.html; exec busybox httpd -f -p %d -h /www"]
                    readinessProbe:
                      httpGet:
                        path: /index.html
                        port: %d
                      periodSeconds: 1
                    livenessProbe:
                      tcpSocket:
                        port: %d
                      periodSeconds: 1
                """.formatted(REGISTRY.image("1.0"), port, port, port), "apply", "-f", "-").ok();
        Await.until(LocalRegistry.timeout(), "host-network pod host-net-probed is Ready",
                () -> PodQueries.field(kubectl, "host-net-probed",
                        "{.status.conditions[?(@.type==\"Ready\")].status}") + "\n"
                        + kubectl.run("describe", "pod", "host-net-probed").stdout(), out -> out.startsWith("True\n"));
        String nodeIp = kubectl.run("get", "node", "-o",
                "jsonpath={.items[0].status.addresses[?(@.type==\"InternalIP\")].address}").ok().stdout();
        assertThat(PodQueries.field(kubectl, "host-net-probed", "{.status.podIP}")).isEqualTo(nodeIp);
        assertThat(PodQueries.field(kubectl, "host-net-probed", "{.status.containerStatuses[0].restartCount}"))
                .isEqualTo("0");
        kubectl.run("delete", "pod", "host-net-probed", "--wait=true").ok();
    }

    @Test
    void hostPidAndHostIpcPodsAreInTheHostsNamespaces() throws IOException {
        long serverPid = SERVERS.server().pid();
        List<String> log = run(SERVERS.kubectl(), "host-pid-ipc", """
                hostPID: true
                hostIPC: true
                """, "", "busybox tr '\\0' ' ' < /proc/" + serverPid + "/cmdline; echo; busybox readlink /proc/self/ns/ipc;"
                        + " busybox readlink /proc/self/ns/pid");

        assertThat(log.getFirst()).as("the j8s server process, seen from the pod").contains("server");
        assertThat(log).contains(Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString(),
                Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString());
    }

    @Test
    void safeSysctlsAreSetAndAnUnsafeOneRejectsThePodWithUpstreamsMessage() {
        Kubectl kubectl = SERVERS.kubectl();
        List<String> log = run(kubectl, "sysctl", """
                securityContext:
                  sysctls:
                  - name: net.ipv4.ip_unprivileged_port_start
                    value: "80"
                  - name: kernel.shm_rmid_forced
                    value: "1"
                """, "", "busybox cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shm_rmid_forced");
        assertThat(log).containsExactly("80", "1");

        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: unsafe-sysctl
                spec:
                  securityContext:
                    sysctls:
                    - name: kernel.msgmax
                      value: "65536"
                  containers:
                  - name: c
                    image: %s
                """.formatted(REGISTRY.image("1.0")), "apply", "-f", "-").ok();
        Await.until(LocalRegistry.timeout(), "pod unsafe-sysctl is rejected",
                () -> kubectl.run("get", "pod", "unsafe-sysctl", "-o",
                        "jsonpath={.status.phase}/{.status.reason}/{.status.message}").ok().stdout(),
                s -> s.startsWith("Failed"));
        assertThat(kubectl.run("get", "pod", "unsafe-sysctl", "-o",
                "jsonpath={.status.phase}/{.status.reason}/{.status.message}").ok().stdout())
                .isEqualTo("Failed/SysctlForbidden/Pod was rejected: forbidden sysctl: \"kernel.msgmax\" not allowlisted");
        assertThat(kubectl.run("get", "events", "--field-selector", "involvedObject.name=unsafe-sysctl", "-o",
                "jsonpath={range .items[*]}{.type} {.reason}: {.message}{\"\\n\"}{end}").ok().lines())
                .contains("Warning SysctlForbidden: forbidden sysctl: \"kernel.msgmax\" not allowlisted");
        kubectl.run("delete", "pod", "unsafe-sysctl", "--grace-period=1", "--wait=true").ok();
    }

    @Test
    void fieldsThisNodeCannotGiveAreRefusedAtCreateTime() {
        Kubectl.Result refused = SERVERS.kubectl().runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: refused
                spec:
                  hostUsers: false
                  containers:
                  - name: c
                    image: %s
                    securityContext:
                      procMount: Unmasked
                      appArmorProfile:
                        type: RuntimeDefault
                      seLinuxOptions:
                        level: "s0:c123,c456"
                """.formatted(REGISTRY.image("1.0")), "apply", "-f", "-").failed();

        assertThat(refused.stderr()).contains("The Pod \"refused\" is invalid:")
                .contains("spec.hostUsers: Forbidden: this node cannot run pods in user namespaces")
                .contains("spec.containers[0].securityContext.procMount: Forbidden: an unmasked /proc needs a user"
                        + " namespace")
                .contains("spec.containers[0].securityContext.appArmorProfile.type: Forbidden: Cannot enforce"
                        + " AppArmor: AppArmor is not enabled on the host")
                .contains("spec.containers[0].securityContext.seLinuxOptions: Forbidden: SELinux is not enabled on"
                        + " this node");
        assertThat(SERVERS.kubectl().run("get", "pod", "refused").failed().stderr()).contains("NotFound");
    }

    @Test
    void withSeccompDefaultFalseContainersRunUnconfined() {
        J8sServer other = SERVERS.startServer("security-node-2", dataDir -> List.of("--seccomp-default=false"));
        Kubectl kubectl = Kubectl.dispatcher(other.kubeconfig(), SERVERS.home());
        List<String> log = run(kubectl, "unfiltered", "", "", STATUS);

        assertThat(status(log, "Seccomp")).isEqualTo("0");
        assertThat(status(log, "CapEff")).isEqualTo(DEFAULT_CAP_EFF);
    }

    /** The host's interfaces that no pod or other instance adds or removes meanwhile. */
    private static List<String> stableHostInterfaces() throws IOException {
        List<String> names = new java.util.ArrayList<>();
        for (var nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            String name = nif.getName();
            if (!name.startsWith("veth") && !name.startsWith("j8s") && !name.startsWith("cni")
                    && !name.startsWith("br-") && !name.startsWith("docker")) {
                names.add(name);
            }
        }
        assertThat(names).as("the host has interfaces besides pods'").isNotEmpty();
        return names;
    }

    private static String hostCapBnd() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapBnd:"))
                .map(l -> l.substring(7).strip()).findFirst().orElseThrow();
    }
}
