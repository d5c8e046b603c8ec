package dev.j8s.cli;

import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.controllers.certificates.AccessReviewer;

/** SubjectAccessReviews of in-process controllers answered by the server's authorizer chain. Stateless. */
final class AccessReviews {

    private AccessReviews() {}

    /** What a SubjectAccessReview through the API would answer, asked of {@code authorizer} directly. */
    static AccessReviewer of(Authorizer authorizer) {
        return review -> authorizer.authorize(Attributes.resource(
                new UserInfo(review.user(), review.uid(), review.groups(), review.extra()), review.verb(),
                review.group(), "*", "", review.resource(), review.subresource(), "")).kind() == Decision.Kind.ALLOW;
    }
}
