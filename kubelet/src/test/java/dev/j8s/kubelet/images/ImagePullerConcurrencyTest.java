package dev.j8s.kubelet.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.oci.image.PullException;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.Credentials;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import java.time.Instant;
import dev.j8s.api.testing.ManualClock;

class ImagePullerConcurrencyTest {
    final ManualClock clock = new ManualClock(Instant.parse("2025-06-01T12:00:00Z"));
    final FakeImageService images = new FakeImageService();
    final RecordingEventRecorder recorder = new RecordingEventRecorder();
    final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stopWorkers() {
        release.countDown();
        workers.shutdownNow();
    }

    ImageManager manager(ImagePullSettings settings) {
        return new ImageManager(images, recorder, clock, settings);
    }

    CompletableFuture<ImagePullResult> start(ImageManager manager, String podUid, String image, CredentialSupplier creds) {
        return CompletableFuture.supplyAsync(() -> manager.ensureImageExists(ImageManagerTest.pod(podUid),
                ImageManagerTest.container(image, "Always"), ContainerKind.CONTAINER, creds), workers);
    }

    CompletableFuture<ImagePullResult> start(ImageManager manager, String podUid, String image) {
        return start(manager, podUid, image, CredentialSupplier.ANONYMOUS);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(1);
        }
    }

    static ImagePullResult done(CompletableFuture<ImagePullResult> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** Blocks the pull until {@link #release} opens. */
    FakeImageService.PullBehaviour blockUntilReleased() {
        return ref -> {
            if (!release.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the pull");
            }
            return FakeImageService.record(ref.toString(), 1234);
        };
    }

    /** Returns only once {@code inside} pulls are running at the same time. */
    static FakeImageService.PullBehaviour overlapping(CountDownLatch inside) {
        return ref -> {
            inside.countDown();
            if (!inside.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("pulls did not overlap");
            }
            return FakeImageService.record(ref.toString(), 1234);
        };
    }

    @Test
    void serializedPullsRunOneAtATime() throws Exception {
        ImageManager manager = manager(ImagePullSettings.DEFAULTS.withRegistryLimits(0, 0));
        images.behaviour = blockUntilReleased();

        var a = start(manager, "uid-a", "a:1");
        await("the first pull runs", () -> images.running.get() == 1);
        var b = start(manager, "uid-b", "b:1");
        await("the second pull queues", () -> manager.puller().queued() == 1);

        assertThat(images.pulledNames()).containsExactly("docker.io/library/a:1");
        release.countDown();

        assertThat(done(a)).isInstanceOf(ImagePullResult.Ready.class);
        assertThat(done(b)).isInstanceOf(ImagePullResult.Ready.class);
        assertThat(images.pulledNames()).containsExactly("docker.io/library/a:1", "docker.io/library/b:1");
        assertThat(images.maxRunning.get()).isEqualTo(1);
    }

    @Test
    void parallelPullsOverlapWhenMaxParallelIsAboveOne() throws Exception {
        ImageManager manager = manager(ImagePullSettings.maxParallel(2).withRegistryLimits(0, 0));
        images.behaviour = overlapping(new CountDownLatch(2));

        var a = start(manager, "uid-a", "a:1");
        var b = start(manager, "uid-b", "b:1");

        assertThat(done(a)).isInstanceOf(ImagePullResult.Ready.class);
        assertThat(done(b)).isInstanceOf(ImagePullResult.Ready.class);
        assertThat(images.maxRunning.get()).isEqualTo(2);
    }

    @Test
    void maxParallelBoundsHowManyPullsRun() throws Exception {
        ImageManager manager = manager(ImagePullSettings.maxParallel(2).withRegistryLimits(0, 0));
        images.behaviour = blockUntilReleased();

        var a = start(manager, "uid-a", "a:1");
        var b = start(manager, "uid-b", "b:1");
        await("two pulls run", () -> images.running.get() == 2);
        var c = start(manager, "uid-c", "c:1");
        await("the third pull queues", () -> manager.puller().queued() == 1);

        assertThat(images.pulls).hasSize(2);
        release.countDown();

        for (var f : List.of(a, b, c)) {
            assertThat(done(f)).isInstanceOf(ImagePullResult.Ready.class);
        }
        assertThat(images.pulls).hasSize(3);
        assertThat(images.maxRunning.get()).isEqualTo(2);
    }

    @Test
    void unboundedParallelPullsAllOverlap() throws Exception {
        ImageManager manager = manager(new ImagePullSettings(false, OptionalInt.empty(), 0, 0));
        images.behaviour = overlapping(new CountDownLatch(3));

        var futures = List.of(start(manager, "uid-a", "a:1"), start(manager, "uid-b", "b:1"), start(manager, "uid-c", "c:1"));

        for (var f : futures) {
            assertThat(done(f)).isInstanceOf(ImagePullResult.Ready.class);
        }
        assertThat(images.maxRunning.get()).isEqualTo(3);
    }

    @Test
    void pulledMessageCountsTimeQueuedBehindAnotherPull() throws Exception {
        ImageManager manager = manager(ImagePullSettings.DEFAULTS.withRegistryLimits(0, 0));
        FakeImageService.PullBehaviour blocked = blockUntilReleased();
        images.behaviour = ref -> {
            if (ref.path().equals("library/a")) {
                return blocked.pull(ref);
            }
            clock.advance(Duration.ofMillis(313));
            return FakeImageService.record(ref.toString(), 5_000);
        };

        var a = start(manager, "uid-a", "a:1");
        await("the first pull runs", () -> images.running.get() == 1);
        var b = start(manager, "uid-b", "b:1");
        await("the second pull queues", () -> manager.puller().queued() == 1);
        clock.advance(Duration.ofMillis(1281));
        release.countDown();
        done(a);
        done(b);

        // a's total depends on when its caller wakes up relative to b's pull; its time inside the puller does not.
        assertThat(recorder.lines()).anySatisfy(line -> assertThat(line)
                .startsWith("Normal Pulled Successfully pulled image \"a:1\" in 1.281s ("));
        assertThat(recorder.lines()).contains(
                "Normal Pulled Successfully pulled image \"b:1\" in 313ms (1.594s including waiting). Image size: 5000 bytes.");
    }

    @Test
    void concurrentRequestsForTheSameImageShareOnePull() throws Exception {
        ImageManager manager = manager(ImagePullSettings.DEFAULTS.withRegistryLimits(0, 0));
        images.behaviour = blockUntilReleased();

        var first = start(manager, "uid-1", "nginx:1.25");
        await("the pull runs", () -> images.running.get() == 1);
        var second = start(manager, "uid-2", "nginx:1.25");
        await("the second request joins", () -> manager.puller().joined() == 1);
        release.countDown();

        ImagePullResult r1 = done(first);
        ImagePullResult r2 = done(second);
        assertThat(r1).isInstanceOf(ImagePullResult.Ready.class);
        assertThat(r2).isEqualTo(r1);
        assertThat(images.pulls).hasSize(1);
        for (String uid : List.of("uid-1", "uid-2")) {
            assertThat(recorder.events().stream().filter(e -> e.involved().getUid().equals(uid))
                    .map(RecordingEventRecorder.Event::line).toList())
                    .containsExactly("Normal Pulling Pulling image \"nginx:1.25\"",
                            "Normal Pulled Successfully pulled image \"nginx:1.25\" in 0s (0s including waiting). "
                                    + "Image size: 1234 bytes.");
        }
    }

    @Test
    void aSharedFailedPullFailsEveryWaiterAndBacksOffEachPod() throws Exception {
        ImageManager manager = manager(ImagePullSettings.DEFAULTS.withRegistryLimits(0, 0));
        FakeImageService.PullBehaviour blocked = blockUntilReleased();
        images.behaviour = ref -> {
            blocked.pull(ref);
            throw new PullException(PullException.Kind.NOT_FOUND, "manifest unknown");
        };

        var first = start(manager, "uid-1", "nginx:1.99");
        await("the pull runs", () -> images.running.get() == 1);
        var second = start(manager, "uid-2", "nginx:1.99");
        await("the second request joins", () -> manager.puller().joined() == 1);
        release.countDown();

        assertThat(done(first)).extracting(r -> ((ImagePullResult.Waiting) r).reason()).isEqualTo("ErrImagePull");
        assertThat(done(second)).extracting(r -> ((ImagePullResult.Waiting) r).reason()).isEqualTo("ErrImagePull");
        assertThat(images.pulls).hasSize(1);
        assertThat(manager.backOffWindow("uid-1", "nginx:1.99")).isEqualTo(Duration.ofSeconds(10));
        assertThat(manager.backOffWindow("uid-2", "nginx:1.99")).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void requestsWithDifferentCredentialsDoNotShareAPull() throws Exception {
        ImageManager manager = manager(ImagePullSettings.maxParallel(2).withRegistryLimits(0, 0));
        images.behaviour = overlapping(new CountDownLatch(2));
        CredentialSupplier alice = (h, r) -> Optional.of(new Credentials.UsernamePassword("alice", "pw-a"));
        CredentialSupplier bob = (h, r) -> Optional.of(new Credentials.UsernamePassword("bob", "pw-b"));

        var a = start(manager, "uid-1", "localhost:5000/team/app:1", alice);
        var b = start(manager, "uid-2", "localhost:5000/team/app:1", bob);

        assertThat(done(a)).isInstanceOf(ImagePullResult.Ready.class);
        assertThat(done(b)).isInstanceOf(ImagePullResult.Ready.class);
        assertThat(images.pulls).extracting(FakeImageService.PullCall::credentials).containsExactlyInAnyOrder(alice, bob);
    }

    @Test
    void aFinishedPullIsNotReusedByLaterRequests() throws Exception {
        ImageManager manager = manager(ImagePullSettings.DEFAULTS.withRegistryLimits(0, 0));

        done(start(manager, "uid-1", "nginx:1.25"));
        done(start(manager, "uid-2", "nginx:1.25"));

        assertThat(images.pulls).hasSize(2);
        assertThat(manager.puller().inFlight()).isZero();
    }

    @Test
    void pullsOverTheRegistryQpsFailAtOnceAndFeedTheBackOff() throws Exception {
        ImageManager manager = manager(ImagePullSettings.DEFAULTS.withRegistryLimits(1, 1));

        assertThat(done(start(manager, "uid-1", "a:1"))).isInstanceOf(ImagePullResult.Ready.class);
        recorder.clear();
        assertThat(done(start(manager, "uid-1", "b:1")))
                .isEqualTo(new ImagePullResult.Waiting("ErrImagePull", "pull QPS exceeded"));
        assertThat(recorder.lines()).containsExactly("Normal Pulling Pulling image \"b:1\"",
                "Warning Failed Failed to pull image \"b:1\": pull QPS exceeded", "Warning Failed Error: ErrImagePull");
        assertThat(manager.backOffWindow("uid-1", "b:1")).isEqualTo(Duration.ofSeconds(10));

        clock.advance(Duration.ofSeconds(1));
        assertThat(done(start(manager, "uid-1", "c:1"))).isInstanceOf(ImagePullResult.Ready.class);
        assertThat(images.pulledNames()).containsExactly("docker.io/library/a:1", "docker.io/library/c:1");
    }

    @Test
    void anInterruptedCallerStopsWaitingWhileTheSharedPullGoesOn() throws Exception {
        ImageManager manager = manager(ImagePullSettings.DEFAULTS.withRegistryLimits(0, 0));
        images.behaviour = blockUntilReleased();
        CompletableFuture<ImagePullResult> interrupted = new CompletableFuture<>();
        Thread caller = Thread.ofVirtual().start(() -> interrupted.complete(manager.ensureImageExists(
                ImageManagerTest.pod("uid-1"), ImageManagerTest.container("nginx:1.25", "Always"),
                ContainerKind.CONTAINER, CredentialSupplier.ANONYMOUS)));
        await("the pull runs", () -> images.running.get() == 1);
        var other = start(manager, "uid-2", "nginx:1.25");
        await("the second request joins", () -> manager.puller().joined() == 1);

        caller.interrupt();

        assertThat(done(interrupted)).isEqualTo(new ImagePullResult.Waiting("ErrImagePull", "context canceled"));
        assertThat(other).isNotDone();
        release.countDown();
        assertThat(done(other)).isInstanceOf(ImagePullResult.Ready.class);
        assertThat(images.pulls).hasSize(1);
        assertThat(manager.backOffWindow("uid-1", "nginx:1.25")).isZero();
    }
}
