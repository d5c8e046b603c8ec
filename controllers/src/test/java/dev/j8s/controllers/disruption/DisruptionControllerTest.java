package dev.j8s.controllers.disruption;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.testing.Controllers;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DisruptionControllerTest {

    @TempDir
    Path dir;

    private Controllers controllers;
    private ResourceClient<PodDisruptionBudget> budgets;

    @BeforeEach
    void start() {
        controllers = Controllers.start(dir);
        budgets = controllers.api().client().resource(Kind.POD_DISRUPTION_BUDGETS);
        controllers.api().client().resource(Kind.DEPLOYMENTS).create(Controllers.deployment("web", 2, "busybox"));
    }

    @AfterEach
    void stop() {
        controllers.close();
    }

    private PodDisruptionBudget get(String name) {
        return budgets.get("default", name).orElseThrow();
    }

    @Test
    void aBudgetCountsHealthyPodsAndAllowsOnlyWhatExceedsItsMinimum() {
        budgets.create(new PodDisruptionBudgetBuilder().withNewMetadata().withName("web").withNamespace("default")
                .endMetadata().withNewSpec().withMinAvailable(new IntOrString(2)).withNewSelector()
                .addToMatchLabels("app", "web").endSelector().endSpec().build());
        await("2 healthy, none allowed", () -> {
            var s = get("web").getStatus();
            return s.getCurrentHealthy() == 2 && s.getObservedGeneration() != null && s.getObservedGeneration() == 1;
        });
        var status = get("web").getStatus();
        assertThat(status.getDesiredHealthy()).isEqualTo(2);
        assertThat(status.getExpectedPods()).isEqualTo(2);
        assertThat(status.getDisruptionsAllowed()).isZero();
        assertThat(status.getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("DisruptionAllowed");
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("InsufficientPods");
        });

        controllers.api().client().resource(Kind.DEPLOYMENTS).patch("default", "web", PatchType.MERGE,
                "{\"spec\":{\"replicas\":3}}");
        await("one disruption allowed", () -> get("web").getStatus().getDisruptionsAllowed() == 1);
        assertThat(get("web").getStatus().getConditions().getFirst().getReason()).isEqualTo("SufficientPods");
    }

    @Test
    void aPercentageIsResolvedAgainstTheScaleOfThePodsController() {
        budgets.create(new PodDisruptionBudgetBuilder().withNewMetadata().withName("half").withNamespace("default")
                .endMetadata().withNewSpec().withMaxUnavailable(new IntOrString("50%")).withNewSelector()
                .addToMatchLabels("app", "web").endSelector().endSpec().build());
        await("expected from the Deployment's replicas", () -> {
            var s = get("half").getStatus();
            return s.getExpectedPods() == 2 && s.getCurrentHealthy() == 2;
        });
        assertThat(get("half").getStatus().getDesiredHealthy()).isEqualTo(1);
        assertThat(get("half").getStatus().getDisruptionsAllowed()).isEqualTo(1);
    }
}
