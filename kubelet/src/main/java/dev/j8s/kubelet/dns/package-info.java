/**
 * A pod's hostname, domain and resolv.conf per its {@code dnsPolicy} and {@code dnsConfig}; upstream
 * {@code pkg/kubelet/network/dns} and {@code GeneratePodHostNameAndDomain} of {@code kubelet_pods.go}.
 */
package dev.j8s.kubelet.dns;
