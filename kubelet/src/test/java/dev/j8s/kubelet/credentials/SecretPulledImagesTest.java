package dev.j8s.kubelet.credentials;

import static dev.j8s.kubelet.credentials.TestSecrets.SECRET_PASS;
import static dev.j8s.kubelet.credentials.TestSecrets.SECRET_PASS_2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.kubelet.credentials.SecretPulledImages.Decision;
import dev.j8s.kubelet.credentials.SecretPulledImages.Policy;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.Credentials;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SecretPulledImagesTest {
    private static final String IMAGE = "registry.example.com/team/app:1";
    private static final ImageReference REF = ImageReference.parse(IMAGE);
    private static final String IMAGE_REF = "sha256:1111";
    private static final String USABLE = "Container image \"" + IMAGE
            + "\" already present on machine and can be accessed by the pod";

    private final List<String> checks = new ArrayList<>();
    private final List<String> allowedIdentities = new ArrayList<>();
    private final ManifestCheck check = (ref, creds) -> {
        String who = creds.map(Credentials::identity).orElse("anonymous");
        checks.add(ref.repository() + " " + who);
        return allowedIdentities.contains(who);
    };

    private static CredentialCandidate secret(String ns, String name, String uid, String user, String pass) {
        return new CredentialCandidate("registry.example.com", new Credentials.UsernamePassword(user, pass), "",
                new CredentialSource.PullSecret(ns, name, uid, PodCredentials.TYPE_DOCKER_CONFIG_JSON));
    }

    private static Resolution pod(CredentialCandidate... cs) {
        return new Resolution(REF, List.of(cs), List.of());
    }

    private static final CredentialCandidate ALICE = secret("team-a", "regcred", "uid-a", "alice", SECRET_PASS);

    record PolicyCase(Policy policy, List<String> allowlist, boolean pulledByKubelet, boolean mustVerify) {}

    static Stream<PolicyCase> policies() {
        return Stream.of(
                new PolicyCase(Policy.NEVER_VERIFY, List.of(), true, false),
                new PolicyCase(Policy.NEVER_VERIFY_PRELOADED_IMAGES, List.of(), false, false),
                new PolicyCase(Policy.NEVER_VERIFY_PRELOADED_IMAGES, List.of(), true, true),
                new PolicyCase(Policy.NEVER_VERIFY_ALLOWLISTED_IMAGES, List.of("registry.example.com/team/app"), true, false),
                new PolicyCase(Policy.NEVER_VERIFY_ALLOWLISTED_IMAGES, List.of("registry.example.com/*"), false, false),
                new PolicyCase(Policy.NEVER_VERIFY_ALLOWLISTED_IMAGES, List.of("registry.example.com/other/*"), false, true),
                new PolicyCase(Policy.NEVER_VERIFY_ALLOWLISTED_IMAGES, List.of("registry.example.com/team"), false, true),
                new PolicyCase(Policy.ALWAYS_VERIFY, List.of(), false, true));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void policyDecidesWhetherAPresentImageIsVerified(PolicyCase c) {
        SecretPulledImages spi = new SecretPulledImages(c.policy(), c.allowlist(), check);
        if (c.pulledByKubelet()) {
            spi.pullStarted(IMAGE);
            spi.pulled(IMAGE, REF, IMAGE_REF, Optional.of(ALICE));
        }
        // A pod without credentials: only usable when no verification is needed.
        Decision d = spi.decide(IMAGE, REF, IMAGE_REF, pod());
        assertThat(d).isEqualTo(c.mustVerify()
                ? new Decision.MustPull("no credential of the pod was verified for image \"" + IMAGE + "\"")
                : new Decision.UsePresent(USABLE));
        assertThat(checks).isEqualTo(c.mustVerify() ? List.of("registry.example.com/team/app anonymous") : List.of());
    }

    @Test
    void inFlightPullIntentCountsAsPulledByKubelet() {
        SecretPulledImages spi = new SecretPulledImages(Policy.DEFAULT, List.of(), check);
        spi.pullStarted(IMAGE);
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod())).isInstanceOf(Decision.MustPull.class);
        spi.pullFailed(IMAGE);
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod())).isEqualTo(new Decision.UsePresent(USABLE));
    }

    @Test
    void sameSecretOrSameCredentialHashIsAcceptedWithoutRegistryRequest() {
        SecretPulledImages spi = new SecretPulledImages(Policy.DEFAULT, List.of(), check);
        spi.pulled(IMAGE, REF, IMAGE_REF, Optional.of(ALICE));
        // Same secret coordinates, rotated password.
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF,
                pod(secret("team-a", "regcred", "uid-a", "alice", SECRET_PASS_2)))).isEqualTo(new Decision.UsePresent(USABLE));
        // Another namespace's secret holding identical credentials.
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF,
                pod(secret("team-b", "copy", "uid-b", "alice", SECRET_PASS)))).isEqualTo(new Decision.UsePresent(USABLE));
        assertThat(checks).isEmpty();
        assertThat(spi.recordOf(IMAGE_REF, REF.repository()).orElseThrow().getValue()).hasSize(3);
    }

    @Test
    void otherTenantWithoutAccessMustPullAndIsRefusedUnderNever() {
        SecretPulledImages spi = new SecretPulledImages(Policy.DEFAULT, List.of(), check);
        spi.pulled(IMAGE, REF, IMAGE_REF, Optional.of(ALICE));
        CredentialCandidate mallory = secret("team-b", "mine", "uid-m", "mallory", SECRET_PASS_2);
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod(mallory))).isInstanceOf(Decision.MustPull.class);
        assertThat(checks).containsExactly("registry.example.com/team/app user:mallory");
        assertThat(SecretPulledImages.neverPullMessage(IMAGE))
                .isEqualTo("Container image \"" + IMAGE + "\" is not present with pull policy of Never");
    }

    @Test
    void manifestVerificationSucceedsOnceAndIsCachedPerCredential() {
        SecretPulledImages spi = new SecretPulledImages(Policy.DEFAULT, List.of(), check);
        spi.pulled(IMAGE, REF, IMAGE_REF, Optional.of(ALICE));
        allowedIdentities.add("user:bob");
        CredentialCandidate carol = secret("team-b", "c", "uid-c", "carol", "carol-pass");
        CredentialCandidate bob = secret("team-b", "b", "uid-b", "bob", "bob-pass");
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod(carol, bob))).isEqualTo(new Decision.UsePresent(USABLE));
        assertThat(checks).containsExactly("registry.example.com/team/app user:carol",
                "registry.example.com/team/app user:bob");
        checks.clear();
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod(bob))).isEqualTo(new Decision.UsePresent(USABLE));
        assertThat(checks).isEmpty();
    }

    @Test
    void anonymousOrNodeWidePullMakesTheImageUsableByEveryPod() {
        SecretPulledImages spi = new SecretPulledImages(Policy.ALWAYS_VERIFY, List.of(), check);
        spi.pulled(IMAGE, REF, IMAGE_REF, Optional.of(new CredentialCandidate("registry.example.com",
                new Credentials.UsernamePassword("node", "x"), "", new CredentialSource.NodeConfigFile(Path.of("/c")))));
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod())).isEqualTo(new Decision.UsePresent(USABLE));
        assertThat(checks).isEmpty();
    }

    @Test
    void failingManifestCheckNeverGrantsAccessAndRemovedImagesForgetTheirRecords() {
        SecretPulledImages spi = new SecretPulledImages(Policy.ALWAYS_VERIFY, List.of(), (r, c) -> {
            throw new IllegalStateException("registry down");
        });
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod(ALICE))).isInstanceOf(Decision.MustPull.class);
        spi.pulled(IMAGE, REF, IMAGE_REF, Optional.empty());
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod())).isInstanceOf(Decision.UsePresent.class);
        spi.imageRemoved(IMAGE_REF);
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod())).isInstanceOf(Decision.MustPull.class);
    }

    @Test
    void policyNamesAndAllowlistEntriesAreValidated() {
        assertThat(Policy.parse("NeverVerifyPreloadedImages")).isEqualTo(Policy.DEFAULT);
        assertThatThrownBy(() -> Policy.parse("Sometimes")).hasMessageContaining("Unsupported value: \"Sometimes\"");
        assertThatThrownBy(() -> new SecretPulledImages(Policy.DEFAULT, List.of(" x.io/a"), check))
                .hasMessageContaining("leading or trailing spaces");
        assertThatThrownBy(() -> new SecretPulledImages(Policy.DEFAULT, List.of("x.io/*/a"), check))
                .hasMessageContaining("only a trailing \"/*\" wildcard is allowed");
        assertThatThrownBy(() -> new SecretPulledImages(Policy.DEFAULT, List.of("x.io/a:1"), check))
                .hasMessageContaining("must not contain a tag or digest");
        SecretPulledImages normalized = new SecretPulledImages(Policy.NEVER_VERIFY_ALLOWLISTED_IMAGES,
                List.of("nginx"), check);
        ImageReference nginx = ImageReference.parse("docker.io/library/nginx:1.25");
        assertThat(normalized.decide("nginx:1.25", nginx, "sha256:2", new Resolution(nginx, List.of(), List.of())))
                .isInstanceOf(Decision.UsePresent.class);
    }

    @Test
    void anImagePulledWithCredentialsBeforeARestartIsVerifiedAgain() {
        SecretPulledImages spi = new SecretPulledImages(Policy.DEFAULT, List.of(), check);
        spi.restored(IMAGE_REF, REF, true);
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod()))
                .isEqualTo(new Decision.MustPull("no credential of the pod was verified for image \"" + IMAGE + "\""));
        allowedIdentities.add(ALICE.credentials().identity());
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod(ALICE))).isEqualTo(new Decision.UsePresent(USABLE));
    }

    @Test
    void anImagePulledAnonymouslyBeforeARestartStaysOpenToEveryPod() {
        SecretPulledImages spi = new SecretPulledImages(Policy.DEFAULT, List.of(), check);
        spi.restored(IMAGE_REF, REF, false);
        assertThat(spi.decide(IMAGE, REF, IMAGE_REF, pod())).isEqualTo(new Decision.UsePresent(USABLE));
        assertThat(checks).isEmpty();
    }
}
