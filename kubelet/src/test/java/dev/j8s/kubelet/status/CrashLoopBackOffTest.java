package dev.j8s.kubelet.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrashLoopBackOffTest {

  /** A clock the test moves. */
  static final class MovingClock extends Clock {
    Instant now = Instant.parse("2025-03-01T12:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  private final MovingClock clock = new MovingClock();
  private final CrashLoopBackOff backOff = new CrashLoopBackOff(clock);
  private final CrashLoopBackOff.Key key = new CrashLoopBackOff.Key("uid-1", "main");

  /** The container exits immediately on every start; returns the back-off message seen before each restart. */
  private List<String> crashRepeatedly(int restarts) {
    List<String> messages = new ArrayList<>();
    for (int i = 0; i < restarts; i++) {
      Instant finished = clock.instant();
      Optional<WaitingReason> wait = backOff.check(key, "busy", "default", finished);
      while (wait.isPresent()) {
        messages.add(wait.get().message());
        clock.advance(Duration.ofSeconds(1));
        wait = backOff.check(key, "busy", "default", finished);
      }
      clock.advance(Duration.ofSeconds(1)); // runs one second, exits again
    }
    return messages;
  }

  @Test
  void theFirstExitRestartsAtOnceThenTheBackOffDoublesToFiveMinutes() {
    assertThat(backOff.check(key, "busy", "default", clock.instant())).isEmpty();
    assertThat(backOff.current(key)).isEqualTo(Duration.ofSeconds(10));
    List<String> distinct = crashRepeatedly(8).stream().distinct().toList();
    assertThat(distinct).containsExactly(
        "back-off 10s restarting failed container=main pod=busy_default(uid-1)",
        "back-off 20s restarting failed container=main pod=busy_default(uid-1)",
        "back-off 40s restarting failed container=main pod=busy_default(uid-1)",
        "back-off 1m20s restarting failed container=main pod=busy_default(uid-1)",
        "back-off 2m40s restarting failed container=main pod=busy_default(uid-1)",
        "back-off 5m0s restarting failed container=main pod=busy_default(uid-1)");
  }

  @Test
  void theWaitIsMeasuredFromTheExitNotFromTheCheck() {
    backOff.check(key, "busy", "default", clock.instant()); // first exit: restart, arm 10 s
    clock.advance(Duration.ofSeconds(3));
    Instant secondExit = clock.instant();
    clock.advance(Duration.ofSeconds(9));
    assertThat(backOff.check(key, "busy", "default", secondExit)).isPresent();
    clock.advance(Duration.ofSeconds(1));
    assertThat(backOff.check(key, "busy", "default", secondExit)).isEmpty();
    assertThat(backOff.current(key)).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void aContainerThatRanLongerThanTenMinutesStartsOverAtTenSeconds() {
    crashRepeatedly(5);
    assertThat(backOff.current(key)).isGreaterThan(Duration.ofSeconds(60));
    clock.advance(Duration.ofMinutes(10).plusSeconds(1));
    assertThat(backOff.check(key, "busy", "default", clock.instant())).isEmpty();
    assertThat(backOff.current(key)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void containersAndPodsAreKeptApartAndForgottenTogether() {
    CrashLoopBackOff.Key other = new CrashLoopBackOff.Key("uid-1", "side");
    CrashLoopBackOff.Key otherPod = new CrashLoopBackOff.Key("uid-2", "main");
    crashRepeatedly(3);
    assertThat(backOff.current(other)).isZero();
    backOff.next(other, clock.instant());
    backOff.next(otherPod, clock.instant());
    backOff.forgetPod("uid-1");
    assertThat(backOff.current(key)).isZero();
    assertThat(backOff.current(other)).isZero();
    assertThat(backOff.current(otherPod)).isEqualTo(Duration.ofSeconds(10));
    clock.advance(Duration.ofMinutes(11));
    backOff.gc();
    assertThat(backOff.current(otherPod)).isZero();
  }

  @Test
  void theBackOffEventIsWordedAsUpstream() {
    assertThat(CrashLoopBackOff.eventMessage("main", "busy", "default", "uid-1"))
        .isEqualTo("Back-off restarting failed container main in pod busy_default(uid-1)");
  }
}
