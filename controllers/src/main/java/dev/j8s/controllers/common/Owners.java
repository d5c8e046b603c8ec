package dev.j8s.controllers.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.List;
import java.util.Optional;

/** Reading and making {@code ownerReferences} (metav1's GetControllerOf, NewControllerRef). Stateless. */
public final class Owners {

    private Owners() {}

    /** The reference with {@code controller: true}, if any. */
    public static Optional<OwnerReference> controllerOf(HasMetadata object) {
        return references(object).stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
    }

    /** Every owner reference of an object. */
    public static List<OwnerReference> references(HasMetadata object) {
        List<OwnerReference> refs = object.getMetadata() == null ? null : object.getMetadata().getOwnerReferences();
        return refs == null ? List.of() : refs;
    }

    /** Whether {@code object} is controlled by the object with {@code ownerUid}. */
    public static boolean isControlledBy(HasMetadata object, String ownerUid) {
        return controllerOf(object).map(r -> ownerUid.equals(r.getUid())).orElse(false);
    }

    /** A controller reference to {@code owner}: {@code controller} and {@code blockOwnerDeletion} true. */
    public static OwnerReference controllerRef(HasMetadata owner, String apiVersion, String kind) {
        return new OwnerReferenceBuilder()
                .withApiVersion(apiVersion)
                .withKind(kind)
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /** Whether an object is being deleted. */
    public static boolean isDeleting(HasMetadata object) {
        return object.getMetadata() != null && object.getMetadata().getDeletionTimestamp() != null;
    }

    /** The uid of an object, empty when it has none. */
    public static String uid(HasMetadata object) {
        String uid = object.getMetadata() == null ? null : object.getMetadata().getUid();
        return uid == null ? "" : uid;
    }
}
