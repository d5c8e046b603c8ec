/**
 * Bootstrap token housekeeping of kube-controller-manager (upstream's {@code pkg/controller/bootstrap}): the token
 * cleaner deletes expired bootstrap token Secrets.
 */
package dev.j8s.controllers.bootstrap;
