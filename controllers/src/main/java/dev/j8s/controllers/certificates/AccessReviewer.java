package dev.j8s.controllers.certificates;

import java.util.List;
import java.util.Map;

/**
 * Asks the cluster whether a user may do something, as a SubjectAccessReview does; implementations are thread-safe
 * (the server answers through its authorizer, a remote cluster through {@code subjectaccessreviews}).
 */
@FunctionalInterface
public interface AccessReviewer {

    /** A SubjectAccessReview's spec for a resource request (cluster-scoped, no name). */
    record Review(String user, String uid, List<String> groups, Map<String, List<String>> extra, String verb,
                  String group, String resource, String subresource) {
        public Review {
            groups = List.copyOf(groups);
            extra = Map.copyOf(extra);
        }
    }

    /** Whether the review is allowed. */
    boolean allowed(Review review);
}
