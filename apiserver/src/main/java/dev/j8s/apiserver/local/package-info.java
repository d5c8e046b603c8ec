/**
 * The in-process {@link dev.j8s.api.Cluster} the kubelet of {@code j8s server} uses: the same verbs, admission
 * and watch as the HTTP API, called directly; the role client-go's clientset and informers play upstream
 * (k8s.io/client-go/kubernetes, k8s.io/client-go/tools/cache), without the wire.
 */
package dev.j8s.apiserver.local;
