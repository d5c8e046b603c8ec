package dev.j8s.controllers.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpectationsTest {

    private final ManualClock clock = new ManualClock();
    private final Expectations expectations = new Expectations(clock);

    @Test
    void aControllerWithoutExpectationsMayAct() {
        assertThat(expectations.satisfied("ns/rs")).isTrue();
    }

    @Test
    void creationsAreSatisfiedOnceEachWasObserved() {
        expectations.expectCreations("ns/rs", 2);
        expectations.creationObserved("ns/rs");
        assertThat(expectations.satisfied("ns/rs")).isFalse();
        expectations.creationObserved("ns/rs");
        assertThat(expectations.satisfied("ns/rs")).isTrue();
    }

    @Test
    void deletionsAreTrackedByTheKeysOfTheDeletedObjects() {
        expectations.expectDeletions("ns/rs", List.of("ns/p1", "ns/p2"));
        expectations.deletionObserved("ns/rs", "ns/p1");
        expectations.deletionObserved("ns/rs", "ns/p1");
        assertThat(expectations.satisfied("ns/rs")).as("p2 still pending").isFalse();
        expectations.deletionObserved("ns/rs", "ns/p2");
        assertThat(expectations.satisfied("ns/rs")).isTrue();
    }

    @Test
    void unmetExpectationsExpireAfterFiveMinutesSoALostEventCannotStallAController() {
        expectations.expectCreations("ns/rs", 1);
        clock.advance(Duration.ofMinutes(5));
        assertThat(expectations.satisfied("ns/rs")).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(expectations.satisfied("ns/rs")).isTrue();
    }
}
