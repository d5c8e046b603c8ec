/**
 * The Pod Security Standards: levels, versions, the namespace labels that choose them and the checks of each level,
 * with upstream's messages (upstream {@code k8s.io/pod-security-admission/api} and {@code policy}).
 */
package dev.j8s.apiserver.podsecurity;
