/**
 * Bootstrap token Secrets ({@code kube-system/bootstrap-token-<id>}) as the API server's authenticator and the
 * token cleaner read them, upstream's {@code k8s.io/cluster-bootstrap} helpers.
 */
package dev.j8s.api.bootstrap;
