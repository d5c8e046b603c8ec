package dev.j8s.kubelet.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StatusManagerTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final List<String> writes = new CopyOnWriteArrayList<>();
  private final AtomicBoolean podExists = new AtomicBoolean(true);
  private final StatusManager manager = new StatusManager((ns, name, uid, status) -> {
    writes.add(ns + "/" + name + " " + uid + " " + status.getPhase());
    return podExists.get() ? Optional.of(new Pod()) : Optional.empty();
  });

  private static Pod pod(String name, String uid) {
    return new PodBuilder().withNewMetadata().withNamespace("default").withName(name).withUid(uid).endMetadata()
        .build();
  }

  private static PodStatus status(String phase) {
    return new PodStatusBuilder().withPhase(phase).build();
  }

  @Test
  void aStatusIsWrittenOnlyWhenItDiffersFromTheLastOneWritten() {
    Pod pod = pod("web", "u-1");

    manager.setPodStatus(pod, status("Pending"));
    manager.setPodStatus(pod, status("Pending"));
    manager.setPodStatus(pod, status("Running"));

    assertThat(writes).containsExactly("default/web u-1 Pending", "default/web u-1 Running");
    assertThat(manager.podStatus("u-1")).contains(status("Running"));
    assertThat(manager.podStatus("u-2")).isEmpty();
  }

  @Test
  void aWriteTheApiServerRefusedIsNotRememberedSoTheSameStatusIsWrittenAgain() {
    Pod pod = pod("web", "u-1");
    podExists.set(false);

    manager.setPodStatus(pod, status("Running"));
    podExists.set(true);
    manager.setPodStatus(pod, status("Running"));

    assertThat(writes).containsExactly("default/web u-1 Running", "default/web u-1 Running");
    assertThat(manager.podStatus("u-1")).contains(status("Running"));
  }

  @Test
  void aRemovedPodIsForgottenAndItsNextStatusWrittenAgain() {
    Pod pod = pod("web", "u-1");
    manager.setPodStatus(pod, status("Running"));

    manager.removePod("u-1");

    assertThat(manager.podStatus("u-1")).isEmpty();
    manager.setPodStatus(pod, status("Running"));
    assertThat(writes).hasSize(2);
  }

  @Test
  void onePodHasOneWriteInFlightWhileOtherPodsAreWrittenMeanwhile() throws Exception {
    CountDownLatch firstWriteEntered = new CountDownLatch(1);
    CountDownLatch releaseFirstWrite = new CountDownLatch(1);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    List<String> order = new CopyOnWriteArrayList<>();
    StatusManager blocking = new StatusManager((ns, name, uid, status) -> {
      if (uid.equals("u-1")) {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        order.add(status.getPhase());
        if (status.getPhase().equals("Pending")) {
          firstWriteEntered.countDown();
          await(releaseFirstWrite);
        }
        inFlight.decrementAndGet();
      }
      return Optional.of(new Pod());
    });
    Thread first = Thread.ofPlatform().start(() -> blocking.setPodStatus(pod("web", "u-1"), status("Pending")));
    assertThat(firstWriteEntered.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    Thread second = Thread.ofPlatform().start(() -> blocking.setPodStatus(pod("web", "u-1"), status("Running")));
    awaitBlocked(second);

    blocking.setPodStatus(pod("db", "u-2"), status("Running")); // another pod is not held up
    assertThat(blocking.podStatus("u-2")).contains(status("Running"));
    assertThat(order).containsExactly("Pending");

    releaseFirstWrite.countDown();
    first.join(TIMEOUT);
    second.join(TIMEOUT);
    assertThat(order).containsExactly("Pending", "Running");
    assertThat(maxInFlight).hasValue(1);
    assertThat(blocking.podStatus("u-1")).contains(status("Running"));
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("latch not released in " + TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Waits until {@code thread} is blocked on the pod's lock (it cannot get further while the first write runs). */
  private static void awaitBlocked(Thread thread) throws InterruptedException {
    Instant deadline = Instant.now().plus(TIMEOUT);
    while (thread.getState() != Thread.State.BLOCKED) {
      assertThat(Instant.now()).as("second writer blocked on the pod's lock").isBefore(deadline);
      Thread.onSpinWait();
      Thread.sleep(1);
    }
  }
}
