package dev.j8s.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link EventSender}: events of a batch are held until it ends, then written together; repeats still fold in order. */
class EventSenderTest {

    private static final ObjectReference POD = new ObjectReferenceBuilder().withKind("Pod").withNamespace("ns")
            .withName("web").withUid("u1").withFieldPath("spec.containers{main}").build();

    private final List<String> writes = new CopyOnWriteArrayList<>();

    private UnaryOperator<Event> recording(String verb, CyclicBarrier together) {
        return e -> {
            if (together != null) {
                try {
                    together.await(10, TimeUnit.SECONDS);
                } catch (Exception ex) {
                    throw new IllegalStateException("not written together: " + ex);
                }
            }
            writes.add(verb + " " + e.getReason() + " count=" + e.getCount());
            return new EventBuilder(e).editMetadata().withResourceVersion("1").endMetadata().build();
        };
    }

    @Test
    void theEventsOfABatchAreHeldUntilItEndsThenWrittenAtTheSameTime() throws Exception {
        // the three creates only get past the barrier when all three are in flight at once
        CyclicBarrier together = new CyclicBarrier(3);
        try (EventSender sender = new EventSender(recording("create", together), recording("update", null), "kubelet",
                "node1", Clock.systemUTC())) {
            List<String> duringTheBatch = sender.batched(() -> {
                sender.send(POD, "Normal", "Pulled", "Container image \"busybox\" already present on machine");
                sender.send(POD, "Normal", "Created", "Created container: main");
                sender.send(POD, "Normal", "Started", "Started container main");
                return List.copyOf(writes);
            });
            awaitWrites(3);

            assertThat(duringTheBatch).as("written while the batch was open").isEmpty();
            assertThat(writes).containsExactlyInAnyOrder("create Pulled count=1", "create Created count=1",
                    "create Started count=1");
        }
    }

    @Test
    void aRepeatInABatchFoldsIntoTheEventWrittenBeforeIt() throws Exception {
        try (EventSender sender = new EventSender(recording("create", null), recording("update", null), "kubelet",
                "node1", Clock.systemUTC())) {
            sender.batched(() -> {
                sender.send(POD, "Warning", "BackOff", "Back-off restarting failed container main");
                sender.send(POD, "Normal", "Pulled", "Container image \"busybox\" already present on machine");
                sender.send(POD, "Warning", "BackOff", "Back-off restarting failed container main");
                return null;
            });
            awaitWrites(3);

            assertThat(writes).containsSubsequence("create BackOff count=1", "update BackOff count=2")
                    .contains("create Pulled count=1");
        }
    }

    @Test
    void aFlushSendsWhatTheBatchHoldsWhileTheBatchGoesOn() throws Exception {
        CountDownLatch written = new CountDownLatch(1);
        UnaryOperator<Event> create = recording("create", null);
        try (EventSender sender = new EventSender(e -> {
            Event stored = create.apply(e);
            written.countDown();
            return stored;
        }, recording("update", null), "kubelet", "node1", Clock.systemUTC())) {
            boolean sentBeforeTheEnd = sender.batched(() -> {
                sender.send(POD, "Normal", "Pulling", "Pulling image \"busybox\"");
                sender.flush();
                try {
                    return written.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            assertThat(sentBeforeTheEnd).isTrue();
            assertThat(writes).containsExactly("create Pulling count=1");
        }
    }

    private void awaitWrites(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (writes.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(writes).hasSize(n);
    }
}
