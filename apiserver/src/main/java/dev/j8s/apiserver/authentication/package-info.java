/**
 * Who is calling: users from the admin token, client certificates and service-account tokens, the request's
 * caller while it is served, service-account token signing and validation, and impersonation; upstream's
 * {@code k8s.io/apiserver/pkg/authentication} and {@code pkg/serviceaccount}.
 */
package dev.j8s.apiserver.authentication;
