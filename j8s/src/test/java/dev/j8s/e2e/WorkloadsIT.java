package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import dev.j8s.apiserver.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Deployments, ReplicaSets, DaemonSets, garbage collection and disruption budgets driven by the real kubectl
 * against {@code j8s server} with real pods: create and apply, {@code rollout status|history|undo|restart},
 * {@code set image}, {@code scale}, {@code expose}, the three {@code --cascade} modes, a DaemonSet's rollout,
 * {@code get all} and an eviction a budget refuses.
 */
class WorkloadsIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("workloads-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0", "2.0");

    static final Duration ROLLOUT = Duration.ofSeconds(120);

    /** A container that stops at once on SIGTERM (busybox sh as PID 1 ignores it otherwise). */
    static final String COMMAND = "[\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 1; done\"]";

    static String image(String tag) {
        return REGISTRY.image(tag);
    }

    static Kubectl kubectl() {
        return SERVERS.kubectl();
    }

    /** A Deployment with a readiness probe (ignored until the kubelet runs probes; the rollout holds either way). */
    static String deployment(String name, int replicas, String image, String extraSpec) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: %s
                spec:
                  replicas: %d
                  selector:
                    matchLabels:
                      app: %s
                %s  template:
                    metadata:
                      labels:
                        app: %s
                    spec:
                      terminationGracePeriodSeconds: 5
                      containers:
                      - name: main
                        image: %s
                        command: %s
                        readinessProbe:
                          exec:
                            command: ["sh", "-c", "echo ready"]
                          periodSeconds: 1
                """.formatted(name, replicas, name, extraSpec, name, image, COMMAND);
    }

    static String daemonSet(String name, String image) {
        return """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata:
                  name: %s
                spec:
                  selector:
                    matchLabels:
                      app: %s
                  template:
                    metadata:
                      labels:
                        app: %s
                    spec:
                      terminationGracePeriodSeconds: 5
                      containers:
                      - name: main
                        image: %s
                        command: %s
                """.formatted(name, name, name, image, COMMAND);
    }

    static void apply(String name, String manifest) {
        kubectl().run("apply", "-f", SERVERS.file(name + ".yaml", manifest).toString()).ok();
    }

    static Kubectl.Result rolloutStatus(String resource) {
        return kubectl().run("rollout", "status", resource, "--timeout=" + ROLLOUT.toSeconds() + "s");
    }

    static JsonNode json(String... args) {
        return Await.json(kubectl().run(args));
    }

    /** The pods of an app that are not being deleted. */
    static List<JsonNode> livePods(String app) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : json("get", "pods", "-l", "app=" + app, "-o", "json").path("items")) {
            if (p.path("metadata").path("deletionTimestamp").isMissingNode()) {
                out.add(p);
            }
        }
        return out;
    }

    static boolean ready(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals("Ready")) {
                return c.path("status").asText().equals("True");
            }
        }
        return false;
    }

    @Test
    void kubectlCreateDeploymentAndApplyRollOutWithUpstreamsMessagesAndColumns() {
        assertThat(kubectl().run("create", "deployment", "created", "--image=" + image("1.0"), "--replicas=2", "--",
                "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done").ok().stdout())
                .isEqualTo("deployment.apps/created created\n");
        assertThat(rolloutStatus("deployment/created").ok().stdout())
                .endsWith("deployment \"created\" successfully rolled out\n");

        assertThat(kubectl().run("apply", "-f", SERVERS.file("applied.yaml", deployment("applied", 2, image("1.0"), "")).toString())
                .ok().stdout()).isEqualTo("deployment.apps/applied created\n");
        assertThat(rolloutStatus("deployment/applied").ok().stdout())
                .endsWith("deployment \"applied\" successfully rolled out\n");
        assertThat(kubectl().run("apply", "-f", SERVERS.file("applied.yaml", deployment("applied", 2, image("1.0"), "")).toString())
                .ok().stdout()).isEqualTo("deployment.apps/applied unchanged\n");

        List<List<String>> table = kubectl().run("get", "deployment", "applied").ok().cells();
        assertThat(table.get(0)).containsExactly("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE");
        assertThat(table.get(1).subList(0, 4)).containsExactly("applied", "2/2", "2", "2");
        List<List<String>> wide = kubectl().run("get", "deployment", "applied", "-o", "wide").ok().cells();
        assertThat(wide.get(0)).containsExactly("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS",
                "IMAGES", "SELECTOR");
        assertThat(wide.get(1).subList(5, 8)).containsExactly("main", image("1.0"), "app=applied");
        List<List<String>> rs = kubectl().run("get", "replicasets", "-l", "app=applied").ok().cells();
        assertThat(rs.get(0)).containsExactly("NAME", "DESIRED", "CURRENT", "READY", "AGE");
        assertThat(rs.get(1).get(0)).matches("applied-[bcdfghjklmnpqrstvwxz2456789]+");
        assertThat(rs.get(1).subList(1, 4)).containsExactly("2", "2", "2");
        assertThat(livePods("applied")).hasSize(2).allSatisfy(p -> assertThat(p.path("metadata").path("name").asText())
                .startsWith(rs.get(1).get(0) + "-"));
    }

    @Test
    void setImageAndRolloutRestartRollOverWithoutReadyPodsDroppingBelowTheMinimumThenUndoGoesBack() throws Exception {
        apply("rolling", deployment("rolling", 2, image("1.0"), ""));
        rolloutStatus("deployment/rolling").ok();

        try (Kubectl.Background watch = kubectl().start("get", "pods", "-l", "app=rolling", "--watch",
                "--output-watch-events", "-o", "json")) {
            watch.awaitStdout(out -> out.contains("\"ADDED\""), Duration.ofSeconds(30), "the initial pods");
            assertThat(kubectl().run("set", "image", "deployment/rolling", "main=" + image("2.0")).ok().stdout())
                    .isEqualTo("deployment.apps/rolling image updated\n");
            assertThat(rolloutStatus("deployment/rolling").ok().stdout())
                    .endsWith("deployment \"rolling\" successfully rolled out\n");
            assertThat(livePods("rolling")).hasSize(2).allSatisfy(p -> assertThat(
                    p.at("/spec/containers/0/image").asText()).isEqualTo(image("2.0")));

            assertThat(kubectl().run("rollout", "restart", "deployment/rolling").ok().stdout())
                    .isEqualTo("deployment.apps/rolling restarted\n");
            rolloutStatus("deployment/rolling").ok();
            Await.until(ROLLOUT, "2 restarted pods", () -> livePods("rolling"), pods -> pods.size() == 2
                    && pods.stream().allMatch(p -> p.at("/metadata/annotations").has("kubectl.kubernetes.io/restartedAt")));
            String events = watch.stdout();
            // 2 replicas, maxUnavailable 25% (0 rounded down), maxSurge 25% (1 rounded up): 2 ready pods at all times.
            assertThat(minimumReadyAfterFirstFull(events, 2)).as("ready pods over the whole rollout").isGreaterThanOrEqualTo(2);
        }

        String history = kubectl().run("rollout", "history", "deployment/rolling").ok().stdout();
        assertThat(history).startsWith("deployment.apps/rolling \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n3         <none>\n");

        assertThat(kubectl().run("rollout", "undo", "deployment/rolling").ok().stdout())
                .isEqualTo("deployment.apps/rolling rolled back\n");
        rolloutStatus("deployment/rolling").ok();
        Await.until(ROLLOUT, "back on revision 2's template", () -> livePods("rolling"), pods -> pods.size() == 2
                && pods.stream().allMatch(p -> p.at("/spec/containers/0/image").asText().equals(image("2.0"))
                && !p.at("/metadata/annotations").has("kubectl.kubernetes.io/restartedAt")));
        assertThat(json("get", "deployment", "rolling", "-o", "json").at("/metadata/annotations")
                .path("deployment.kubernetes.io/revision").asText()).isEqualTo("4");
        assertThat(kubectl().run("rollout", "history", "deployment/rolling").ok().stdout())
                .contains("\n1         <none>\n3         <none>\n4         <none>\n");
    }

    /** The fewest Ready pods (not being deleted) the watch saw once {@code full} were first ready. */
    static int minimumReadyAfterFirstFull(String watchOutput, int full) throws IOException {
        Map<String, Boolean> readyByPod = new HashMap<>();
        int minimum = Integer.MAX_VALUE;
        boolean reached = false;
        try (MappingIterator<JsonNode> events = Json.MAPPER.readerFor(JsonNode.class).readValues(watchOutput)) {
            while (events.hasNext()) {
                JsonNode event = events.next();
                JsonNode pod = event.path("object");
                String name = pod.at("/metadata/name").asText();
                boolean counted = !event.path("type").asText().equals("DELETED")
                        && pod.at("/metadata/deletionTimestamp").isMissingNode() && ready(pod);
                readyByPod.put(name, counted);
                long readyNow = readyByPod.values().stream().filter(b -> b).count();
                if (readyNow >= full) {
                    reached = true;
                }
                if (reached) {
                    minimum = (int) Math.min(minimum, readyNow);
                }
            }
        }
        return reached ? minimum : 0;
    }

    @Test
    void scalingToFiveAndBackToOneRemovesTheNewestPods() {
        apply("scaled", deployment("scaled", 1, image("1.0"), ""));
        rolloutStatus("deployment/scaled").ok();
        JsonNode first = livePods("scaled").getFirst();
        String firstName = first.at("/metadata/name").asText();
        // Newer pods are removed first, compared by how long they have been ready in log2 buckets: the first pod
        // is let age for longer than the scale-up can take, so it has been ready more than twice as long as any new
        // pod (a bucket apart) when the scale-down ranks them.
        Await.until(Duration.ofSeconds(60), "the first pod ready for 20 s", () -> readySince(livePods("scaled").getFirst()),
                since -> since != null && since.plusSeconds(20).isBefore(Instant.now()));
        Instant scaleUp = Instant.now();

        assertThat(kubectl().run("scale", "deployment/scaled", "--replicas=5").ok().stdout())
                .isEqualTo("deployment.apps/scaled scaled\n");
        rolloutStatus("deployment/scaled").ok();
        assertThat(livePods("scaled")).hasSize(5);
        assertThat(kubectl().run("get", "deployment", "scaled").ok().cells().get(1).subList(1, 4))
                .containsExactly("5/5", "5", "5");

        assertThat(Duration.between(scaleUp, Instant.now())).as("the scale-up was shorter than the first pod's head start")
                .isLessThan(Duration.ofSeconds(20));
        kubectl().run("scale", "deployment/scaled", "--replicas=1").ok();
        Await.until(ROLLOUT, "one pod left", () -> livePods("scaled"), pods -> pods.size() == 1);
        assertThat(livePods("scaled").getFirst().at("/metadata/name").asText()).as("the oldest pod stays")
                .isEqualTo(firstName);
        assertThat(json("get", "deployment", "scaled", "-o", "json").at("/status/replicas").asInt())
                .isEqualTo(1);
    }

    static Instant readySince(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals("Ready") && c.path("status").asText().equals("True")) {
                return Instant.parse(c.path("lastTransitionTime").asText());
            }
        }
        return null;
    }

    @Test
    void kubectlExposeDeploymentCreatesItsService() {
        apply("exposed", deployment("exposed", 1, image("1.0"), ""));
        assertThat(kubectl().run("expose", "deployment", "exposed", "--port=80", "--target-port=8080").ok().stdout())
                .isEqualTo("service/exposed exposed\n");
        JsonNode svc = json("get", "service", "exposed", "-o", "json");
        assertThat(svc.at("/spec/selector")).isEqualTo(Json.object().put("app", "exposed"));
        assertThat(svc.at("/spec/ports/0/port").asInt()).isEqualTo(80);
        assertThat(svc.at("/spec/ports/0/targetPort").asInt()).isEqualTo(8080);
    }

    @Test
    void deleteRemovesTheReplicaSetsAndPodsOrphansThemOrWaitsForThemInTheForeground() {
        for (String name : List.of("bg", "orphaned", "fg")) {
            // the foreground one's pods take a few seconds to stop, so the owner is seen waiting for them
            apply(name, deployment(name, 2, image("1.0"), "").replace(COMMAND,
                    name.equals("fg") ? "[\"sh\", \"-c\", \"trap 'sleep 3; exit 0' TERM; while true; do sleep 1; done\"]"
                            : COMMAND));
        }
        for (String name : List.of("bg", "orphaned", "fg")) {
            rolloutStatus("deployment/" + name).ok();
        }

        assertThat(kubectl().run("delete", "deployment", "bg").ok().stdout()).isEqualTo("deployment.apps \"bg\" deleted\n");
        Await.until(ROLLOUT, "bg's ReplicaSets and pods collected",
                () -> kubectl().run("get", "replicasets,pods", "-l", "app=bg", "-o", "name").ok().stdout(), String::isEmpty);

        List<String> orphanPods = livePods("orphaned").stream().map(p -> p.at("/metadata/name").asText()).sorted().toList();
        kubectl().run("delete", "deployment", "orphaned", "--cascade=orphan").ok();
        assertThat(kubectl().run("get", "deployment", "orphaned").stderr())
                .contains("deployments.apps \"orphaned\" not found");
        JsonNode rs = json("get", "replicasets", "-l", "app=orphaned", "-o", "json").path("items");
        assertThat(rs).hasSize(1);
        assertThat(rs.get(0).at("/metadata/ownerReferences").isMissingNode()
                || rs.get(0).at("/metadata/ownerReferences").isEmpty()).as("the ReplicaSet is unowned").isTrue();
        assertThat(livePods("orphaned").stream().map(p -> p.at("/metadata/name").asText()).sorted().toList())
                .isEqualTo(orphanPods);

        kubectl().run("delete", "deployment", "fg", "--cascade=foreground", "--wait=false").ok();
        JsonNode waiting = json("get", "deployment", "fg", "-o", "json");
        assertThat(waiting.at("/metadata/deletionTimestamp").asText()).isNotEmpty();
        assertThat(waiting.at("/metadata/finalizers").toString()).isEqualTo("[\"foregroundDeletion\"]");
        Instant deadline = Instant.now().plus(ROLLOUT);
        while (true) {
            // the owner first: once it is gone, its pods must already be gone (they never come back)
            boolean ownerLeft = kubectl().run("get", "deployment", "fg", "-o", "name").exitCode() == 0;
            boolean podsLeft = !kubectl().run("get", "pods", "-l", "app=fg", "-o", "name").ok().stdout().isEmpty();
            if (!ownerLeft) {
                assertThat(podsLeft).as("the Deployment stays while its pods exist").isFalse();
                break;
            }
            assertThat(Instant.now()).as("fg and its pods gone").isBefore(deadline);
            J8sServer.sleep(Duration.ofMillis(200));
        }
        assertThat(kubectl().run("get", "replicasets", "-l", "app=fg", "-o", "name").ok().stdout()).isEmpty();
        kubectl().run("delete", "replicasets", "-l", "app=orphaned").ok();
    }

    @Test
    void aDaemonSetRunsOnePodOnTheNodeAndRollsItOnAnUpdate() {
        apply("agent", daemonSet("agent", image("1.0")));
        assertThat(rolloutStatus("daemonset/agent").ok().stdout()).endsWith("daemon set \"agent\" successfully rolled out\n");
        List<JsonNode> pods = livePods("agent");
        assertThat(pods).hasSize(1);
        assertThat(pods.getFirst().at("/spec/nodeName").asText()).isEqualTo(SERVERS.server().nodeName());
        String firstPod = pods.getFirst().at("/metadata/name").asText();
        List<List<String>> table = kubectl().run("get", "daemonset", "agent").ok().cells();
        assertThat(table.get(0)).containsExactly("NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE",
                "NODE SELECTOR", "AGE");
        assertThat(table.get(1).subList(0, 7)).containsExactly("agent", "1", "1", "1", "1", "1", "<none>");

        kubectl().run("set", "image", "daemonset/agent", "main=" + image("2.0")).ok();
        assertThat(rolloutStatus("daemonset/agent").ok().stdout()).endsWith("daemon set \"agent\" successfully rolled out\n");
        Await.until(ROLLOUT, "the pod replaced", () -> livePods("agent"), p -> p.size() == 1
                && !p.getFirst().at("/metadata/name").asText().equals(firstPod)
                && p.getFirst().at("/spec/containers/0/image").asText().equals(image("2.0")));
        assertThat(kubectl().run("rollout", "history", "daemonset/agent").ok().stdout())
                .contains("REVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n");
    }

    @Test
    void kubectlGetAllShowsEveryKindWithUpstreamsColumns() {
        kubectl().run("create", "namespace", "everything").ok();
        kubectl().run("apply", "-n", "everything", "-f",
                SERVERS.file("everything.yaml", deployment("everything", 1, image("1.0"), "")).toString()).ok();
        kubectl().run("apply", "-n", "everything", "-f",
                SERVERS.file("everything-ds.yaml", daemonSet("everything-ds", image("1.0"))).toString()).ok();
        kubectl().run("expose", "-n", "everything", "deployment", "everything", "--port=80").ok();
        kubectl().run("rollout", "status", "-n", "everything", "deployment/everything", "--timeout=120s").ok();
        kubectl().run("rollout", "status", "-n", "everything", "daemonset/everything-ds", "--timeout=120s").ok();

        String all = kubectl().run("get", "all", "-n", "everything").ok().stdout();
        assertThat(all).containsPattern("(?m)^NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE$")
                .containsPattern("(?m)^pod/everything-\\w+-\\w+\\s+1/1\\s+Running\\s+0\\s+")
                .containsPattern("(?m)^pod/everything-ds-\\w+\\s+1/1\\s+Running\\s+0\\s+")
                .containsPattern("(?m)^NAME\\s+TYPE\\s+CLUSTER-IP\\s+EXTERNAL-IP\\s+PORT\\(S\\)\\s+AGE$")
                .containsPattern("(?m)^service/everything\\s+ClusterIP\\s+10\\.")
                .containsPattern("(?m)^NAME\\s+DESIRED\\s+CURRENT\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+NODE SELECTOR\\s+AGE$")
                .containsPattern("(?m)^daemonset.apps/everything-ds\\s+1\\s+1\\s+1\\s+1\\s+1\\s+<none>\\s+")
                .containsPattern("(?m)^NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE$")
                .containsPattern("(?m)^deployment.apps/everything\\s+1/1\\s+1\\s+1\\s+")
                .containsPattern("(?m)^NAME\\s+DESIRED\\s+CURRENT\\s+READY\\s+AGE$")
                .containsPattern("(?m)^replicaset.apps/everything-\\w+\\s+1\\s+1\\s+1\\s+");
        kubectl().run("delete", "namespace", "everything", "--timeout=120s").ok();
    }

    @Test
    void anEvictionThatWouldBreakABudgetIsRefusedWith429AndUpstreamsMessage() {
        apply("guarded", deployment("guarded", 2, image("1.0"), ""));
        rolloutStatus("deployment/guarded").ok();
        assertThat(kubectl().run("create", "poddisruptionbudget", "guarded", "--selector=app=guarded",
                "--min-available=2").ok().stdout()).isEqualTo("poddisruptionbudget.policy/guarded created\n");
        Await.until(Duration.ofSeconds(30), "the budget counted", () -> kubectl().run("get", "pdb", "guarded").ok().cells(),
                cells -> cells.get(1).subList(0, 4).equals(List.of("guarded", "2", "N/A", "0"))
                        && json("get", "pdb", "guarded", "-o", "json").at("/status/currentHealthy").asInt() == 2);
        String pod = livePods("guarded").getFirst().at("/metadata/name").asText();

        ApiClient.Response refused = SERVERS.server().api().postJson("/api/v1/namespaces/default/pods/" + pod + "/eviction",
                "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + pod
                        + "\",\"namespace\":\"default\"}}");
        assertThat(refused.status()).isEqualTo(429);
        JsonNode status = Json.MAPPER.valueToTree(parse(refused.bytes()));
        assertThat(status.path("reason").asText()).isEqualTo("TooManyRequests");
        assertThat(status.path("message").asText()).isEqualTo("Cannot evict pod as it would violate the pod's disruption budget.");
        assertThat(status.at("/details/causes/0/reason").asText()).isEqualTo("DisruptionBudget");
        assertThat(status.at("/details/causes/0/message").asText())
                .isEqualTo("The disruption budget guarded needs 2 healthy pods and has 2 currently");
        assertThat(livePods("guarded")).extracting(p -> p.at("/metadata/name").asText()).contains(pod);

        String node = SERVERS.server().nodeName();
        try {
            Kubectl.Result drain = kubectl().run("drain", node, "--pod-selector=app=guarded", "--ignore-daemonsets",
                    "--timeout=3s");
            assertThat(drain.exitCode()).isNotZero();
            assertThat(drain.stderr()).contains("error when evicting pods/\"" + pod + "\" -n \"default\"")
                    .contains("Cannot evict pod as it would violate the pod's disruption budget.");
        } finally {
            kubectl().run("uncordon", node).ok();
        }
    }

    @Test
    void aRolloutThatMakesNoProgressFailsAtItsDeadline() {
        apply("stuck", deployment("stuck", 1, REGISTRY.host() + "/busybox:no-such-tag", "  progressDeadlineSeconds: 10\n"));
        Kubectl.Result status = kubectl().run("rollout", "status", "deployment/stuck", "--timeout=90s");
        assertThat(status.exitCode()).isNotZero();
        assertThat(status.stderr()).contains("error: deployment \"stuck\" exceeded its progress deadline");
        JsonNode progressing = null;
        for (JsonNode c : json("get", "deployment", "stuck", "-o", "json").at("/status/conditions")) {
            if (c.path("type").asText().equals("Progressing")) {
                progressing = c;
            }
        }
        assertThat(progressing).isNotNull();
        assertThat(progressing.path("status").asText()).isEqualTo("False");
        assertThat(progressing.path("reason").asText()).isEqualTo("ProgressDeadlineExceeded");
        assertThat(progressing.path("message").asText()).matches("ReplicaSet \"stuck-\\w+\" has timed out progressing\\.");
        kubectl().run("delete", "deployment", "stuck").ok();
    }

    @Test
    void aPausedDeploymentRollsNothingOutUntilResumed() {
        apply("paused", deployment("paused", 1, image("1.0"), ""));
        rolloutStatus("deployment/paused").ok();
        kubectl().run("set", "image", "deployment/paused", "main=" + image("2.0")).ok();
        rolloutStatus("deployment/paused").ok();
        assertThat(kubectl().run("rollout", "pause", "deployment/paused").ok().stdout())
                .isEqualTo("deployment.apps/paused paused\n");
        assertThat(kubectl().run("rollout", "restart", "deployment/paused").failed().stderr())
                .contains("can't restart paused deployment (run rollout resume first)");

        kubectl().run("set", "image", "deployment/paused", "main=" + image("1.0")).ok();
        Await.until(Duration.ofSeconds(30), "the paused spec observed", () -> json("get", "deployment", "paused", "-o", "json"),
                d -> d.at("/status/observedGeneration").asInt() == d.at("/metadata/generation").asInt());
        assertThat(livePods("paused")).singleElement().satisfies(p ->
                assertThat(p.at("/spec/containers/0/image").asText()).as("nothing rolled out").isEqualTo(image("2.0")));
        assertThat(kubectl().run("rollout", "undo", "deployment/paused").failed().stderr())
                .contains("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");

        assertThat(kubectl().run("rollout", "resume", "deployment/paused").ok().stdout())
                .isEqualTo("deployment.apps/paused resumed\n");
        rolloutStatus("deployment/paused").ok();
        Await.until(ROLLOUT, "the first template back", () -> livePods("paused"), pods -> pods.size() == 1
                && pods.getFirst().at("/spec/containers/0/image").asText().equals(image("1.0")));
        JsonNode rss = json("get", "replicasets", "-l", "app=paused", "-o", "json").path("items");
        assertThat(rss).hasSize(2);
        assertThat(json("get", "deployment", "paused", "-o", "json").at("/metadata/annotations")
                .path("deployment.kubernetes.io/revision").asText()).isEqualTo("3");
    }

    @Test
    void invalidManifestsAreRefusedWithUpstreamsMessages() {
        String valid = deployment("mismatched", 1, image("1.0"), "");
        int templateLabel = valid.lastIndexOf("app: mismatched");
        String mismatched = valid.substring(0, templateLabel) + "app: other"
                + valid.substring(templateLabel + "app: mismatched".length());
        assertThat(kubectl().run("apply", "-f", SERVERS.file("mismatched.yaml", mismatched).toString()).failed().stderr())
                .contains("The Deployment \"mismatched\" is invalid: spec.template.metadata.labels: Invalid value: "
                        + "map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`");
        String typo = deployment("typo", 1, image("1.0"), "").replace("        image:", "        imagee:");
        assertThat(kubectl().run("apply", "-f", SERVERS.file("typo.yaml", typo).toString()).failed().stderr())
                .contains("strict decoding error: unknown field \"spec.template.spec.containers[0].imagee\"");
        String never = deployment("never", 1, image("1.0"), "").replace("      terminationGracePeriodSeconds: 5",
                "      terminationGracePeriodSeconds: 5\n      restartPolicy: Never");
        assertThat(kubectl().run("apply", "-f", SERVERS.file("never.yaml", never).toString()).failed().stderr())
                .contains("The Deployment \"never\" is invalid: spec.template.spec.restartPolicy: Unsupported value: "
                        + "\"Never\": supported values: \"Always\"");
        apply("immutable", deployment("immutable", 1, image("1.0"), ""));
        assertThat(kubectl().run("patch", "deployment", "immutable", "--type=merge", "-p",
                "{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"immutable\",\"tier\":\"web\"}},"
                        + "\"template\":{\"metadata\":{\"labels\":{\"tier\":\"web\"}}}}}").failed().stderr())
                .contains("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"immutable\", "
                        + "\"tier\":\"web\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
    }

    @Test
    void olderAndNewerKubectlsDriveDeploymentsToo() {
        for (String version : List.of("1.27", "1.33")) {
            Kubectl kubectl = SERVERS.kubectl(version);
            String name = "kubectl-" + version.replace(".", "-");
            assertThat(kubectl.run("create", "deployment", name, "--image=" + image("1.0"), "--",
                    "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done").ok().stdout())
                    .isEqualTo("deployment.apps/" + name + " created\n");
            assertThat(kubectl.run("rollout", "status", "deployment/" + name, "--timeout=120s").ok().stdout())
                    .endsWith("deployment \"" + name + "\" successfully rolled out\n");
            assertThat(kubectl.run("scale", "deployment/" + name, "--replicas=2").ok().stdout())
                    .isEqualTo("deployment.apps/" + name + " scaled\n");
            assertThat(kubectl.run("rollout", "status", "deployment/" + name, "--timeout=120s").ok().stdout())
                    .endsWith("deployment \"" + name + "\" successfully rolled out\n");
            assertThat(kubectl.run("get", "deployment", name).ok().cells().get(1).subList(0, 4))
                    .containsExactly(name, "2/2", "2", "2");
            kubectl.run("delete", "deployment", name).ok();
        }
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            return Json.MAPPER.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
