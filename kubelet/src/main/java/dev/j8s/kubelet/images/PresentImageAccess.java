package dev.j8s.kubelet.images;

import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;

/**
 * Decides whether a pod may use an image that is already on the node with policy {@code IfNotPresent} or
 * {@code Never} (upstream's KEP-2535 "ensure secret pulled images" check); implementations must be thread-safe.
 */
@FunctionalInterface
public interface PresentImageAccess {
    /** What to do with a present image. */
    sealed interface Verdict {
        /** Use the present image; the Normal {@code Pulled} event says {@code message}. */
        record Use(String message) implements Verdict {}

        /** The pod has not proved access: pull ({@code IfNotPresent}) or fail as absent ({@code Never}). */
        record MustPull(String why) implements Verdict {}
    }

    /** Every pod may use every present image (upstream with the feature gate off). */
    PresentImageAccess ANY = (image, ref, present, credentials) ->
            new Verdict.Use("Container image " + PullErrors.quote(image) + " already present on machine");

    /**
     * @param image the image as written in the pod spec
     * @param ref its normalized form with the default tag
     * @param present the local image
     * @param credentials the credentials the pod may use for {@code ref}
     */
    Verdict check(String image, ImageReference ref, ImageRecord present, CredentialSupplier credentials);
}
