/**
 * Registry credentials for image pulls: node docker config files, pod pull secrets, credential helpers, exec
 * credential-provider plugins and the ensure-secret-pulled-images checks; corresponds to upstream's
 * {@code pkg/credentialprovider} (and its {@code secrets} and {@code plugin} packages) and
 * {@code pkg/kubelet/images/pullmanager}.
 */
package dev.j8s.kubelet.credentials;
