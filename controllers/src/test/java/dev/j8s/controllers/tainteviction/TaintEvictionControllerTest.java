package dev.j8s.controllers.tainteviction;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** When a pod must leave a NoExecute-tainted node, as upstream's taint eviction controller counts it. */
class TaintEvictionControllerTest {

    private static final Instant ADDED = Instant.parse("2026-12-07T12:00:00Z");
    private static final Instant NOW = ADDED.plusSeconds(10);
    private static final Taint UNREACHABLE = new TaintBuilder().withKey("node.kubernetes.io/unreachable")
            .withEffect("NoExecute").build();
    private static final Taint NOT_READY = new TaintBuilder().withKey("node.kubernetes.io/not-ready")
            .withEffect("NoExecute").build();

    private static Toleration tolerate(String key, Long seconds) {
        return new TolerationBuilder().withKey(key).withOperator("Exists").withEffect("NoExecute")
                .withTolerationSeconds(seconds).build();
    }

    record Case(String name, List<Taint> taints, List<Toleration> tolerations, Optional<Instant> due) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("an untolerated taint evicts at once", List.of(UNREACHABLE), List.of(), Optional.of(NOW)),
                new Case("the shortest matching toleration counts from the taint's time", List.of(UNREACHABLE),
                        List.of(tolerate("node.kubernetes.io/unreachable", 300L), tolerate("example.com/other", 5L),
                                tolerate("node.kubernetes.io/unreachable", 30L)),
                        Optional.of(ADDED.plusSeconds(30))),
                new Case("a toleration without seconds tolerates forever", List.of(UNREACHABLE),
                        List.of(tolerate("node.kubernetes.io/unreachable", null)), Optional.empty()),
                new Case("with two taints the earlier deadline wins", List.of(UNREACHABLE, NOT_READY),
                        List.of(tolerate("node.kubernetes.io/unreachable", 300L),
                                tolerate("node.kubernetes.io/not-ready", 60L)),
                        Optional.of(ADDED.plusSeconds(60))),
                new Case("one taint not tolerated among tolerated ones evicts at once", List.of(UNREACHABLE, NOT_READY),
                        List.of(tolerate("node.kubernetes.io/unreachable", null)), Optional.of(NOW)),
                new Case("an empty key with Exists tolerates every taint, here forever", List.of(UNREACHABLE, NOT_READY),
                        List.of(tolerate("", null)), Optional.empty()),
                new Case("negative seconds mean now", List.of(UNREACHABLE),
                        List.of(tolerate("node.kubernetes.io/unreachable", -5L)), Optional.of(ADDED)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void evictionIsDueWhenTheTolerationsRunOut(Case c) {
        assertThat(TaintEvictionController.due(c.taints(), c.tolerations(), taint -> ADDED, NOW)).isEqualTo(c.due());
    }
}
