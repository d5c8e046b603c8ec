package dev.j8s.kubelet.pods;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PodWorkersTest {

    private static Pod pod(String uid, String version) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("default").withUid(uid)
                .withResourceVersion(version).endMetadata().build();
    }

    @Test
    void updatesArrivingDuringASyncCollapseToTheLatestState() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> synced = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(2);
        try (PodWorkers workers = new PodWorkers((pod, removed) -> {
            synced.add(pod.getMetadata().getResourceVersion());
            if (synced.size() == 1) {
                firstStarted.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            done.countDown();
            return new PodSyncHandler.Outcome.Continue(Optional.empty());
        })) {
            workers.updatePod(pod("u1", "1"));
            assertThat(firstStarted.await(5, TimeUnit.SECONDS)).isTrue();
            workers.updatePod(pod("u1", "2"));
            workers.updatePod(pod("u1", "3"));
            release.countDown();
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(100);
            assertThat(synced).containsExactly("1", "3");
        }
    }

    @Test
    void aRemovedPodIsSyncedAsRemovedAndItsWorkerEnds() throws Exception {
        CountDownLatch removedSeen = new CountDownLatch(1);
        try (PodWorkers workers = new PodWorkers((pod, removed) -> {
            if (removed) {
                removedSeen.countDown();
                return new PodSyncHandler.Outcome.Finished();
            }
            return new PodSyncHandler.Outcome.Continue(Optional.empty());
        })) {
            workers.updatePod(pod("u2", "1"));
            workers.removePod(pod("u2", "2"));
            assertThat(removedSeen.await(5, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!workers.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(workers.uids()).isEmpty();
        }
    }

    @Test
    void aContinueWithADelaySyncsAgainWithoutAnUpdate() throws Exception {
        CountDownLatch twice = new CountDownLatch(2);
        try (PodWorkers workers = new PodWorkers((pod, removed) -> {
            twice.countDown();
            return new PodSyncHandler.Outcome.Continue(Optional.of(java.time.Duration.ofMillis(50)));
        })) {
            workers.updatePod(pod("u3", "1"));
            assertThat(twice.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void anUpdateThatNeedsNoSyncIsTakenAsTheLatestPodAndTheNextResyncSyncsIt() throws Exception {
        List<String> synced = new CopyOnWriteArrayList<>();
        java.util.concurrent.LinkedBlockingQueue<String> syncs = new java.util.concurrent.LinkedBlockingQueue<>();
        try (PodWorkers workers = new PodWorkers((pod, removed) -> {
            synced.add(pod.getMetadata().getResourceVersion());
            syncs.add(pod.getMetadata().getResourceVersion());
            return new PodSyncHandler.Outcome.Continue(Optional.empty());
        }, (last, updated) -> !updated.getMetadata().getResourceVersion().startsWith("echo"))) {
            workers.updatePod(pod("u4", "1"));
            assertThat(syncs.poll(5, TimeUnit.SECONDS)).isEqualTo("1");
            while (syncs.poll(200, TimeUnit.MILLISECONDS) != null) {
                // the worker's start and the first update may make two syncs of it
            }
            workers.updatePod(pod("u4", "echo-2"));
            assertThat(syncs.poll(200, TimeUnit.MILLISECONDS)).as("no sync for it").isNull();

            workers.resync("u4");

            assertThat(syncs.poll(5, TimeUnit.SECONDS)).isEqualTo("echo-2");
            workers.updatePod(pod("u4", "3"));
            assertThat(syncs.poll(5, TimeUnit.SECONDS)).isEqualTo("3");
            assertThat(synced).endsWith("1", "echo-2", "3");
        }
    }

    @Test
    void anUpdateThatNeedsNoSyncLeavesTheResyncTimeAsItWas() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<Long> syncs = new java.util.concurrent.LinkedBlockingQueue<>();
        try (PodWorkers workers = new PodWorkers((pod, removed) -> {
            syncs.add(System.nanoTime());
            return new PodSyncHandler.Outcome.Continue(Optional.of(java.time.Duration.ofMillis(1000)));
        }, (last, updated) -> false)) {
            workers.updatePod(pod("u5", "1"));
            long first = syncs.poll(5, TimeUnit.SECONDS);
            for (int i = 2; i < 11; i++) {
                Thread.sleep(100);
                workers.updatePod(pod("u5", Integer.toString(i)));
            }
            long second = syncs.poll(5, TimeUnit.SECONDS);
            // the updates (the last at about 900 ms) would have pushed it past 1.9 s had each restarted the wait
            assertThat(TimeUnit.NANOSECONDS.toMillis(second - first)).isBetween(950L, 1800L);
        }
    }
}
