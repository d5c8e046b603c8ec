package dev.j8s.apiserver.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.patch.PatchType;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.testing.LocalApi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deletion with propagation policies, the scale subresource and evictions, over a real SQLite store. */
class WorkloadVerbsTest {

    @TempDir
    Path dir;

    private LocalApi api;
    private ObjectService objects;

    @BeforeEach
    void open() {
        api = LocalApi.open(dir);
        objects = api.objects();
    }

    @AfterEach
    void close() {
        api.close();
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private ResourceType type(String group, String plural) {
        return objects.resources().find(group, "v1", plural).orElseThrow();
    }

    private ObjectNode createDeployment(String name) {
        return objects.create(type("apps", "deployments"), "default", json("""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s"},
                 "spec":{"replicas":2,"selector":{"matchLabels":{"app":"%s"}},
                  "template":{"metadata":{"labels":{"app":"%s"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}
                """.formatted(name, name, name)), false);
    }

    private static DeleteOptions propagation(String policy) {
        return new DeleteOptions(OptionalLong.empty(), "", "", policy, false);
    }

    @Test
    void foregroundAndOrphanDeletionsWaitOnTheirFinalizerAndBackgroundRemovesAtOnce() {
        ResourceType deployments = type("apps", "deployments");
        createDeployment("fg");
        ObjectService.Deleted fg = objects.delete(deployments, "default", "fg", propagation("Foreground"));
        assertThat(fg.gone()).isFalse();
        assertThat(fg.object().at("/metadata/finalizers").toString()).isEqualTo("[\"foregroundDeletion\"]");
        assertThat(fg.object().at("/metadata/deletionTimestamp").asText()).isNotEmpty();
        assertThat(fg.object().at("/metadata/deletionGracePeriodSeconds").asInt()).isZero();

        ObjectService.Deleted switched = objects.delete(deployments, "default", "fg", propagation("Orphan"));
        assertThat(switched.object().at("/metadata/finalizers").toString())
                .as("a repeated DELETE may switch the policy").isEqualTo("[\"orphan\"]");

        ObjectService.Deleted background = objects.delete(deployments, "default", "fg", propagation("Background"));
        assertThat(background.gone()).as("no finalizer left").isTrue();
        assertThat(objects.find(deployments, "default", "fg")).isEmpty();

        createDeployment("bg");
        assertThat(objects.delete(deployments, "default", "bg", DeleteOptions.defaults()).gone()).isTrue();
    }

    @Test
    void aJobDeletedWithoutAPolicyOrphansItsPodsAndWithBackgroundGoesAtOnce() {
        ResourceType jobs = type("batch", "jobs");
        String job = """
                {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"%s"},
                 "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}
                """;
        objects.create(jobs, "default", json(job.formatted("kept")), false);
        ObjectService.Deleted orphaning = objects.delete(jobs, "default", "kept", DeleteOptions.defaults());
        assertThat(orphaning.gone()).isFalse();
        assertThat(orphaning.object().at("/metadata/finalizers").toString()).isEqualTo("[\"orphan\"]");
        assertThat(ObjectService.orphansByDefault(jobs)).isTrue();
        assertThat(ObjectService.orphansByDefault(type("apps", "deployments"))).isFalse();

        objects.create(jobs, "default", json(job.formatted("gone")), false);
        assertThat(objects.delete(jobs, "default", "gone", propagation("Background")).gone()).isTrue();
    }

    @Test
    void anObjectGoesOnceItsLastFinalizerIsRemoved() {
        ResourceType configMaps = type("", "configmaps");
        objects.create(configMaps, "default", json("""
                {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held","finalizers":["example.com/hold"]}}
                """), false);
        ObjectService.Deleted pending = objects.delete(configMaps, "default", "held", DeleteOptions.defaults());
        assertThat(pending.gone()).isFalse();

        ApiError.Invalid refused = catchThrowableOfType(ApiError.Invalid.class, () -> objects.patch(configMaps,
                "default", "held", PatchType.MERGE_PATCH,
                "{\"metadata\":{\"finalizers\":[\"example.com/hold\",\"example.com/more\"]}}".getBytes(StandardCharsets.UTF_8),
                "", false));
        assertThat(refused.getMessage()).contains("no new finalizers can be added if the object is being deleted, "
                + "found new finalizers []string{\"example.com/more\"}");

        objects.patch(configMaps, "default", "held", PatchType.MERGE_PATCH,
                "{\"metadata\":{\"finalizers\":null}}".getBytes(StandardCharsets.UTF_8), "", false);
        assertThat(objects.find(configMaps, "default", "held")).isEmpty();
    }

    @Test
    void theScaleSubresourceReadsAndWritesOnlyTheReplicas() {
        ResourceType deployments = type("apps", "deployments");
        ObjectNode created = createDeployment("web");
        Scales scales = new Scales(objects);

        ObjectNode scale = scales.get(deployments, "default", "web");
        assertThat(scale).isEqualTo(json("""
                {"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","namespace":"default",
                 "uid":"%s","resourceVersion":"%s","creationTimestamp":"%s"},
                 "spec":{"replicas":2},"status":{"replicas":0,"selector":"app=web"}}
                """.formatted(Json.text(created, "metadata.uid"), Json.text(created, "metadata.resourceVersion"),
                Json.text(created, "metadata.creationTimestamp"))));

        ObjectNode patched = scales.patch(deployments, "default", "web", PatchType.MERGE_PATCH,
                "{\"spec\":{\"replicas\":5}}".getBytes(StandardCharsets.UTF_8), false);
        assertThat(patched.at("/spec/replicas").asInt()).isEqualTo(5);
        ObjectNode deployment = objects.get(deployments, "default", "web");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(deployment.at("/metadata/generation").asInt()).isEqualTo(2);

        ObjectNode stale = scale.deepCopy();
        stale.with("spec").put("replicas", 1);
        assertThat(catchThrowableOfType(ApiError.Conflict.class,
                () -> scales.update(deployments, "default", "web", stale, false))).isNotNull();

        ObjectNode negative = scales.get(deployments, "default", "web");
        negative.with("spec").put("replicas", -1);
        assertThat(catchThrowableOfType(ApiError.Invalid.class,
                () -> scales.update(deployments, "default", "web", negative, false)).getMessage())
                .isEqualTo("Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than "
                        + "or equal to 0");
    }

    @Test
    void anEvictionThatWouldBreakABudgetIsRefusedWithUpstreamsMessageAndOneThatFitsTakesADisruption() {
        ResourceType pods = type("", "pods");
        ResourceType budgets = type("policy", "poddisruptionbudgets");
        for (String name : new String[] {"web-1", "web-2"}) {
            objects.create(pods, "default", json("""
                    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"app":"web"}},
                     "spec":{"containers":[{"name":"c","image":"busybox"}]}}""".formatted(name)), false);
            objects.patch(pods, "default", name, PatchType.MERGE_PATCH, """
                    {"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}"""
                    .getBytes(StandardCharsets.UTF_8), "status", false);
        }
        objects.create(budgets, "default", json("""
                {"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"web"},
                 "spec":{"minAvailable":2,"selector":{"matchLabels":{"app":"web"}}}}"""), false);
        objects.patch(budgets, "default", "web", PatchType.MERGE_PATCH, """
                {"status":{"observedGeneration":1,"disruptionsAllowed":0,"currentHealthy":2,"desiredHealthy":2,
                 "expectedPods":2}}""".getBytes(StandardCharsets.UTF_8), "status", false);
        Evictions evictions = new Evictions(objects);
        ObjectNode eviction = json("""
                {"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1","namespace":"default"}}""");

        ApiError.TooManyRequests refused = catchThrowableOfType(ApiError.TooManyRequests.class,
                () -> evictions.evict(pods, "default", "web-1", eviction, false));
        assertThat(refused.toStatus()).isEqualTo(json("""
                {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                 "message":"Cannot evict pod as it would violate the pod's disruption budget.",
                 "reason":"TooManyRequests","details":{"causes":[{"reason":"DisruptionBudget",
                 "message":"The disruption budget web needs 2 healthy pods and has 2 currently"}]},"code":429}"""));
        assertThat(objects.find(pods, "default", "web-1")).isPresent();

        objects.patch(budgets, "default", "web", PatchType.MERGE_PATCH,
                "{\"status\":{\"disruptionsAllowed\":1,\"currentHealthy\":3}}".getBytes(StandardCharsets.UTF_8),
                "status", false);
        ObjectNode success = evictions.evict(pods, "default", "web-1", eviction, false);
        assertThat(success.path("status").asText()).isEqualTo("Success");
        assertThat(objects.find(pods, "default", "web-1")).as("no kubelet: deleted at once").isEmpty();
        ObjectNode budget = objects.get(budgets, "default", "web");
        assertThat(budget.at("/status/disruptionsAllowed").asInt()).isZero();
        assertThat(budget.at("/status/disruptedPods").has("web-1")).isTrue();
    }
}
