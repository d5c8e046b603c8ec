package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.j8s.apiserver.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The main kubectl workflow, driven with kubectl 1.32 through the {@code /usr/bin/kubectl}
 * dispatcher (which picks the binary by the server's {@code /version}) against one {@code j8s server}.
 * Each test uses its own object names, so the order of the tests does not matter.
 */
class KubectlWorkflowIT {

    static final String NODE = "e2e-node";
    /** A pod status without a kubelet is Pending; with one, image pulls may fail offline. */
    static final Pattern POD_STATUS = Pattern.compile(
            "Pending|ContainerCreating|ErrImagePull|ImagePullBackOff|Running|InvalidImageName");
    static final Pattern AGE = Pattern.compile("\\d+s|\\d+m(\\d+s)?");

    @RegisterExtension
    static final ServerExtension CLUSTER = ServerExtension.shared(NODE);

    static Kubectl kubectl;

    @BeforeAll
    static void kubectl() {
        kubectl = CLUSTER.kubectl();
    }

    @Test
    void versionPrintsClientAndServerVersion132() {
        kubectl.requireMinor(28, "the short `kubectl version` layout (\"Client Version: v1.32.x\")");
        Kubectl.Result version = kubectl.run("version").ok();

        assertThat(version.stdout()).containsPattern("(?m)^Client Version: v1\\.32\\.\\d+(-dispatcher)?$");
        assertThat(version.stdout()).containsPattern("(?m)^Server Version: v1\\.32\\.\\d+$");
        // The dispatcher picks kubectl.1.<minor> from these fields.
        JsonNode server = Await.json(kubectl.run("version", "-o", "json")).get("serverVersion");
        assertThat(server.get("major").asText()).isEqualTo("1");
        assertThat(server.get("minor").asText()).isEqualTo("32");
        assertThat(server.get("gitVersion").asText()).matches("v1\\.32\\.\\d+");
    }

    @Test
    void apiResourcesListsTheCoreResourcesWithTheirShortNames() {
        Kubectl.Result resources = kubectl.run("api-resources").ok();

        assertThat(resources.lines().getFirst().trim().split("\\s+"))
                .containsExactly("NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND");
        assertThat(resources.stdout())
                .containsPattern("(?m)^pods\\s+po\\s+v1\\s+true\\s+Pod\\s*$")
                .containsPattern("(?m)^services\\s+svc\\s+v1\\s+true\\s+Service\\s*$")
                .containsPattern("(?m)^configmaps\\s+cm\\s+v1\\s+true\\s+ConfigMap\\s*$")
                .containsPattern("(?m)^secrets\\s+v1\\s+true\\s+Secret\\s*$")
                .containsPattern("(?m)^serviceaccounts\\s+sa\\s+v1\\s+true\\s+ServiceAccount\\s*$")
                .containsPattern("(?m)^namespaces\\s+ns\\s+v1\\s+false\\s+Namespace\\s*$")
                .containsPattern("(?m)^nodes\\s+no\\s+v1\\s+false\\s+Node\\s*$")
                .containsPattern("(?m)^events\\s+ev\\s+v1\\s+true\\s+Event\\s*$");
    }

    @Test
    void createFromFilesCreatesAPodServiceConfigMapAndSecret() {
        kubectl.run("create", "namespace", "created").ok();

        Kubectl.Result created = kubectl.run("create", "-n", "created",
                "-f", CLUSTER.resource("pod.yaml").toString(),
                "-f", CLUSTER.resource("service.yaml").toString(),
                "-f", CLUSTER.resource("configmap.yaml").toString(),
                "-f", CLUSTER.resource("secret.yaml").toString()).ok();

        assertThat(created.lines()).containsExactly(
                "pod/web created", "service/web created", "configmap/settings created", "secret/creds created");
        JsonNode pod = Await.json(kubectl.run("get", "pod", "web", "-n", "created", "-o", "json"));
        assertThat(pod.at("/metadata/namespace").asText()).isEqualTo("created");
        assertThat(pod.at("/metadata/uid").asText()).isNotEmpty();
        assertThat(pod.at("/spec/containers/0/image").asText()).isEqualTo("nginx:1.25");
        assertThat(pod.at("/spec/containers/0/ports/0/protocol").asText()).isEqualTo("TCP");
        assertThat(pod.at("/spec/serviceAccountName").asText()).isEqualTo("default");
        assertThat(pod.at("/spec/restartPolicy").asText()).isEqualTo("Always");
        JsonNode service = Await.json(kubectl.run("get", "service", "web", "-n", "created", "-o", "json"));
        assertThat(service.at("/spec/type").asText()).isEqualTo("ClusterIP");
        // a non-default data dir's service range is one /16 of 10.150-199 (the default data dir's is 10.96.0.0/12)
        String kubernetesIp = kubectl.run("get", "service", "kubernetes", "-n", "default", "-o",
                "jsonpath={.spec.clusterIP}").ok().stdout();
        assertThat(kubernetesIp).matches("10\\.1[5-9]\\d\\.0\\.1");
        assertThat(service.at("/spec/clusterIP").asText())
                .startsWith(kubernetesIp.substring(0, kubernetesIp.indexOf('.', 3) + 1));
        assertThat(service.at("/spec/ports/0/protocol").asText()).isEqualTo("TCP");
        assertThat(service.at("/spec/ports/0/targetPort").asInt()).isEqualTo(8080);
        JsonNode configMap = Await.json(kubectl.run("get", "configmap", "settings", "-n", "created", "-o", "json"));
        assertThat(configMap.at("/data/color").asText()).isEqualTo("blue");
        JsonNode secret = Await.json(kubectl.run("get", "secret", "creds", "-n", "created", "-o", "json"));
        assertThat(secret.at("/type").asText()).isEqualTo("Opaque");
        assertThat(decode(secret.at("/data/username").asText())).isEqualTo("admin");

        Kubectl.Result services = kubectl.run("get", "services", "-n", "created").ok();
        assertThat(services.cells().getFirst())
                .containsExactly("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE");
        assertThat(services.cells().get(1)).startsWith("web", "ClusterIP", service.at("/spec/clusterIP").asText(),
                "<none>", "80/TCP");
        Kubectl.Result configMaps = kubectl.run("get", "configmaps", "settings", "-n", "created").ok();
        assertThat(configMaps.cells().getFirst()).containsExactly("NAME", "DATA", "AGE");
        assertThat(configMaps.cells().get(1)).startsWith("settings", "2");
        Kubectl.Result secrets = kubectl.run("get", "secrets", "creds", "-n", "created").ok();
        assertThat(secrets.cells().getFirst()).containsExactly("NAME", "TYPE", "DATA", "AGE");
        assertThat(secrets.cells().get(1)).startsWith("creds", "Opaque", "1");

        Kubectl.Result again = kubectl.run("create", "-n", "created", "-f", CLUSTER.resource("configmap.yaml").toString())
                .failed();
        assertThat(again.stderr()).contains("Error from server (AlreadyExists): error when creating \""
                + CLUSTER.home().resolve("manifests/configmap.yaml") + "\": configmaps \"settings\" already exists");
    }

    @Test
    void applyCreatesThenConfiguresThenLeavesUnchanged() throws IOException {
        kubectl.run("create", "namespace", "applied").ok();
        String[] first = {"apply", "-n", "applied",
                "-f", CLUSTER.resource("pod.yaml").toString(),
                "-f", CLUSTER.resource("service.yaml").toString(),
                "-f", CLUSTER.resource("configmap.yaml").toString(),
                "-f", CLUSTER.resource("secret.yaml").toString()};
        String[] changed = {"apply", "-n", "applied",
                "-f", CLUSTER.resource("pod-changed.yaml").toString(),
                "-f", CLUSTER.resource("service-changed.yaml").toString(),
                "-f", CLUSTER.resource("configmap-changed.yaml").toString(),
                "-f", CLUSTER.resource("secret-changed.yaml").toString()};

        assertThat(kubectl.run(first).ok().lines()).containsExactly(
                "pod/web created", "service/web created", "configmap/settings created", "secret/creds created");
        assertThat(kubectl.run(changed).ok().lines()).containsExactly(
                "pod/web configured", "service/web configured", "configmap/settings configured",
                "secret/creds configured");
        assertThat(kubectl.run(changed).ok().lines()).containsExactly(
                "pod/web unchanged", "service/web unchanged", "configmap/settings unchanged",
                "secret/creds unchanged");

        JsonNode pod = Await.json(kubectl.run("get", "pod", "web", "-n", "applied", "-o", "json"));
        assertThat(pod.at("/metadata/labels/tier").asText()).isEqualTo("frontend");
        assertThat(pod.at("/metadata/annotations").path("kubectl.kubernetes.io/last-applied-configuration").asText())
                .contains("\"tier\":\"frontend\"");
        JsonNode service = Await.json(kubectl.run("get", "service", "web", "-n", "applied", "-o", "json"));
        assertThat(service.at("/spec/ports").size()).isEqualTo(1);
        assertThat(service.at("/spec/ports/0/targetPort").asInt()).isEqualTo(9090);
        assertThat(service.at("/spec/clusterIP").asText()).isNotEmpty();
        JsonNode configMap = Await.json(kubectl.run("get", "configmap", "settings", "-n", "applied", "-o", "json"));
        assertThat(configMap.get("data"))
                .isEqualTo(Json.MAPPER.readTree("{\"color\":\"green\",\"size\":\"3\",\"mode\":\"fast\"}"));
        JsonNode secret = Await.json(kubectl.run("get", "secret", "creds", "-n", "applied", "-o", "json"));
        assertThat(decode(secret.at("/data/password").asText())).isEqualTo("s3cr3t");
        assertThat(decode(secret.at("/data/username").asText())).isEqualTo("admin");
    }

    @Test
    void getPrintsTheServerSideTableAndWideColumns() {
        createPod("table-pod");
        awaitBound("table-pod");

        Kubectl.Result table = kubectl.run("get", "pods", "table-pod").ok();
        assertThat(table.cells().getFirst()).containsExactly("NAME", "READY", "STATUS", "RESTARTS", "AGE");
        List<String> row = table.cells().get(1);
        assertThat(row).hasSize(5);
        assertThat(row.get(0)).isEqualTo("table-pod");
        assertThat(row.get(1)).isEqualTo("0/1");
        assertThat(row.get(2)).matches(POD_STATUS);
        assertThat(row.get(3)).isEqualTo("0");
        assertThat(row.get(4)).matches(AGE);

        Kubectl.Result wide = kubectl.run("get", "pods", "table-pod", "-o", "wide").ok();
        assertThat(wide.cells().getFirst()).containsExactly(
                "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES");
        List<String> wideRow = wide.cells().get(1);
        assertThat(wideRow).hasSize(9);
        assertThat(wideRow.get(6)).isEqualTo(NODE);
        assertThat(wideRow.get(7)).isEqualTo("<none>");
        assertThat(wideRow.get(8)).isEqualTo("<none>");

        Kubectl.Result nodes = kubectl.run("get", "nodes").ok();
        assertThat(nodes.cells().getFirst()).containsExactly("NAME", "STATUS", "ROLES", "AGE", "VERSION");
        assertThat(nodes.cells().get(1).getFirst()).isEqualTo(NODE);

        Kubectl.Result labels = kubectl.run("get", "pods", "table-pod", "--show-labels").ok();
        assertThat(labels.cells().getFirst()).last().isEqualTo("LABELS");
        assertThat(labels.cells().get(1)).last().isEqualTo("app=table-pod");
    }

    @Test
    void getPrintsYamlAndJsonpathOfTheStoredObject() throws IOException {
        createPod("yaml-pod");
        awaitBound("yaml-pod");

        Kubectl.Result yaml = kubectl.run("get", "pod", "yaml-pod", "-o", "yaml").ok();
        JsonNode json = Await.json(kubectl.run("get", "pod", "yaml-pod", "-o", "json"));
        Kubectl.Result image = kubectl.run("get", "pod", "yaml-pod", "-o", "jsonpath={.spec.containers[0].image}").ok();

        assertThat(yaml.stdout()).startsWith("apiVersion: v1\n").contains("\nkind: Pod\n").contains("  name: yaml-pod\n");
        JsonNode fromYaml = new YAMLMapper().readTree(yaml.stdout());
        assertThat(fromYaml.get("spec")).isEqualTo(json.get("spec"));
        assertThat(fromYaml.at("/metadata/uid")).isEqualTo(json.at("/metadata/uid"));
        assertThat(image.stdout()).isEqualTo("nginx:1.25");
    }

    @Test
    void getWatchPrintsARowWhenThePodChanges() {
        createPod("watched");

        try (Kubectl.Background watch = kubectl.start("get", "pod", "watched", "-w", "--show-labels")) {
            watch.awaitStdout(out -> out.lines().anyMatch(l -> l.startsWith("watched ")), Duration.ofSeconds(20),
                    "the initial row of pod watched");
            kubectl.run("label", "pod", "watched", "stage=watched").ok();

            String out = watch.awaitStdout(o -> o.contains("stage=watched"), Duration.ofSeconds(15),
                    "a row with the new label stage=watched");
            assertThat(out.lines().findFirst().orElseThrow()).startsWith("NAME").contains("LABELS");
            assertThat(out.lines().filter(l -> l.startsWith("watched ")).count()).isGreaterThanOrEqualTo(2);
            assertThat(watch.isAlive()).as("kubectl get -w keeps watching").isTrue();
        }
    }

    @Test
    void describePodShowsItsDetailsAndTheScheduledEvent() {
        kubectl.requireMinor(Kubectl.OLDEST_TESTED_MINOR, "the pod description with its \"Service Account:\" line");
        createPod("described");

        Kubectl.Result describe = Await.until(Duration.ofSeconds(20), "describe shows the Scheduled event",
                () -> kubectl.run("describe", "pod", "described"),
                r -> r.exitCode() == 0 && r.stdout().contains("Scheduled"));

        assertThat(describe.stdout())
                .containsPattern("(?m)^Name:\\s+described$")
                .containsPattern("(?m)^Namespace:\\s+default$")
                .containsPattern("(?m)^Node:\\s+" + NODE + "(/.*)?$")
                .containsPattern("(?m)^Labels:\\s+app=described$")
                .containsPattern("(?m)^Service Account:\\s+default$")
                .containsPattern("(?m)^\\s+Image:\\s+nginx:1\\.25$")
                .containsPattern("(?m)^\\s+Port:\\s+80/TCP$")
                .containsPattern("(?m)^Events:$")
                .containsPattern("(?m)^\\s+Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+"
                        + "Successfully assigned default/described to " + NODE + "$");
    }

    @Test
    void labelAndAnnotateChangeTheStoredPod() {
        kubectl.requireMinor(Kubectl.OLDEST_TESTED_MINOR, "kubectl label's \"pod/x unlabeled\" wording");
        createPod("tagged");

        assertThat(kubectl.run("label", "pod", "tagged", "tier=backend").ok().stdout()).isEqualTo("pod/tagged labeled\n");
        assertThat(kubectl.run("annotate", "pod", "tagged", "owner=team-a").ok().stdout())
                .isEqualTo("pod/tagged annotated\n");
        assertThat(kubectl.run("label", "pod", "tagged", "tier=frontend", "--overwrite").ok().stdout())
                .isEqualTo("pod/tagged labeled\n");
        assertThat(kubectl.run("label", "pod", "tagged", "app-").ok().stdout()).isEqualTo("pod/tagged unlabeled\n");
        Kubectl.Result refused = kubectl.run("label", "pod", "tagged", "tier=other").failed();

        assertThat(refused.stderr()).contains("'tier' already has a value (frontend), and --overwrite is false");
        JsonNode pod = Await.json(kubectl.run("get", "pod", "tagged", "-o", "json"));
        assertThat(pod.at("/metadata/labels").toString()).isEqualTo("{\"tier\":\"frontend\"}");
        assertThat(pod.at("/metadata/annotations/owner").asText()).isEqualTo("team-a");
    }

    @Test
    void patchAppliesStrategicMergeAndJsonPatches() {
        kubectl.requireMinor(Kubectl.OLDEST_TESTED_MINOR, "kubectl's wording of a 422 without details");
        createPod("patched");

        Kubectl.Result strategic = kubectl.run("patch", "pod", "patched",
                "-p", "{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.26\"}]}}").ok();
        JsonNode afterStrategic = Await.json(kubectl.run("get", "pod", "patched", "-o", "json"));
        Kubectl.Result merge = kubectl.run("patch", "pod", "patched", "--type=merge",
                "-p", "{\"metadata\":{\"annotations\":{\"merged\":\"yes\"}}}").ok();
        Kubectl.Result json = kubectl.run("patch", "pod", "patched", "--type=json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"nginx:1.27\"},"
                        + "{\"op\":\"add\",\"path\":\"/metadata/labels/patched\",\"value\":\"json\"}]").ok();
        Kubectl.Result noChange = kubectl.run("patch", "pod", "patched", "--type=merge",
                "-p", "{\"metadata\":{\"annotations\":{\"merged\":\"yes\"}}}").ok();
        Kubectl.Result badTest = kubectl.run("patch", "pod", "patched", "--type=json",
                "-p", "[{\"op\":\"test\",\"path\":\"/metadata/name\",\"value\":\"other\"}]").failed();

        assertThat(strategic.stdout()).isEqualTo("pod/patched patched\n");
        // Strategic merge matches containers by name: the port of the one container survives.
        assertThat(afterStrategic.at("/spec/containers").size()).isEqualTo(1);
        assertThat(afterStrategic.at("/spec/containers/0/image").asText()).isEqualTo("nginx:1.26");
        assertThat(afterStrategic.at("/spec/containers/0/ports/0/containerPort").asInt()).isEqualTo(80);
        assertThat(merge.stdout()).isEqualTo("pod/patched patched\n");
        assertThat(json.stdout()).isEqualTo("pod/patched patched\n");
        assertThat(noChange.stdout()).isEqualTo("pod/patched patched (no change)\n");
        // Upstream answers a failed "test" op with a 422 whose details carry no kind or name.
        assertThat(badTest.stderr())
                .isEqualTo("The request is invalid: the server rejected our request due to an error in our request\n");
        JsonNode pod = Await.json(kubectl.run("get", "pod", "patched", "-o", "json"));
        assertThat(pod.at("/spec/containers/0/image").asText()).isEqualTo("nginx:1.27");
        assertThat(pod.at("/metadata/annotations/merged").asText()).isEqualTo("yes");
        assertThat(pod.at("/metadata/labels/patched").asText()).isEqualTo("json");
        assertThat(pod.at("/metadata/labels/app").asText()).isEqualTo("patched");
    }

    @Test
    void editThroughKubeEditorSavesTheEditedObject() throws IOException {
        kubectl.run("create", "configmap", "editme", "--from-literal=color=blue").ok();
        Path editor = CLUSTER.file("editor.sh", "#!/bin/sh\nsed -i 's/color: blue/color: green/' \"$1\"\n");
        Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));

        Kubectl.Result edit = kubectl.withEnv("KUBE_EDITOR", editor.toString()).run("edit", "configmap", "editme").ok();

        assertThat(edit.stdout()).isEqualTo("configmap/editme edited\n");
        JsonNode configMap = Await.json(kubectl.run("get", "configmap", "editme", "-o", "json"));
        assertThat(configMap.at("/data/color").asText()).isEqualTo("green");
    }

    @Test
    void deleteReturnsPromptlyAndTheObjectIsGone() {
        createPod("doomed");
        awaitBound("doomed");
        kubectl.run("create", "configmap", "doomed", "--from-literal=a=b").ok();

        Kubectl.Result pod = kubectl.run("delete", "pod", "doomed").ok();
        Kubectl.Result configMap = kubectl.run("delete", "configmap", "doomed").ok();

        assertThat(pod.stdout()).isEqualTo("pod \"doomed\" deleted\n");
        assertThat(pod.elapsed()).isLessThan(Duration.ofSeconds(10));
        assertThat(configMap.stdout()).isEqualTo("configmap \"doomed\" deleted\n");
        assertThat(configMap.elapsed()).isLessThan(Duration.ofSeconds(10));
        assertThat(kubectl.run("get", "pod", "doomed").failed().stderr())
                .isEqualTo("Error from server (NotFound): pods \"doomed\" not found\n");
        assertThat(kubectl.run("get", "configmap", "doomed").failed().stderr())
                .isEqualTo("Error from server (NotFound): configmaps \"doomed\" not found\n");
    }

    @Test
    void createNamespaceMakesAnActiveNamespaceWithADefaultServiceAccount() {
        Kubectl.Result created = kubectl.run("create", "namespace", "team-a").ok();

        assertThat(created.stdout()).isEqualTo("namespace/team-a created\n");
        JsonNode namespace = Await.json(kubectl.run("get", "namespace", "team-a", "-o", "json"));
        assertThat(namespace.at("/status/phase").asText()).isEqualTo("Active");
        assertThat(namespace.at("/metadata/labels").path("kubernetes.io/metadata.name").asText()).isEqualTo("team-a");
        Kubectl.Result sa = Await.until(Duration.ofSeconds(10), "serviceaccount default in team-a",
                () -> kubectl.run("get", "serviceaccount", "default", "-n", "team-a", "-o", "name"),
                r -> r.exitCode() == 0);
        assertThat(sa.stdout()).isEqualTo("serviceaccount/default\n");
        Kubectl.Result list = kubectl.run("get", "namespaces").ok();
        assertThat(list.cells().getFirst()).containsExactly("NAME", "STATUS", "AGE");
        assertThat(list.cells()).anySatisfy(row -> assertThat(row).startsWith("team-a", "Active"));
        assertThat(list.cells()).anySatisfy(row -> assertThat(row).startsWith("default", "Active"));
    }

    @Test
    void createServiceAccountAndGenericSecret() {
        Kubectl.Result sa = kubectl.run("create", "serviceaccount", "builder").ok();
        Kubectl.Result secret = kubectl.run("create", "secret", "generic", "login",
                "--from-literal=user=admin", "--from-literal=pass=s3cr3t").ok();

        assertThat(sa.stdout()).isEqualTo("serviceaccount/builder created\n");
        assertThat(secret.stdout()).isEqualTo("secret/login created\n");
        JsonNode account = Await.json(kubectl.run("get", "serviceaccount", "builder", "-o", "json"));
        assertThat(account.at("/metadata/name").asText()).isEqualTo("builder");
        assertThat(account.at("/metadata/namespace").asText()).isEqualTo("default");
        JsonNode stored = Await.json(kubectl.run("get", "secret", "login", "-o", "json"));
        assertThat(stored.at("/type").asText()).isEqualTo("Opaque");
        assertThat(decode(stored.at("/data/user").asText())).isEqualTo("admin");
        assertThat(decode(stored.at("/data/pass").asText())).isEqualTo("s3cr3t");
    }

    @Test
    void createSecretDockerRegistryStoresTheDockerConfigJson() throws IOException {
        Kubectl.Result created = kubectl.run("create", "secret", "docker-registry", "regcred",
                "--docker-server=registry.example:5000", "--docker-username=robot",
                "--docker-password=pa55", "--docker-email=robot@example.com").ok();

        assertThat(created.stdout()).isEqualTo("secret/regcred created\n");
        assertDockerConfig(kubectl, "default", "regcred");
    }

    @Test
    void serviceAccountImagePullSecretsAreCopiedIntoNewPods() {
        kubectl.run("create", "namespace", "pulling").ok();
        kubectl.run("create", "secret", "docker-registry", "x", "-n", "pulling",
                "--docker-server=registry.example:5000", "--docker-username=u", "--docker-password=p").ok();
        Await.until(Duration.ofSeconds(10), "serviceaccount default in pulling",
                () -> kubectl.run("get", "serviceaccount", "default", "-n", "pulling"), r -> r.exitCode() == 0);

        Kubectl.Result patched = kubectl.run("patch", "serviceaccount", "default", "-n", "pulling",
                "-p", "{\"imagePullSecrets\":[{\"name\":\"x\"}]}").ok();
        kubectl.run("create", "-n", "pulling", "-f", CLUSTER.resource("pod.yaml").toString()).ok();

        assertThat(patched.stdout()).isEqualTo("serviceaccount/default patched\n");
        JsonNode sa = Await.json(kubectl.run("get", "serviceaccount", "default", "-n", "pulling", "-o", "json"));
        assertThat(sa.at("/imagePullSecrets").toString()).isEqualTo("[{\"name\":\"x\"}]");
        JsonNode pod = Await.json(kubectl.run("get", "pod", "web", "-n", "pulling", "-o", "json"));
        assertThat(pod.at("/spec/imagePullSecrets").toString()).isEqualTo("[{\"name\":\"x\"}]");
        assertThat(pod.at("/spec/serviceAccountName").asText()).isEqualTo("default");
    }

    @Test
    void getEventsListsTheSchedulingOfAPod() {
        createPod("evented");

        Kubectl.Result events = Await.until(Duration.ofSeconds(20), "the Scheduled event of pod/evented",
                () -> kubectl.run("get", "events", "--field-selector", "involvedObject.name=evented"),
                r -> r.exitCode() == 0 && r.stdout().contains("pod/evented"));

        assertThat(events.cells().getFirst()).containsExactly("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
        assertThat(events.cells()).anySatisfy(row -> assertThat(row.subList(1, row.size())).containsExactly(
                "Normal", "Scheduled", "pod/evented", "Successfully assigned default/evented to " + NODE));
        JsonNode list = Await.json(kubectl.run("get", "events", "--field-selector", "involvedObject.name=evented",
                "-o", "json"));
        assertThat(list.at("/items")).anySatisfy(event -> {
            assertThat(event.at("/reason").asText()).isEqualTo("Scheduled");
            assertThat(event.at("/involvedObject/kind").asText()).isEqualTo("Pod");
            assertThat(event.at("/source/component").asText()).isEqualTo("default-scheduler");
        });
    }

    @Test
    void explainPodSpecDescribesTheFields() {
        Kubectl.Result explain = kubectl.run("explain", "pod.spec");

        assumeTrue(explain.exitCode() == 0, () -> "kubectl explain pod.spec does not work against j8s "
                + "(it needs the full OpenAPI v3 schema of core/v1, which j8s does not serve): " + explain);
        assertThat(explain.stdout())
                .containsPattern("(?m)^KIND:\\s+Pod$")
                .containsPattern("(?m)^VERSION:\\s+v1$")
                .containsPattern("(?m)^FIELD:\\s+spec <PodSpec>$")
                .containsPattern("(?m)^\\s+containers\\s+<\\[\\]Container> -required-$");
    }

    static void assertDockerConfig(Kubectl kubectl, String namespace, String name) throws IOException {
        JsonNode secret = Await.json(kubectl.run("get", "secret", name, "-n", namespace, "-o", "json"));
        assertThat(secret.at("/type").asText()).isEqualTo("kubernetes.io/dockerconfigjson");
        JsonNode config = Json.MAPPER.readTree(decode(secret.get("data").get(".dockerconfigjson").asText()));
        JsonNode auth = config.at("/auths").get("registry.example:5000");
        assertThat(auth).as("auths of %s", config).isNotNull();
        assertThat(auth.get("username").asText()).isEqualTo("robot");
        assertThat(auth.get("password").asText()).isEqualTo("pa55");
        assertThat(auth.get("email").asText()).isEqualTo("robot@example.com");
        assertThat(decode(auth.get("auth").asText())).isEqualTo("robot:pa55");
    }

    static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static void createPod(String name) {
        String manifest = """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %1$s
                  labels:
                    app: %1$s
                spec:
                  containers:
                  - name: web
                    image: nginx:1.25
                    ports:
                    - containerPort: 80
                """.formatted(name);
        assertThat(kubectl.runWithStdin(manifest, "create", "-f", "-").ok().stdout()).isEqualTo("pod/" + name + " created\n");
    }

    private static void awaitBound(String name) {
        Await.until(Duration.ofSeconds(15), "pod " + name + " bound to " + NODE,
                () -> kubectl.run("get", "pod", name, "-o", "jsonpath={.spec.nodeName}"),
                r -> r.stdout().equals(NODE));
    }
}
