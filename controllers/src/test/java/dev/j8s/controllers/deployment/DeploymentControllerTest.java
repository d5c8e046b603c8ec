package dev.j8s.controllers.deployment;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.testing.Controllers;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Deployment controller with the ReplicaSet controller and GC over a real API server, pods made ready. */
class DeploymentControllerTest {

    @TempDir
    Path dir;

    private Controllers controllers;
    private ResourceClient<Deployment> deployments;
    private ResourceClient<ReplicaSet> replicaSets;
    private ResourceClient<Pod> pods;

    @BeforeEach
    void start() {
        controllers = Controllers.start(dir);
        deployments = controllers.api().client().resource(Kind.DEPLOYMENTS);
        replicaSets = controllers.api().client().resource(Kind.REPLICA_SETS);
        pods = controllers.api().client().resource(Kind.PODS);
    }

    @AfterEach
    void stop() {
        controllers.close();
    }

    private Deployment create(String name, int replicas, String image) {
        return deployments.create(Controllers.deployment(name, replicas, image));
    }

    private Deployment get(String name) {
        return deployments.get("default", name).orElseThrow();
    }

    private List<ReplicaSet> replicaSetsOf(String app) {
        return replicaSets.list("default", ListOptions.labels("app=" + app)).items();
    }

    private Optional<DeploymentCondition> condition(Deployment d, String type) {
        return DeploymentUtil.getCondition(d.getStatus(), type);
    }

    /** As {@code kubectl rollout status}: the status describes the current generation and the rollout is done. */
    private boolean rolledOut(String name) {
        Deployment d = get(name);
        boolean observed = d.getStatus() != null && d.getStatus().getObservedGeneration() != null
                && d.getStatus().getObservedGeneration() >= d.getMetadata().getGeneration();
        return observed && DeploymentUtil.complete(d, d.getStatus()) && condition(d, "Progressing")
                .map(c -> DeploymentUtil.NEW_RS_AVAILABLE.equals(c.getReason())).orElse(false);
    }

    private void setImage(String name, String image) {
        deployments.patch("default", name, PatchType.STRATEGIC_MERGE,
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"" + image + "\"}]}}}}");
    }

    @Test
    void aNewDeploymentGetsAReplicaSetNamedByItsTemplateHashAndRollsOutWithUpstreamsConditions() {
        Deployment created = create("web", 2, "busybox:1.36");
        await("rolled out", () -> rolledOut("web"));

        List<ReplicaSet> rss = replicaSetsOf("web");
        assertThat(rss).hasSize(1);
        ReplicaSet rs = rss.getFirst();
        String hash = rs.getMetadata().getLabels().get("pod-template-hash");
        assertThat(hash).matches("[bcdfghjklmnpqrstvwxz2456789]{1,10}");
        assertThat(rs.getMetadata().getName()).isEqualTo("web-" + hash);
        assertThat(rs.getSpec().getSelector().getMatchLabels()).containsEntry("pod-template-hash", hash);
        assertThat(rs.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "1")
                .containsEntry("deployment.kubernetes.io/desired-replicas", "2")
                .containsEntry("deployment.kubernetes.io/max-replicas", "3");
        assertThat(Owners.isControlledBy(rs, created.getMetadata().getUid())).isTrue();

        Deployment d = get("web");
        assertThat(d.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "1");
        assertThat(d.getStatus().getObservedGeneration()).isEqualTo(1L);
        assertThat(d.getStatus().getReplicas()).isEqualTo(2);
        assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(2);
        assertThat(d.getStatus().getReadyReplicas()).isEqualTo(2);
        assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(2);
        assertThat(condition(d, "Available").orElseThrow()).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("MinimumReplicasAvailable");
            assertThat(c.getMessage()).isEqualTo("Deployment has minimum availability.");
        });
        assertThat(condition(d, "Progressing").orElseThrow()).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getMessage()).isEqualTo("ReplicaSet \"" + rs.getMetadata().getName()
                    + "\" has successfully progressed.");
        });
        await("the creation event", () -> !controllers.events("default", "ScalingReplicaSet").isEmpty());
        assertThat(controllers.events("default", "ScalingReplicaSet").getFirst().getMessage())
                .isEqualTo("Scaled up replica set " + rs.getMetadata().getName() + " from 0 to 2");
    }

    @Test
    void aNewTemplateRollsOverWithinTheSurgeAndUnavailabilityBoundsAndRecordsEachStep() {
        create("web", 4, "busybox:1.36");
        await("rolled out", () -> rolledOut("web"));
        String oldRs = replicaSetsOf("web").getFirst().getMetadata().getName();

        setImage("web", "busybox:1.37");
        await("rolled out again", () -> get("web").getMetadata().getGeneration() == 2 && rolledOut("web"));

        List<ReplicaSet> rss = replicaSetsOf("web");
        assertThat(rss).hasSize(2);
        ReplicaSet newRs = rss.stream().filter(r -> !r.getMetadata().getName().equals(oldRs)).findFirst().orElseThrow();
        assertThat(newRs.getSpec().getReplicas()).isEqualTo(4);
        assertThat(newRs.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "2");
        assertThat(replicaSets.get("default", oldRs).orElseThrow().getSpec().getReplicas()).isZero();
        assertThat(pods.list("default", ListOptions.labels("app=web")).items().stream().filter(Pods::isActive))
                .hasSize(4).allSatisfy(p -> assertThat(p.getSpec().getContainers().getFirst().getImage())
                        .isEqualTo("busybox:1.37"));
        List<String> steps = controllers.events("default", "ScalingReplicaSet").stream().map(Event::getMessage)
                .filter(m -> !m.contains(" from 0 to 4")).toList();
        // 4 replicas, 25%/25%: surge 1, unavailable 1. Replaying the steps, the ReplicaSets never ask for more
        // than 5 pods; the rollout starts by adding one new pod and ends with the old ReplicaSet at 0.
        assertThat(steps.getFirst()).isEqualTo("Scaled up replica set " + newRs.getMetadata().getName() + " from 0 to 1");
        java.util.Map<String, Integer> sizes = new java.util.HashMap<>(java.util.Map.of(oldRs, 4));
        java.util.regex.Pattern step = java.util.regex.Pattern.compile("Scaled (?:up|down) replica set (\\S+) from \\d+ to (\\d+)");
        for (String message : steps) {
            java.util.regex.Matcher m = step.matcher(message);
            assertThat(m.matches()).as(message).isTrue();
            sizes.put(m.group(1), Integer.parseInt(m.group(2)));
            assertThat(sizes.values().stream().mapToInt(Integer::intValue).sum()).as("pods asked for after: " + message)
                    .isLessThanOrEqualTo(5);
        }
        assertThat(sizes).containsEntry(oldRs, 0).containsEntry(newRs.getMetadata().getName(), 4);
        assertThat(get("web").getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "2");
    }

    @Test
    void goingBackToAnOldTemplateReusesItsReplicaSetWithTheNextRevision() {
        create("web", 1, "busybox:1.36");
        await("rolled out", () -> rolledOut("web"));
        String first = replicaSetsOf("web").getFirst().getMetadata().getName();
        setImage("web", "busybox:1.37");
        await("revision 2", () -> get("web").getMetadata().getGeneration() == 2 && rolledOut("web"));
        setImage("web", "busybox:1.36");
        await("back on the first", () -> get("web").getMetadata().getGeneration() == 3 && rolledOut("web"));

        ReplicaSet rs = replicaSets.get("default", first).orElseThrow();
        assertThat(rs.getSpec().getReplicas()).isEqualTo(1);
        assertThat(rs.getMetadata().getAnnotations()).containsEntry("deployment.kubernetes.io/revision", "3")
                .containsEntry("deployment.kubernetes.io/revision-history", "1");
        assertThat(replicaSetsOf("web")).hasSize(2);
    }

    @Test
    void recreateScalesTheOldPodsAwayBeforeTheNewOnesStart() {
        create("re", 2, "busybox:1.36");
        deployments.patch("default", "re", PatchType.MERGE,
                "{\"spec\":{\"strategy\":{\"type\":\"Recreate\",\"rollingUpdate\":null}}}");
        await("rolled out", () -> rolledOut("re"));
        String oldRs = replicaSetsOf("re").getFirst().getMetadata().getName();
        setImage("re", "busybox:1.37");
        await("rolled out again", () -> get("re").getMetadata().getGeneration() == 3 && rolledOut("re"));
        List<String> steps = controllers.events("default", "ScalingReplicaSet").stream().map(Event::getMessage).toList();
        String down = "Scaled down replica set " + oldRs + " from 2 to 0";
        assertThat(steps).contains(down);
        String up = steps.stream().filter(m -> m.startsWith("Scaled up") && !m.contains(oldRs)).findFirst().orElseThrow();
        assertThat(steps.indexOf(down)).as("old pods go before new ones come").isLessThan(steps.indexOf(up));
    }

    @Test
    void onlyRevisionHistoryLimitOldReplicaSetsAreKept() {
        Deployment d = create("hist", 1, "busybox:1.30");
        deployments.patch("default", "hist", PatchType.MERGE, "{\"spec\":{\"revisionHistoryLimit\":1}}");
        for (int i = 1; i <= 3; i++) {
            setImage("hist", "busybox:1.3" + i);
            long generation = 2 + i;
            await("rollout " + i, () -> get("hist").getMetadata().getGeneration() == generation && rolledOut("hist"));
        }
        await("one old ReplicaSet left", () -> replicaSetsOf("hist").size() == 2);
        assertThat(replicaSetsOf("hist")).extracting(r -> r.getMetadata().getAnnotations()
                .get("deployment.kubernetes.io/revision")).containsExactlyInAnyOrder("3", "4");
        assertThat(d).isNotNull();
    }

    @Test
    void scalingAPausedDeploymentResizesItsReplicaSetAndMarksItPaused() {
        create("paused", 2, "busybox:1.36");
        await("rolled out", () -> rolledOut("paused"));
        deployments.patch("default", "paused", PatchType.MERGE, "{\"spec\":{\"paused\":true}}");
        await("paused condition", () -> condition(get("paused"), "Progressing")
                .map(c -> "DeploymentPaused".equals(c.getReason()) && "Deployment is paused".equals(c.getMessage())
                        && "Unknown".equals(c.getStatus())).orElse(false));
        setImage("paused", "busybox:1.37");
        deployments.patch("default", "paused", PatchType.MERGE, "{\"spec\":{\"replicas\":3}}");
        await("scaled while paused", () -> replicaSetsOf("paused").size() == 1
                && replicaSetsOf("paused").getFirst().getSpec().getReplicas() == 3);
        deployments.patch("default", "paused", PatchType.MERGE, "{\"spec\":{\"paused\":false}}");
        await("resumed and rolled out", () -> replicaSetsOf("paused").size() == 2 && rolledOut("paused"));
    }
}
