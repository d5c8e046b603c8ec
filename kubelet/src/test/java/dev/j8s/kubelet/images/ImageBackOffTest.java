package dev.j8s.kubelet.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.oci.image.PullException;
import dev.j8s.oci.registry.CredentialSupplier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import java.time.Instant;
import dev.j8s.api.testing.ManualClock;

class ImageBackOffTest {
    private static final String NOT_FOUND = "failed to pull and unpack image \"docker.io/library/nginx:1.99\": failed to "
            + "resolve reference \"docker.io/library/nginx:1.99\": docker.io/library/nginx:1.99: not found";

    final ManualClock clock = new ManualClock(Instant.parse("2025-06-01T12:00:00Z"));
    final FakeImageService images = new FakeImageService();
    final RecordingEventRecorder recorder = new RecordingEventRecorder();
    final ImageManager manager = new ImageManager(images, recorder, clock, ImagePullSettings.DEFAULTS);

    {
        images.behaviour = ref -> {
            throw new PullException(PullException.Kind.NOT_FOUND, "manifest unknown");
        };
    }

    ImagePullResult ensure(String podUid, String image) {
        return manager.ensureImageExists(ImageManagerTest.pod(podUid), ImageManagerTest.container(image, "Always"),
                ContainerKind.CONTAINER, CredentialSupplier.ANONYMOUS);
    }

    @Test
    void windowsDoubleFromTenSecondsToFiveMinutes() {
        List<Long> windows = new ArrayList<>();
        for (int attempt = 0; attempt < 8; attempt++) {
            assertThat(ensure("uid-1", "nginx:1.99")).extracting(r -> ((ImagePullResult.Waiting) r).reason())
                    .isEqualTo("ErrImagePull");
            Duration window = manager.backOffWindow("uid-1", "nginx:1.99");
            windows.add(window.toSeconds());

            clock.advance(window.minusMillis(1));
            assertThat(ensure("uid-1", "nginx:1.99")).extracting(r -> ((ImagePullResult.Waiting) r).reason())
                    .as("one millisecond before the window closes").isEqualTo("ImagePullBackOff");
            clock.advance(Duration.ofMillis(1));
        }

        assertThat(windows).containsExactly(10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L);
        assertThat(images.pulls).hasSize(8);
    }

    @Test
    void backOffShowsThePreviousErrorAndEmitsBackOffEvents() {
        ensure("uid-1", "nginx:1.99");
        recorder.clear();
        clock.advance(Duration.ofSeconds(5));

        ImagePullResult result = ensure("uid-1", "nginx:1.99");

        assertThat(result).isEqualTo(new ImagePullResult.Waiting("ImagePullBackOff",
                "Back-off pulling image \"nginx:1.99\": ErrImagePull: " + NOT_FOUND));
        assertThat(recorder.lines()).containsExactly("Normal BackOff Back-off pulling image \"nginx:1.99\"",
                "Warning Failed Error: ImagePullBackOff");
        assertThat(images.pulls).hasSize(1);
    }

    @Test
    void keyIsPodAndImageAsWritten() {
        ensure("uid-1", "nginx:1.99");

        assertThat(ensure("uid-1", "nginx:1.99")).isInstanceOf(ImagePullResult.Waiting.class)
                .extracting(r -> ((ImagePullResult.Waiting) r).reason()).isEqualTo("ImagePullBackOff");
        assertThat(ensure("uid-2", "nginx:1.99")).extracting(r -> ((ImagePullResult.Waiting) r).reason())
                .as("another pod").isEqualTo("ErrImagePull");
        assertThat(ensure("uid-1", "docker.io/library/nginx:1.99")).extracting(r -> ((ImagePullResult.Waiting) r).reason())
                .as("the same image written differently").isEqualTo("ErrImagePull");
        assertThat(images.pulls).hasSize(3);
    }

    @Test
    void keyIdleForMoreThanTwiceTheMaximumStartsOverAtTenSeconds() {
        for (int i = 0; i < 6; i++) {
            ensure("uid-1", "nginx:1.99");
            clock.advance(manager.backOffWindow("uid-1", "nginx:1.99"));
        }
        assertThat(manager.backOffWindow("uid-1", "nginx:1.99")).isEqualTo(Duration.ofSeconds(300));

        clock.advance(Duration.ofSeconds(600).minus(Duration.ofSeconds(300)));
        ensure("uid-1", "nginx:1.99");
        assertThat(manager.backOffWindow("uid-1", "nginx:1.99")).as("exactly 600 s idle is not expired")
                .isEqualTo(Duration.ofSeconds(300));

        clock.advance(Duration.ofSeconds(601));
        ensure("uid-1", "nginx:1.99");
        assertThat(manager.backOffWindow("uid-1", "nginx:1.99")).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void successfulPullCollectsIdleEntriesButKeepsRecentOnes() {
        ensure("uid-old", "nginx:1.99");
        clock.advance(Duration.ofSeconds(700));
        ensure("uid-recent", "nginx:1.99");
        images.behaviour = ref -> FakeImageService.record(ref.toString(), 1);

        assertThat(ensure("uid-3", "nginx:1.25")).isInstanceOf(ImagePullResult.Ready.class);

        assertThat(manager.backOffWindow("uid-old", "nginx:1.99")).isZero();
        assertThat(manager.backOffWindow("uid-recent", "nginx:1.99")).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void pullAfterTheWindowThatSucceedsIsReadyAndDropsThePreviousError() {
        ensure("uid-1", "nginx:1.99");
        clock.advance(Duration.ofSeconds(10));
        images.behaviour = ref -> FakeImageService.record(ref.toString(), 1);

        assertThat(ensure("uid-1", "nginx:1.99")).isInstanceOf(ImagePullResult.Ready.class);
    }

    @Test
    void neverAndInvalidNamesDoNotFeedTheBackOff() {
        manager.ensureImageExists(ImageManagerTest.pod("uid-1"), ImageManagerTest.container("nginx:1.99", "Never"),
                ContainerKind.CONTAINER, CredentialSupplier.ANONYMOUS);
        manager.ensureImageExists(ImageManagerTest.pod("uid-1"), ImageManagerTest.container("Nginx", "Always"),
                ContainerKind.CONTAINER, CredentialSupplier.ANONYMOUS);

        assertThat(manager.backOffWindow("uid-1", "nginx:1.99")).isZero();
        assertThat(manager.backOffWindow("uid-1", "Nginx")).isZero();
    }
}
