package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.oci.testing.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients inside pods reach the API with their service account's mounted token and CA and nothing else: the host's
 * kubectl binary in an image built with umoci (no kubeconfig: its in-cluster configuration) and the Debian
 * {@code python3-kubernetes} client's {@code load_incluster_config} in an image built from the host's Python the
 * same way. They list pods through a {@code view} binding and are refused {@code create} with upstream's 403.
 * They find the API as every pod does, through the {@code kubernetes} service's variables: its cluster IP and port
 * 443, routed by the instance's service rules to the server's listener on the pod network's gateway, whose
 * certificate names the service IP. A token the API does not know is refused with 401.
 */
class InClusterClientsIT {

    private static final Path KUBECTL = Path.of("/usr/lib/google-cloud-sdk/bin/kubectl.1.32");
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("in-cluster-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    private static String serviceIp;

    @BeforeAll
    static void podsKnowWhereTheApiServerIs() {
        Kubectl kubectl = SERVERS.kubectl();
        SERVERS.kubectl().runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: probe
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "echo started; sleep 3600"]
                """.formatted(REGISTRY.image("1.0")), "apply", "-f", "-").ok();
        VolumesIT.awaitLogs(kubectl, "probe", "main", "started");
        serviceIp = kubectl.run("get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}").ok().stdout();
        kubectl.run("create", "serviceaccount", "lister").ok();
        kubectl.run("create", "rolebinding", "lister-view", "--clusterrole=view", "--serviceaccount=default:lister").ok();
    }

    private static String clientPod(String name, String image, String script) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                spec:
                  serviceAccountName: lister
                  restartPolicy: Never
                  containers:
                  - name: main
                    image: %s
                    env:
                    - name: CLIENT
                      value: "%s"
                    command: ["sh", "-c", %s]
                """.formatted(name, image, name, dev.j8s.apiserver.json.Json.MAPPER.valueToTree(script));
    }

    private static String awaitDone(String pod) {
        return Await.until(Duration.ofSeconds(120), pod + " finished",
                () -> SERVERS.kubectl().run("logs", pod).stdout(), out -> out.contains("done"));
    }

    @Test
    void theHostsKubectlInAPodListsPodsWithTheMountedTokenAndIsRefusedCreate() throws IOException {
        String image = pushImage("incluster-kubectl:1", List.of(KUBECTL), root -> {
            Files.copy(KUBECTL, root.resolve("bin/kubectl"), StandardCopyOption.COPY_ATTRIBUTES);
        });
        SERVERS.kubectl().runWithStdin(clientPod("kubectl-client", image,
                "echo \"service $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT\"; kubectl get pods -o name;"
                        + " kubectl create configmap nope 2>&1; kubectl --token=not-a-token get pods 2>&1; echo done"),
                "apply", "-f", "-").ok();

        String out = awaitDone("kubectl-client");
        assertThat(out).contains("service " + serviceIp + ":443");
        assertThat(out).contains("pod/probe").contains("pod/kubectl-client");
        assertThat(out).contains("error: You must be logged in to the server (Unauthorized)");
        assertThat(out).contains("error: failed to create configmap: configmaps is forbidden: User"
                + " \"system:serviceaccount:default:lister\" cannot create resource \"configmaps\" in API group \"\" in"
                + " the namespace \"default\"");
    }

    @Test
    void thePythonClientsLoadInclusterConfigListsPodsAndIsRefusedCreate() throws IOException {
        Set<Path> files = pythonFiles();
        String image = pushImage("incluster-python:1", List.copyOf(files), root -> {
            for (Path f : files) {
                Path target = root.resolve(f.toString().substring(1));
                Files.createDirectories(target.getParent());
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        });
        String program = "from kubernetes import client, config\n"
                + "config.load_incluster_config()\n"
                + "api = client.CoreV1Api()\n"
                + "print(sorted(p.metadata.name for p in api.list_namespaced_pod('default').items))\n"
                + "try:\n"
                + "    api.create_namespaced_config_map('default', client.V1ConfigMap(metadata=client.V1ObjectMeta(name='nope')))\n"
                + "except client.exceptions.ApiException as e:\n"
                + "    print(e.status, e.reason)\n"
                + "    print(e.body)\n";
        SERVERS.kubectl().runWithStdin(clientPod("python-client", image,
                "/usr/bin/python3 -c \"$PROGRAM\" 2>&1; echo done").replace("    env:\n",
                "    env:\n    - name: PROGRAM\n      value: " + dev.j8s.apiserver.json.Json.MAPPER.valueToTree(program) + "\n"),
                "apply", "-f", "-").ok();

        String out = awaitDone("python-client");
        assertThat(out).contains("'probe'").contains("'python-client'");
        assertThat(out).contains("403 Forbidden").contains("configmaps is forbidden: User"
                + " \\\"system:serviceaccount:default:lister\\\" cannot create resource \\\"configmaps\\\" in API group"
                + " \\\"\\\" in the namespace \\\"default\\\"");
    }

    /** Writes the image's root filesystem; {@code busybox}, {@code sh} and {@code ls} are always there. */
    @FunctionalInterface
    private interface RootFs {
        void fill(Path root) throws IOException;
    }

    /**
     * Builds an image of busybox and {@code content} in a temporary directory, pushes it to the test registry as
     * {@code ref} and removes the directory; the image's reference in the registry.
     */
    private static String pushImage(String ref, List<Path> needs, RootFs content) throws IOException {
        for (Path p : needs) {
            org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(p), p + " is needed for this test");
        }
        Path work = Files.createTempDirectory("j8s-e2e-image-");
        try {
            return REGISTRY.pushLayout(image(work, content), "base", ref);
        } finally {
            J8sServer.deleteRecursively(work);
        }
    }

    private static Path image(Path work, RootFs content) {
        Path layout = work.resolve("layout");
        Path bundle = work.resolve("bundle");
        Tools.run(work, "/usr/bin/umoci", "init", "--layout", layout.toString());
        Tools.run(work, "/usr/bin/umoci", "new", "--image", layout + ":base");
        Tools.run(work, "/usr/bin/umoci", "unpack", "--image", layout + ":base", bundle.toString());
        try {
            Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
            Files.copy(LocalRegistry.BUSYBOX, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
            for (String applet : List.of("sh", "ls", "echo", "cat", "sleep")) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
            content.fill(bundle.resolve("rootfs"));
        } catch (IOException e) {
            throw new UncheckedIOException("fill the image in " + bundle, e);
        }
        Tools.run(work, "/usr/bin/umoci", "repack", "--refresh-bundle", "--image", layout + ":base", bundle.toString());
        Tools.run(work, "/usr/bin/umoci", "config", "--image", layout + ":base", "--config.env", "PATH=/bin:/usr/bin",
                "--architecture", "amd64", "--os", "linux");
        return layout;
    }

    /**
     * What the host's Python needs to run the Kubernetes client: the interpreter and the shared libraries of it and
     * of every extension module it loads, the standard library (no tests or tools), and the client's packages
     * with their dependencies (those a client import and an in-cluster configuration load).
     */
    private static Set<Path> pythonFiles() {
        Set<Path> files = new LinkedHashSet<>();
        Path interpreter = PYTHON.toAbsolutePath();
        files.add(Path.of("/usr/bin/python3.11"));
        files.add(interpreter);
        String loaded = Tools.run(Path.of("/"), PYTHON.toString(), "-c", "import kubernetes.client, kubernetes.config,"
                + " ssl, json, sys; print('\\n'.join(sorted(set(getattr(m, '__file__', None) or '' for m in"
                + " list(sys.modules.values())))))");
        Set<Path> packages = new LinkedHashSet<>();
        for (String line : loaded.lines().filter(l -> !l.isBlank()).toList()) {
            Path f = Path.of(line);
            if (line.startsWith("/usr/lib/python3/dist-packages/")) {
                packages.add(Path.of("/usr/lib/python3/dist-packages").resolve(
                        Path.of("/usr/lib/python3/dist-packages").relativize(f).getName(0)));
            }
        }
        try (Stream<Path> stdlib = Files.walk(Path.of("/usr/lib/python3.11"))) {
            stdlib.filter(p -> Files.isRegularFile(p) && !p.toString().contains("/test/") && !p.toString().contains("__pycache__")
                    && !p.toString().contains("/idlelib/") && !p.toString().contains("/tkinter/")
                    && !p.toString().contains("/ensurepip/") && !p.toString().contains("/lib2to3/")
                    && !p.toString().contains("/config-3.11")).forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path pkg : packages) {
            if (Files.isDirectory(pkg)) {
                try (Stream<Path> all = Files.walk(pkg)) {
                    all.filter(p -> Files.isRegularFile(p) && !p.toString().contains("__pycache__")).forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                files.add(pkg);
            }
        }
        List<Path> binaries = new ArrayList<>();
        files.stream().filter(p -> p.toString().endsWith(".so") || p.equals(Path.of("/usr/bin/python3.11")))
                .forEach(binaries::add);
        for (Path binary : binaries) {
            for (String line : Tools.run(Path.of("/"), "/usr/bin/ldd", binary.toString()).lines().toList()) {
                String[] parts = line.strip().split(" ");
                String lib = parts.length >= 3 && parts[1].equals("=>") ? parts[2] : parts[0];
                if (lib.startsWith("/")) {
                    files.add(Path.of(lib));
                }
            }
        }
        return files;
    }
}
