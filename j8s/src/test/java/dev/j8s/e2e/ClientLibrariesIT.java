package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Client libraries other than kubectl, driven as their users drive them: the official Python client (Debian's
 * {@code python3-kubernetes}), the official JavaScript client ({@code @kubernetes/client-node} 1.x, installed by
 * scripts/test into {@code src/test/clients/node_modules}) and a fabric8 informer. Objects are created without
 * apiVersion/kind; every watch must see the change it waits for although nothing is written after it. The
 * flows are the scripts in {@code src/test/clients}; they print what they saw as JSON.
 */
class ClientLibrariesIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("clients-node");

    private static final Path CLIENTS = Path.of("src/test/clients");
    /** Debian's interpreter, whose dist-packages hold python3-kubernetes (a pyenv python3 on PATH would not). */
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(2);

    private static LocalRegistry registry;
    private static boolean podStarted;

    @AfterAll
    static void removeThePodAndTheRegistry() {
        if (podStarted) {
            SERVERS.kubectl().run("delete", "pods", "--all", "--grace-period=1", "--wait=true");
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void thePythonClientCreatesWithoutKindListsWatchesPatchesAndDeletes() {
        JsonNode seen = python("flow", "py-flow");

        assertCreatedListedPatchedDeleted(seen, "py");
        assertThat(seen.at("/streamed/type").asText()).isEqualTo("MODIFIED");
        assertThat(seen.at("/streamed/greeting").asText()).isEqualTo("hi");
        for (String representation : List.of("JSON", "Table", "protobuf preferred")) {
            JsonNode watch = seen.path("watches").path(representation);
            assertThat(watch.path("type").asText()).as(representation).isEqualTo("ADDED");
            assertThat(watch.path("kind").asText()).as(representation)
                    .isEqualTo(representation.equals("Table") ? "Table" : "ConfigMap");
            printLatency("python3-kubernetes", representation, watch);
        }
    }

    @Test
    void theJavaScriptClientCreatesWithoutKindListsWatchesPatchesAndDeletes() {
        JsonNode seen = node("flow", "js-flow");

        assertCreatedListedPatchedDeleted(seen, "js");
        assertThat(seen.at("/jsonPatchedGreeting").asText()).isEqualTo("hi");
        assertThat(seen.at("/watch/type").asText()).isEqualTo("ADDED");
        assertThat(seen.at("/watch/name").asText()).isEqualTo("once");
        printLatency("@kubernetes/client-node", "JSON", seen.path("watch"));
    }

    @Test
    void aFabric8InformerSeesEveryChangeAsItHappens() throws Exception {
        Config config = Config.fromKubeconfig(Files.readString(SERVERS.server().kubeconfig()));
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("informed").endMetadata()
                    .build()).create();
            // kube-root-ca.crt, which the root CA publisher puts in every new namespace, is not this test's
            SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace("informed")
                    .withoutField("metadata.name", "kube-root-ca.crt")
                    .inform(new ResourceEventHandler<>() {
                        @Override
                        public void onAdd(ConfigMap cm) {
                            events.add("ADD " + cm.getMetadata().getName() + " " + cm.getData());
                        }

                        @Override
                        public void onUpdate(ConfigMap old, ConfigMap cm) {
                            events.add("UPDATE " + cm.getMetadata().getName() + " " + cm.getData());
                        }

                        @Override
                        public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
                            events.add("DELETE " + cm.getMetadata().getName() + " " + finalStateUnknown);
                        }
                    });
            try {
                assertThat(informer.hasSynced()).isTrue();
                var configMaps = client.configMaps().inNamespace("informed");

                configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("watched").endMetadata()
                        .addToData("k", "1").build()).create();
                assertThat(next(events)).isEqualTo("ADD watched {k=1}");
                configMaps.withName("watched").edit(cm -> new ConfigMapBuilder(cm).addToData("k", "2").build());
                assertThat(next(events)).isEqualTo("UPDATE watched {k=2}");
                configMaps.withName("watched").delete();
                assertThat(next(events)).isEqualTo("DELETE watched false");
            } finally {
                informer.close();
            }
        }
    }

    @Test
    void thePythonClientExecsIntoAPod() {
        JsonNode result = python("exec", "default", execPod());

        assertThat(result.path("stdout").asText()).isEqualTo("out\n");
        assertThat(result.path("stderr").asText()).isEqualTo("err\n");
        assertThat(result.path("exitCode").asInt()).isEqualTo(3);
    }

    @Test
    void theJavaScriptClientExecsIntoAPod() {
        JsonNode result = node("exec", "default", execPod());

        assertThat(result.path("stdout").asText()).isEqualTo("out\n");
        assertThat(result.path("stderr").asText()).isEqualTo("err\n");
        assertThat(result.path("status").asText()).isEqualTo("Failure");
        assertThat(result.path("exitCode").asInt()).isEqualTo(3);
    }

    /** What both flows create (namespace {@code <prefix>-flow}), list, patch and delete. */
    private static void assertCreatedListedPatchedDeleted(JsonNode seen, String prefix) {
        assertThat(seen.at("/createdConfigMap/apiVersion").asText()).isEqualTo("v1");
        assertThat(seen.at("/createdConfigMap/kind").asText()).isEqualTo("ConfigMap");
        assertThat(seen.at("/createdPod/kind").asText()).isEqualTo("Pod");
        assertThat(seen.at("/listed").toString()).isEqualTo("[\"settings\"]");
        assertThat(seen.at("/patchedLabels").toString())
                .isEqualTo("{\"app\":\"" + prefix + "\",\"patched\":\"yes\"}");
        assertThat(seen.at("/afterDelete").toString()).doesNotContain("\"settings\"");
        Kubectl kubectl = SERVERS.kubectl();
        assertThat(kubectl.run("get", "configmap", "settings", "-n", prefix + "-flow").failed().stderr())
                .contains("NotFound");
        assertThat(kubectl.run("get", "pods", "-n", prefix + "-flow", "-o", "name").ok().stdout()).isEmpty();
    }

    private static void printLatency(String client, String representation, JsonNode watch) {
        System.out.printf(Locale.ROOT, "watch event latency, %s, %s watch: write to event %s ms%n", client,
                representation, watch.path("latencyMs").asText());
    }

    private static String next(BlockingQueue<String> events) throws InterruptedException {
        String event = events.poll(20, TimeUnit.SECONDS);
        assertThat(event).as("the informer's next event within 20 s").isNotNull();
        return event;
    }

    /** A pod named {@code shell} (container {@code shell}) running busybox, started once for the exec tests. */
    private static synchronized String execPod() {
        LocalRegistry.assumePodsCanRun();
        if (!podStarted) {
            try {
                registry = LocalRegistry.startInTempDir();
                registry.pushBusybox(List.of("1.0"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            Kubectl kubectl = SERVERS.kubectl();
            kubectl.run("run", "shell", "--image=" + registry.host() + "/busybox:1.0", "--",
                    "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done").ok();
            podStarted = true;
            Await.until(LocalRegistry.timeout(), "pod shell is Running",
                    () -> kubectl.run("get", "pod", "shell").ok().cells(), cells -> cells.get(1).get(2).equals("Running"));
        }
        return "shell";
    }

    private static JsonNode python(String... args) {
        assumeTrue(Files.isExecutable(PYTHON), PYTHON + " is not installed (scripts/test installs python3)");
        Script probe = Script.run(List.of(PYTHON.toString(), "-c", "import kubernetes"), Map.of());
        assumeTrue(probe.exitCode() == 0, "the Python client is not installed for " + PYTHON
                + " (scripts/test installs Debian's python3-kubernetes): " + probe.stderr());
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), CLIENTS.resolve("client_flow.py").toString(),
                SERVERS.server().kubeconfig().toString()));
        command.addAll(List.of(args));
        return Script.run(command, Map.of()).json();
    }

    private static JsonNode node(String... args) {
        Path library = CLIENTS.resolve("node_modules/@kubernetes/client-node/package.json");
        assumeTrue(Files.isRegularFile(library), "@kubernetes/client-node is not installed in "
                + CLIENTS.resolve("node_modules").toAbsolutePath() + " (scripts/test installs it with npm ci)");
        assumeTrue(java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, "node"))),
                "node is not installed (scripts/test installs Debian's nodejs)");
        Script version = Script.run(List.of("node", "--version"), Map.of());
        int major = version.exitCode() == 0 ? Integer.parseInt(version.stdout().trim().replaceAll("^v(\\d+).*", "$1")) : 0;
        assumeTrue(major >= 20, "@kubernetes/client-node 1.x needs node 20 or newer; node is "
                + (major == 0 ? "not runnable: " + version.stderr() : version.stdout().trim()));
        List<String> command = new ArrayList<>(List.of("node", CLIENTS.resolve("client-flow.mjs").toString(),
                SERVERS.server().kubeconfig().toString()));
        command.addAll(List.of(args));
        return Script.run(command, Map.of()).json();
    }

    /** One run of a client script: its exit code and output. */
    private record Script(List<String> command, int exitCode, String stdout, String stderr) {

        static Script run(List<String> command, Map<String, String> env) {
            try {
                Path out = Files.createTempFile("client-flow-", ".out");
                Path err = Files.createTempFile("client-flow-", ".err");
                try {
                    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                            .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                    builder.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
                    builder.environment().putAll(env);
                    Process process = builder.start();
                    if (!process.waitFor(SCRIPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                        process.destroyForcibly();
                        process.waitFor(10, TimeUnit.SECONDS);
                        throw new AssertionError(command + " did not finish within " + SCRIPT_TIMEOUT + "\nstdout:\n"
                                + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
                    }
                    return new Script(command, process.exitValue(), Files.readString(out), Files.readString(err));
                } finally {
                    Files.deleteIfExists(out);
                    Files.deleteIfExists(err);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("run " + command, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted running " + command, e);
            }
        }

        /** The JSON the script printed last; an AssertionError with everything when it failed. */
        JsonNode json() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + exitCode + "\nstdout:\n" + stdout
                        + "\nstderr:\n" + stderr);
            }
            List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
            try {
                return Json.MAPPER.readTree(lines.getLast());
            } catch (IOException | java.util.NoSuchElementException e) {
                throw new AssertionError("no JSON from " + String.join(" ", command) + ":\n" + stdout + "\n" + stderr, e);
            }
        }
    }
}
