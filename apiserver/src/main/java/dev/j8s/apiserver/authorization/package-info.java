/**
 * Whether a user may do what a request asks: request attributes, the authorizer interface and its union, the
 * 403 answer, and impersonation; upstream's {@code k8s.io/apiserver/pkg/authorization} and the
 * {@code WithAuthorization}/{@code WithImpersonation} filters.
 */
package dev.j8s.apiserver.authorization;
