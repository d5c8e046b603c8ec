package dev.j8s.kubelet.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.oci.image.PullException;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.Credentials;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import java.time.Instant;
import dev.j8s.api.testing.ManualClock;

class ImageManagerTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    final ManualClock clock = new ManualClock(Instant.parse("2025-06-01T12:00:00Z"));
    final FakeImageService images = new FakeImageService();
    final RecordingEventRecorder recorder = new RecordingEventRecorder();
    final ImageManager manager = new ImageManager(images, recorder, clock, ImagePullSettings.DEFAULTS);

    static Pod pod(String uid) {
        return new PodBuilder().withNewMetadata().withName("web-" + uid).withNamespace("team").withUid(uid)
                .endMetadata().build();
    }

    static Container container(String image, String policy) {
        return new ContainerBuilder().withName("app").withImage(image).withImagePullPolicy(policy).build();
    }

    static PullException failure(PullException.Kind kind, String message) {
        return new PullException(kind, message);
    }

    /** One row of the decision table. */
    record Case(String name, String image, String policy, Optional<String> present, FakeImageService.PullBehaviour pull,
                String outcome, String message, List<String> finds, List<String> pulls, List<String> events) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> decisionTable() {
        FakeImageService.PullBehaviour ok = ref -> {
            return FakeImageService.record(ref.toString(), 1234);
        };
        String notFound = "failed to pull and unpack image \"docker.io/library/nginx:1.99\": failed to resolve reference "
                + "\"docker.io/library/nginx:1.99\": docker.io/library/nginx:1.99: not found";
        String denied = "failed to pull and unpack image \"docker.io/team/private:1.0\": failed to resolve reference "
                + "\"docker.io/team/private:1.0\": pull access denied, repository does not exist or may require "
                + "authorization: server message: insufficient_scope: authorization failed";
        String unreachable = "failed to pull and unpack image \"registry.invalid/app:v0\": dial tcp: lookup "
                + "registry.invalid: no such host";
        String pulled = "Normal Pulled Successfully pulled image \"%s\" in 0s (0s including waiting). Image size: 1234 bytes.";
        return Stream.of(
                new Case("IfNotPresent and present uses the local image", "nginx:1.25", "IfNotPresent",
                        Optional.of("docker.io/library/nginx:1.25"), ok, "Ready", "",
                        List.of("docker.io/library/nginx:1.25"), List.of(),
                        List.of("Normal Pulled Container image \"nginx:1.25\" already present on machine")),
                new Case("Never and present uses the local image", "nginx:1.25", "Never",
                        Optional.of("docker.io/library/nginx:1.25"), ok, "Ready", "",
                        List.of("docker.io/library/nginx:1.25"), List.of(),
                        List.of("Normal Pulled Container image \"nginx:1.25\" already present on machine")),
                new Case("Never and absent is ErrImageNeverPull", "nginx:1.25", "Never", Optional.empty(), ok,
                        "ErrImageNeverPull", "Container image \"nginx:1.25\" is not present with pull policy of Never",
                        List.of("docker.io/library/nginx:1.25"), List.of(),
                        List.of("Warning ErrImageNeverPull Container image \"nginx:1.25\" is not present with pull policy of Never",
                                "Warning Failed Error: ErrImageNeverPull")),
                new Case("IfNotPresent and absent pulls", "nginx:1.25", "IfNotPresent", Optional.empty(), ok, "Ready", "",
                        List.of("docker.io/library/nginx:1.25"), List.of("docker.io/library/nginx:1.25"),
                        List.of("Normal Pulling Pulling image \"nginx:1.25\"", pulled.formatted("nginx:1.25"))),
                new Case("Always pulls without looking even when present", "nginx:1.25", "Always",
                        Optional.of("docker.io/library/nginx:1.25"), ok, "Ready", "",
                        List.of(), List.of("docker.io/library/nginx:1.25"),
                        List.of("Normal Pulling Pulling image \"nginx:1.25\"", pulled.formatted("nginx:1.25"))),
                new Case("no policy and no tag defaults to Always", "busybox", null,
                        Optional.of("docker.io/library/busybox:latest"), ok, "Ready", "",
                        List.of(), List.of("docker.io/library/busybox:latest"),
                        List.of("Normal Pulling Pulling image \"busybox\"", pulled.formatted("busybox"))),
                new Case("no policy and a tag defaults to IfNotPresent", "busybox:1.36", null,
                        Optional.of("docker.io/library/busybox:1.36"), ok, "Ready", "",
                        List.of("docker.io/library/busybox:1.36"), List.of(),
                        List.of("Normal Pulled Container image \"busybox:1.36\" already present on machine")),
                new Case("a digest reference gets no default tag", "nginx@" + DIGEST, "IfNotPresent", Optional.empty(), ok,
                        "Ready", "", List.of("docker.io/library/nginx@" + DIGEST), List.of("docker.io/library/nginx@" + DIGEST),
                        List.of("Normal Pulling Pulling image \"nginx@" + DIGEST + "\"", pulled.formatted("nginx@" + DIGEST))),
                new Case("not found is ErrImagePull with containerd's text", "nginx:1.99", "IfNotPresent", Optional.empty(),
                        ref -> {
                            throw failure(PullException.Kind.NOT_FOUND, "manifest unknown");
                        },
                        "ErrImagePull", notFound, List.of("docker.io/library/nginx:1.99"), List.of("docker.io/library/nginx:1.99"),
                        List.of("Normal Pulling Pulling image \"nginx:1.99\"",
                                "Warning Failed Failed to pull image \"nginx:1.99\": " + notFound,
                                "Warning Failed Error: ErrImagePull")),
                new Case("unauthorized is ErrImagePull with pull access denied", "team/private:1.0", "Always", Optional.empty(),
                        ref -> {
                            throw failure(PullException.Kind.UNAUTHORIZED, "server message: insufficient_scope: authorization failed");
                        },
                        "ErrImagePull", denied, List.of(), List.of("docker.io/team/private:1.0"),
                        List.of("Normal Pulling Pulling image \"team/private:1.0\"",
                                "Warning Failed Failed to pull image \"team/private:1.0\": " + denied,
                                "Warning Failed Error: ErrImagePull")),
                new Case("an unreachable registry is RegistryUnavailable", "registry.invalid/app:v0", "Always", Optional.empty(),
                        ref -> {
                            throw failure(PullException.Kind.NETWORK, "dial tcp: lookup registry.invalid: no such host");
                        },
                        "RegistryUnavailable", "image pull failed for registry.invalid/app:v0 because the registry is "
                                + "unavailable: " + unreachable,
                        List.of(), List.of("registry.invalid/app:v0"),
                        List.of("Normal Pulling Pulling image \"registry.invalid/app:v0\"",
                                "Warning Failed Failed to pull image \"registry.invalid/app:v0\": RegistryUnavailable: " + unreachable,
                                "Warning Failed Error: RegistryUnavailable")),
                new Case("a bad image is ErrImagePull with the pull's text", "localhost:5000/bad:1", "Always", Optional.empty(),
                        ref -> {
                            throw failure(PullException.Kind.INVALID_IMAGE, "layer sha256:00 digest mismatch");
                        },
                        "ErrImagePull", "failed to pull and unpack image \"localhost:5000/bad:1\": layer sha256:00 digest mismatch",
                        List.of(), List.of("localhost:5000/bad:1"),
                        List.of("Normal Pulling Pulling image \"localhost:5000/bad:1\"",
                                "Warning Failed Failed to pull image \"localhost:5000/bad:1\": failed to pull and unpack image "
                                        + "\"localhost:5000/bad:1\": layer sha256:00 digest mismatch",
                                "Warning Failed Error: ErrImagePull")),
                new Case("an unparsable name is InvalidImageName and nothing is looked up", "Nginx", "IfNotPresent",
                        Optional.empty(), ok, "InvalidImageName",
                        "Failed to apply default image tag \"Nginx\": couldn't parse image name \"Nginx\": invalid reference "
                                + "format: repository name (library/Nginx) must be lowercase",
                        List.of(), List.of(),
                        List.of("Warning InspectFailed Failed to apply default image tag \"Nginx\": couldn't parse image name "
                                        + "\"Nginx\": invalid reference format: repository name (library/Nginx) must be lowercase",
                                "Warning Failed Error: InvalidImageName")),
                new Case("an unparsable name under Always is InvalidImageName too", "nginx:", "Always",
                        Optional.empty(), ok, "InvalidImageName",
                        "Failed to apply default image tag \"nginx:\": couldn't parse image name \"nginx:\": invalid reference format",
                        List.of(), List.of(),
                        List.of("Warning InspectFailed Failed to apply default image tag \"nginx:\": couldn't parse image name "
                                        + "\"nginx:\": invalid reference format",
                                "Warning Failed Error: InvalidImageName")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisionTable")
    void decisionFlowFollowsUpstream(Case c) {
        c.present().ifPresent(images::add);
        images.behaviour = c.pull();

        ImagePullResult result = manager.ensureImageExists(pod("uid-1"), container(c.image(), c.policy()),
                ContainerKind.CONTAINER, CredentialSupplier.ANONYMOUS);

        if (c.outcome().equals("Ready")) {
            assertThat(result).isInstanceOf(ImagePullResult.Ready.class);
            ImagePullResult.Ready ready = (ImagePullResult.Ready) result;
            assertThat(ready.imageRef()).isEqualTo(ready.image().id().toString()).startsWith("sha256:");
        } else {
            assertThat(result).isEqualTo(new ImagePullResult.Waiting(c.outcome(), c.message()));
        }
        assertThat(images.foundNames()).as("find calls").isEqualTo(c.finds());
        assertThat(images.pulledNames()).as("pull calls").isEqualTo(c.pulls());
        assertThat(recorder.lines()).as("events").isEqualTo(c.events());
        assertThat(recorder.events()).allSatisfy(e -> {
            assertThat(e.involved().getKind()).isEqualTo("Pod");
            assertThat(e.involved().getUid()).isEqualTo("uid-1");
            assertThat(e.involved().getFieldPath()).isEqualTo("spec.containers{app}");
        });
    }

    @Test
    void inspectFailureIsImageInspectErrorNamingTheDefaultedImage() {
        images.findFailure = new IllegalStateException("image store unreadable");

        ImagePullResult result = manager.ensureImageExists(pod("uid-1"), container("busybox", "IfNotPresent"),
                ContainerKind.CONTAINER, CredentialSupplier.ANONYMOUS);

        assertThat(result).isEqualTo(new ImagePullResult.Waiting("ImageInspectError",
                "Failed to inspect image \"busybox:latest\": image store unreadable"));
        assertThat(images.pulls).isEmpty();
        assertThat(recorder.lines()).containsExactly(
                "Warning InspectFailed Failed to inspect image \"busybox:latest\": image store unreadable",
                "Warning Failed Error: ImageInspectError");
    }

    @Test
    void initContainerEventsCarryTheInitContainersFieldPath() {
        manager.ensureImageExists(pod("uid-1"), container("busybox:1.36", "Always"), ContainerKind.INIT_CONTAINER,
                CredentialSupplier.ANONYMOUS);

        assertThat(recorder.events()).hasSize(2)
                .allSatisfy(e -> assertThat(e.involved().getFieldPath()).isEqualTo("spec.initContainers{app}"));
    }

    @Test
    void pulledMessageGivesPullTimeAndSizeInGoFormat() {
        images.behaviour = ref -> {
            clock.advance(Duration.ofNanos(313_900_000));
            return FakeImageService.record(ref.toString(), 4_402_531);
        };

        manager.ensureImageExists(pod("uid-1"), container("nginx:1.25", "Always"), ContainerKind.CONTAINER,
                CredentialSupplier.ANONYMOUS);

        assertThat(recorder.lines()).containsExactly("Normal Pulling Pulling image \"nginx:1.25\"",
                "Normal Pulled Successfully pulled image \"nginx:1.25\" in 313ms (313ms including waiting). "
                        + "Image size: 4402531 bytes.");
    }

    @Test
    void credentialsArePassedToThePullAndNeverAppearInEvents() {
        CredentialSupplier creds = (host, repo) -> Optional.of(new Credentials.UsernamePassword("robot", "s3cr3t-pw"));
        images.behaviour = ref -> {
            throw failure(PullException.Kind.UNAUTHORIZED, "authorization failed for user robot");
        };

        ImagePullResult result = manager.ensureImageExists(pod("uid-1"), container("localhost:5000/team/app:1", "Always"),
                ContainerKind.CONTAINER, creds);

        assertThat(images.pulls).singleElement().satisfies(c -> assertThat(c.credentials()).isSameAs(creds));
        assertThat(((ImagePullResult.Waiting) result).message()).doesNotContain("s3cr3t");
        assertThat(recorder.events()).allSatisfy(e -> assertThat(e.message()).doesNotContain("s3cr3t"));
    }

    @Test
    void failingCredentialSupplierFailsThePullWithoutCallingTheRegistry() {
        CredentialSupplier broken = (host, repo) -> {
            throw new IllegalArgumentException("unable to parse auth field, must be formatted as base64(username:password)");
        };

        ImagePullResult result = manager.ensureImageExists(pod("uid-1"), container("nginx:1.25", "Always"),
                ContainerKind.CONTAINER, broken);

        assertThat(result).isEqualTo(new ImagePullResult.Waiting("ErrImagePull",
                "unable to parse auth field, must be formatted as base64(username:password)"));
        assertThat(images.pulls).isEmpty();
        assertThat(manager.backOffWindow("uid-1", "nginx:1.25")).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aPresentImageThePodMayNotUseIsPulledWithIfNotPresentAndAbsentWithNever() {
        images.add("docker.io/team/private:1.0");
        ImageManager guarded = new ImageManager(images, recorder, clock, ImagePullSettings.DEFAULTS,
                (image, ref, present, credentials) -> new PresentImageAccess.Verdict.MustPull("not verified"));

        ImagePullResult never = guarded.ensureImageExists(pod("uid-1"), container("team/private:1.0", "Never"),
                ContainerKind.CONTAINER, CredentialSupplier.ANONYMOUS);
        guarded.ensureImageExists(pod("uid-2"), container("team/private:1.0", "IfNotPresent"),
                ContainerKind.CONTAINER, CredentialSupplier.ANONYMOUS);

        assertThat(never).isEqualTo(new ImagePullResult.Waiting("ErrImageNeverPull",
                "Container image \"team/private:1.0\" is not present with pull policy of Never"));
        assertThat(images.pulledNames()).containsExactly("docker.io/team/private:1.0");
        assertThat(recorder.lines()).doesNotContain(
                "Normal Pulled Container image \"team/private:1.0\" already present on machine");
    }

    @Test
    void aPresentImageThePodMayUseIsUsedWithTheAccessMessage() {
        images.add("docker.io/team/private:1.0");
        ImageManager guarded = new ImageManager(images, recorder, clock, ImagePullSettings.DEFAULTS,
                (image, ref, present, credentials) -> new PresentImageAccess.Verdict.Use("Container image \"" + image
                        + "\" already present on machine and can be accessed by the pod"));

        ImagePullResult result = guarded.ensureImageExists(pod("uid-1"), container("team/private:1.0", "IfNotPresent"),
                ContainerKind.CONTAINER, CredentialSupplier.ANONYMOUS);

        assertThat(result).isInstanceOf(ImagePullResult.Ready.class);
        assertThat(images.pulls).isEmpty();
        assertThat(recorder.lines()).containsExactly("Normal Pulled Container image \"team/private:1.0\" already "
                + "present on machine and can be accessed by the pod");
    }

    @Test
    void waitingReasonsAreUpstreamsStrings() {
        assertThat(List.of(ImagePullResult.IMAGE_PULL_BACK_OFF, ImagePullResult.IMAGE_INSPECT_ERROR,
                ImagePullResult.ERR_IMAGE_PULL, ImagePullResult.ERR_IMAGE_NEVER_PULL, ImagePullResult.INVALID_IMAGE_NAME,
                ImagePullResult.REGISTRY_UNAVAILABLE, ImagePullResult.SIGNATURE_VALIDATION_FAILED))
                .containsExactly("ImagePullBackOff", "ImageInspectError", "ErrImagePull", "ErrImageNeverPull",
                        "InvalidImageName", "RegistryUnavailable", "SignatureValidationFailed");
    }

    @Test
    void defaultTagIsAppendedToTheStringAsWritten() {
        assertThat(ImageManager.applyDefaultImageTag("busybox", dev.j8s.oci.reference.ImageReference.parse("busybox")))
                .isEqualTo("busybox:latest");
        assertThat(ImageManager.applyDefaultImageTag("localhost:5000/app",
                dev.j8s.oci.reference.ImageReference.parse("localhost:5000/app"))).isEqualTo("localhost:5000/app:latest");
        assertThat(ImageManager.applyDefaultImageTag("nginx:1.25", dev.j8s.oci.reference.ImageReference.parse("nginx:1.25")))
                .isEqualTo("nginx:1.25");
        assertThat(ImageManager.applyDefaultImageTag("nginx:1.25@" + DIGEST,
                dev.j8s.oci.reference.ImageReference.parse("nginx:1.25@" + DIGEST))).isEqualTo("nginx:1.25@" + DIGEST);
    }
}
