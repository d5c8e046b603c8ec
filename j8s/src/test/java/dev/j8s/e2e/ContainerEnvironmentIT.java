package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A container's environment as the real kubectl sets it up and the container itself prints it: the downward
 * API, resource values with a divisor, the image's ENV overridden by the pod, {@code $(VAR)} expansion,
 * service-link variables, Secrets and ConfigMaps as env and envFrom, and a missing key giving
 * {@code CreateContainerConfigError} until it exists.
 */
class ContainerEnvironmentIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("env-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    private static String image() {
        return REGISTRY.image("1.0");
    }

    /** The {@code NAME=value} lines the container printed with {@code env}, once it printed {@code END}. */
    private static Map<String, String> printedEnv(Kubectl kubectl, String pod) {
        String out = VolumesIT.awaitLogs(kubectl, pod, "main", "END\n");
        Map<String, String> env = new TreeMap<>();
        out.lines().filter(l -> l.contains("=")).forEach(l -> env.put(l.substring(0, l.indexOf('=')),
                l.substring(l.indexOf('=') + 1)));
        return env;
    }

    @Test
    void theDownwardApiResourcesImageEnvAndExpansionAsTheContainerSeesThem() {
        Kubectl kubectl = SERVERS.kubectl();
        Path manifest = SERVERS.file("downward.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: downward
                  labels:
                    app: shop
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "busybox env; echo KERNEL_HOSTNAME=`busybox hostname`; echo 'ARG=$(POD_NAME)/$(NODE_NAME)'; echo 'ESCAPED=$$(POD_NAME)'; echo 'NOPE=$(UNDEFINED)'; echo 'IMAGE_PATH=$(PATH)'; echo END; sleep 3600"]
                    resources:
                      limits:
                        memory: 64Mi
                        cpu: 250m
                    env:
                    - name: POD_NAME
                      valueFrom: {fieldRef: {fieldPath: metadata.name}}
                    - name: POD_NAMESPACE
                      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
                    - name: POD_IP
                      valueFrom: {fieldRef: {fieldPath: status.podIP}}
                    - name: NODE_NAME
                      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
                    - name: APP
                      valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}
                    - name: MEMORY_MI
                      valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}
                    - name: CPU_MILLIS
                      valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}
                    - name: GREETING
                      value: from-pod
                    - name: COMBINED
                      value: "$(POD_NAME).$(POD_NAMESPACE) costs $$(money) and $(MISSING)"
                """.formatted(image()));
        kubectl.run("apply", "-f", manifest.toString()).ok();

        Map<String, String> env = printedEnv(kubectl, "downward");
        String podIp = VolumesIT.field(kubectl, "downward", "{.status.podIP}");
        assertThat(env).containsEntry("POD_NAME", "downward").containsEntry("POD_NAMESPACE", "default")
                .containsEntry("POD_IP", podIp).containsEntry("NODE_NAME", "env-node").containsEntry("APP", "shop")
                .containsEntry("MEMORY_MI", "64").containsEntry("CPU_MILLIS", "250")
                .containsEntry("GREETING", "from-pod").containsEntry("IMAGE_ONLY", "kept")
                .containsEntry("COMBINED", "downward.default costs $(money) and $(MISSING)")
                .containsEntry("ARG", "downward/env-node").containsEntry("ESCAPED", "$(POD_NAME)")
                .containsEntry("NOPE", "$(UNDEFINED)").containsEntry("IMAGE_PATH", "$(PATH)")
                .containsEntry("HOSTNAME", "downward").containsEntry("KERNEL_HOSTNAME", "downward");
        assertThat(podIp).matches("10\\.\\d+\\.\\d+\\.\\d+");
        kubectl.run("delete", "pod", "downward", "--wait=false").ok();
    }

    @Test
    void serviceVariablesFollowTheServicesThatExistedAtStartAndEnableServiceLinks() {
        Kubectl kubectl = SERVERS.kubectl();
        Path service = SERVERS.file("foo-svc.yaml", """
                apiVersion: v1
                kind: Service
                metadata:
                  name: foo
                spec:
                  selector: {app: foo}
                  ports:
                  - name: bar
                    port: 8080
                    targetPort: 80
                  - name: metrics-http
                    port: 9090
                    protocol: UDP
                """);
        kubectl.run("apply", "-f", service.toString()).ok();
        String ip = kubectl.run("get", "service", "foo", "-o", "jsonpath={.spec.clusterIP}").ok().stdout();
        String kubernetesIp = kubectl.run("get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}").ok()
                .stdout();
        for (String links : new String[] {"true", "false"}) {
            Path pod = SERVERS.file("links-" + links + ".yaml", """
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: links-%s
                    spec:
                      terminationGracePeriodSeconds: 1
                      enableServiceLinks: %s
                      containers:
                      - name: main
                        image: %s
                        command: ["sh", "-c", "busybox env; echo END; sleep 3600"]
                    """.formatted(links, links, image()));
            kubectl.run("apply", "-f", pod.toString()).ok();
        }

        Map<String, String> on = printedEnv(kubectl, "links-true");
        assertThat(on).containsEntry("FOO_SERVICE_HOST", ip).containsEntry("FOO_SERVICE_PORT", "8080")
                .containsEntry("FOO_SERVICE_PORT_BAR", "8080").containsEntry("FOO_SERVICE_PORT_METRICS_HTTP", "9090")
                .containsEntry("FOO_PORT", "tcp://" + ip + ":8080")
                .containsEntry("FOO_PORT_8080_TCP", "tcp://" + ip + ":8080")
                .containsEntry("FOO_PORT_8080_TCP_PROTO", "tcp").containsEntry("FOO_PORT_8080_TCP_PORT", "8080")
                .containsEntry("FOO_PORT_8080_TCP_ADDR", ip)
                .containsEntry("FOO_PORT_9090_UDP", "udp://" + ip + ":9090")
                .containsEntry("KUBERNETES_SERVICE_HOST", kubernetesIp).containsEntry("KUBERNETES_SERVICE_PORT", "443");
        Map<String, String> off = printedEnv(kubectl, "links-false");
        assertThat(off).doesNotContainKeys("FOO_SERVICE_HOST", "FOO_PORT")
                .containsEntry("KUBERNETES_SERVICE_HOST", kubernetesIp)
                .containsEntry("KUBERNETES_PORT_443_TCP", "tcp://" + kubernetesIp + ":443");
        kubectl.run("delete", "pod", "links-true", "links-false", "--wait=false").ok();
        kubectl.run("delete", "service", "foo").ok();
    }

    @Test
    void secretsAndConfigMapsAsEnvAndEnvFromAndAMissingKeyWaitsUntilItExists() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "secret", "generic", "db", "--from-literal=user=admin",
                "--from-literal=password=s3cr3t").ok();
        kubectl.run("create", "configmap", "settings", "--from-literal=mode=fast", "--from-literal=level=3").ok();
        Path manifest = SERVERS.file("sources.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: sources
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "busybox env; echo END; sleep 3600"]
                    envFrom:
                    - configMapRef: {name: settings}
                      prefix: CFG_
                    - secretRef: {name: db}
                    env:
                    - name: DB_PASSWORD
                      valueFrom: {secretKeyRef: {name: db, key: password}}
                    - name: MODE
                      valueFrom: {configMapKeyRef: {name: settings, key: mode}}
                    - name: LATE
                      valueFrom: {configMapKeyRef: {name: settings, key: late}}
                """.formatted(image()));
        kubectl.run("apply", "-f", manifest.toString()).ok();

        String waiting = Await.until(LocalRegistry.timeout(), "CreateContainerConfigError",
                () -> VolumesIT.field(kubectl, "sources",
                        "{.status.containerStatuses[0].state.waiting.reason}: {.status.containerStatuses[0].state.waiting.message}"),
                out -> out.startsWith("CreateContainerConfigError"));
        assertThat(waiting).isEqualTo("CreateContainerConfigError: couldn't find key late in ConfigMap default/settings");
        assertThat(kubectl.run("get", "pod", "sources").ok().cells().get(1).subList(0, 3))
                .containsExactly("sources", "0/1", "CreateContainerConfigError");
        assertThat(kubectl.run("describe", "pod", "sources").ok().stdout())
                .containsPattern("Warning\\s+Failed\\s+.*kubelet\\s+Error: couldn't find key late in ConfigMap default/settings");

        kubectl.run("patch", "configmap", "settings", "--type=merge", "-p", "{\"data\":{\"late\":\"now\"}}").ok();
        Map<String, String> env = printedEnv(kubectl, "sources");
        assertThat(env).containsEntry("CFG_mode", "fast").containsEntry("CFG_level", "3").containsEntry("CFG_late", "now")
                .containsEntry("user", "admin").containsEntry("password", "s3cr3t")
                .containsEntry("DB_PASSWORD", "s3cr3t").containsEntry("MODE", "fast").containsEntry("LATE", "now");
        assertThat(VolumesIT.field(kubectl, "sources", "{.status.containerStatuses[0].restartCount}")).isEqualTo("0");
        kubectl.run("delete", "pod", "sources", "--wait=false").ok();
    }

    @Test
    void hostnameSubdomainHostAliasesAndResolvConfAsTheContainerReadsThem() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        for (String fqdn : new String[] {"false", "true"}) {
            Path manifest = SERVERS.file("ident-" + fqdn + ".yaml", """
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: ident-%1$s
                    spec:
                      terminationGracePeriodSeconds: 1
                      hostname: db-0
                      subdomain: db
                      setHostnameAsFQDN: %1$s
                      hostAliases:
                      - ip: 10.1.2.3
                        hostnames: [foo.local, bar.local]
                      containers:
                      - name: main
                        image: %2$s
                        command: ["sh", "-c", "echo KERNEL=`busybox hostname`; echo ETC_HOSTNAME=`cat /etc/hostname`; cat /etc/hosts /etc/resolv.conf; echo END; sleep 3600"]
                    """.formatted(fqdn, image()));
            kubectl.run("apply", "-f", manifest.toString()).ok();
        }

        String plain = VolumesIT.awaitLogs(kubectl, "ident-false", "main", "END\n");
        String podIp = VolumesIT.field(kubectl, "ident-false", "{.status.podIP}");
        assertThat(plain).contains("KERNEL=db-0\n", "ETC_HOSTNAME=db-0\n", "# Kubernetes-managed hosts file.\n",
                "127.0.0.1\tlocalhost\n", podIp + "\tdb-0.db.default.svc.cluster.local\tdb-0\n",
                "\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n");
        // ClusterFirst: the cluster DNS only (the node's resolvers get what it does not own)
        String dnsIp = kubectl.run("get", "svc", "-n", "kube-system", "kube-dns", "-o", "jsonpath={.spec.clusterIP}")
                .ok().stdout();
        java.util.List<String> podServers = plain.lines().filter(l -> l.startsWith("nameserver ")).toList();
        assertThat(podServers).containsExactly("nameserver " + dnsIp);
        assertThat(plain).contains("search default.svc.cluster.local svc.cluster.local cluster.local",
                "options ndots:5\n");
        assertThat(kubectl.run("describe", "pod", "ident-false").ok().stdout()).doesNotContain("MissingClusterDNS");

        String full = VolumesIT.awaitLogs(kubectl, "ident-true", "main", "END\n");
        assertThat(full).contains("KERNEL=db-0.db.default.svc.cluster.local\n",
                "\tdb-0.db.default.svc.cluster.local\tdb-0\n");
        kubectl.run("delete", "pod", "ident-false", "ident-true", "--wait=false").ok();
    }
}
