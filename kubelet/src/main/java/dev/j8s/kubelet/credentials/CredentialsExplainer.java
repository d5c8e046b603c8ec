package dev.j8s.kubelet.credentials;

import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.Credentials;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Explains which credential sources match an image and in which order they would be tried, for
 * {@code j8s credentials explain}; every value is redacted (only usernames and sources are shown). Thread-safe.
 */
public final class CredentialsExplainer {
    private final PodCredentials credentials;

    /** Explains what {@code credentials} would resolve. */
    public CredentialsExplainer(PodCredentials credentials) {
        this.credentials = credentials;
    }

    /** The explanation for every distinct image of {@code pod} (init, regular, ephemeral containers). */
    public List<String> explain(Pod pod) {
        Set<String> images = new LinkedHashSet<>();
        if (pod.getSpec() != null) {
            Optional.ofNullable(pod.getSpec().getInitContainers()).orElse(List.of()).stream()
                    .map(Container::getImage).forEach(images::add);
            Optional.ofNullable(pod.getSpec().getContainers()).orElse(List.of()).stream()
                    .map(Container::getImage).forEach(images::add);
            Optional.ofNullable(pod.getSpec().getEphemeralContainers()).orElse(List.of())
                    .forEach(c -> images.add(c.getImage()));
        }
        PodCredentials.PodKeyring keyring = credentials.forPod(pod);
        List<String> out = new ArrayList<>();
        for (String image : images) {
            if (image == null) {
                continue;
            }
            ImageReference ref;
            try {
                ref = ImageReference.parse(image);
            } catch (RuntimeException e) {
                out.add("image " + image + ": " + e.getMessage());
                continue;
            }
            try {
                out.addAll(lines(image, keyring.resolve(ref)));
            } catch (CredentialsException e) {
                out.add("image " + image + " (" + ref.repository() + "): pull would fail: " + e.getMessage());
            }
        }
        return out;
    }

    /** The explanation for a bare image, as a pod without pull secrets would see it. */
    public List<String> explain(String image) {
        ImageReference ref = ImageReference.parse(image);
        return lines(image, credentials.resolveWithoutPod(ref));
    }

    static List<String> lines(String image, Resolution r) {
        List<String> out = new ArrayList<>();
        out.add("image " + image + " (" + r.image().repository() + "):");
        if (r.candidates().isEmpty()) {
            out.add("  no credential matches: the pull is anonymous");
        }
        int i = 1;
        for (CredentialCandidate c : r.candidates()) {
            out.add("  " + i++ + ". " + c.source().describe() + " key " + c.key() + " " + describe(c.credentials()));
        }
        r.problems().forEach(p -> out.add("  problem: " + p));
        return out;
    }

    private static String describe(Credentials c) {
        return switch (c) {
            case Credentials.UsernamePassword up -> "username " + up.username() + " password <redacted>";
            case Credentials.IdentityToken it -> "identity token <redacted>";
        };
    }
}
