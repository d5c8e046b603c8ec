package dev.j8s.kubelet.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.kubelet.images.ImageService;
import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.image.PullException;
import dev.j8s.oci.image.PullListener;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.Credentials;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyringImageServiceTest {

    private static final ImageReference REF = ImageReference.parse("127.0.0.1:5000/team/app:1.0");

    /** Records which username each pull presented; succeeds only for {@code good}. */
    private static final class Recording implements ImageService {
        final List<String> tried = new ArrayList<>();

        @Override
        public Optional<ImageRecord> find(ImageReference ref) {
            return Optional.empty();
        }

        @Override
        public ImageRecord pull(ImageReference ref, CredentialSupplier credentials, PullListener listener) {
            String user = credentials.credentials(ref.domain(), ref.path())
                    .map(c -> c instanceof Credentials.UsernamePassword up ? up.username() : "token")
                    .orElse("anonymous");
            tried.add(user);
            throw new PullException(PullException.Kind.UNAUTHORIZED, "denied for " + user);
        }
    }

    @Test
    void everyMatchingCredentialIsTriedInOrderBeforeGivingUp() {
        Recording images = new Recording();
        Resolution resolution = new Resolution(REF, List.of(
                candidate("first"), candidate("second")), List.of());
        assertThatThrownBy(() -> new KeyringImageService(images).pull(REF, resolution, PullListener.NONE))
                .isInstanceOf(RuntimeException.class);
        assertThat(images.tried).containsExactly("first", "second");
    }

    @Test
    void aPlainSupplierIsPassedThroughOnce() {
        Recording images = new Recording();
        assertThatThrownBy(() -> new KeyringImageService(images).pull(REF, CredentialSupplier.ANONYMOUS, PullListener.NONE))
                .isInstanceOf(PullException.class);
        assertThat(images.tried).containsExactly("anonymous");
    }

    private static CredentialCandidate candidate(String user) {
        return new CredentialCandidate("127.0.0.1:5000", new Credentials.UsernamePassword(user, "pw-" + user), "",
                new CredentialSource.NodeConfigFile(java.nio.file.Path.of("/etc/j8s/config.json")));
    }
}
