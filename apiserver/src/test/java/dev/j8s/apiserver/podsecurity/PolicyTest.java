package dev.j8s.apiserver.podsecurity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyTest {

    private static final Policy DEFAULTS = Policy.parseDefaults("enforce=privileged,warn=baseline");

    @Test
    void labelsReplaceTheDefaultsModeByMode() {
        Policy.Resolved resolved = Policy.fromLabels(Map.of("pod-security.kubernetes.io/enforce", "baseline",
                "pod-security.kubernetes.io/enforce-version", "v1.29", "kubernetes.io/metadata.name", "x"), DEFAULTS);

        assertThat(resolved.errors()).isEmpty();
        assertThat(resolved.policy().enforce()).hasToString("baseline:v1.29");
        assertThat(resolved.policy().warn()).hasToString("baseline:latest");
        assertThat(resolved.policy().audit()).hasToString("privileged:latest");
    }

    @Test
    void wrongLabelsAreErrorsEnforceFailsClosedAndWarnFailsOpen() {
        Policy.Resolved resolved = Policy.fromLabels(Map.of("pod-security.kubernetes.io/enforce", "strict",
                "pod-security.kubernetes.io/warn", "loud", "pod-security.kubernetes.io/audit-version", "1.29"),
                DEFAULTS);

        assertThat(resolved.policy().enforce()).hasToString("restricted:latest");
        assertThat(resolved.policy().warn()).hasToString("privileged:latest");
        assertThat(resolved.errors()).containsExactly(
                new Policy.LabelError("pod-security.kubernetes.io/enforce", "strict",
                        "must be one of privileged, baseline, restricted"),
                new Policy.LabelError("pod-security.kubernetes.io/audit-version", "1.29",
                        "must be \"latest\" or \"v1.x\""),
                new Policy.LabelError("pod-security.kubernetes.io/warn", "loud",
                        "must be one of privileged, baseline, restricted"));
    }

    @Test
    void theDefaultsFlagParsesAndRefusesWhatIsWrong() {
        assertThat(Policy.parseDefaults("enforce=baseline,enforce-version=v1.30,audit=restricted").toFlag())
                .isEqualTo("enforce=baseline,enforce-version=v1.30,audit=restricted,audit-version=latest,"
                        + "warn=privileged,warn-version=latest");
        assertThatThrownBy(() -> Policy.parseDefaults("enforce=strict"))
                .hasMessage("invalid pod security default enforce=strict: must be one of privileged, baseline, restricted");
        assertThatThrownBy(() -> Policy.parseDefaults("block=baseline"))
                .hasMessageStartingWith("invalid pod security default \"block=baseline\"");
    }
}
