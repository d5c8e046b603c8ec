/**
 * Owner-only files written atomically, for keys, tokens and kubeconfigs (what upstream's
 * {@code k8s.io/client-go/util/keyutil} and {@code clientcmd}'s file writing do with mode 0600).
 */
package dev.j8s.fs;
