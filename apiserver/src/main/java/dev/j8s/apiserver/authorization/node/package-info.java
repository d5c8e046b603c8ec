/**
 * The Node authorizer: a kubelet ({@code system:node:<name>}) reads only the secrets, configMaps, volumes and
 * service accounts of pods bound to its node, found through a graph of pods kept current by a store watch;
 * upstream's {@code plugin/pkg/auth/authorizer/node}.
 */
package dev.j8s.apiserver.authorization.node;
