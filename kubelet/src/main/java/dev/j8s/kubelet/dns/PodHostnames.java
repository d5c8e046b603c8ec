package dev.j8s.kubelet.dns;

import dev.j8s.kubelet.container.ConfigException;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * A pod's hostname and domain (upstream {@code GeneratePodHostNameAndDomain} and {@code GetNodenameForKernel});
 * stateless and thread-safe.
 */
public final class PodHostnames {

    private PodHostnames() {}

    /**
     * @param hostname the pod's short hostname
     * @param domain {@code <subdomain>.<namespace>.svc.<cluster domain>}, or empty without a subdomain
     * @param kernel the UTS hostname: the FQDN with {@code setHostnameAsFQDN} and a domain, else the hostname
     */
    public record Names(String hostname, String domain, String kernel) {}

    /**
     * The names of {@code pod}: {@code spec.hostname} or the pod name, cut to 63 characters without trailing
     * {@code -} or {@code .}.
     *
     * @throws ConfigException when the FQDN to set is longer than 64 characters (upstream's message)
     */
    public static Names of(Pod pod, String clusterDomain) {
        String hostname = pod.getSpec().getHostname() != null && !pod.getSpec().getHostname().isEmpty()
                ? pod.getSpec().getHostname() : pod.getMetadata().getName();
        hostname = truncate(hostname);
        String subdomain = pod.getSpec().getSubdomain();
        String domain = subdomain == null || subdomain.isEmpty() ? ""
                : subdomain + "." + pod.getMetadata().getNamespace() + ".svc." + clusterDomain;
        String kernel = hostname;
        if (Boolean.TRUE.equals(pod.getSpec().getSetHostnameAsFQDN()) && !domain.isEmpty()) {
            kernel = hostname + "." + domain;
            if (kernel.length() > 64) {
                throw new ConfigException("failed to construct FQDN from pod hostname and cluster domain, FQDN "
                        + kernel + " is too long (64 characters is the max, " + kernel.length()
                        + " characters requested)");
            }
        }
        return new Names(hostname, domain, kernel);
    }

    /** Upstream {@code truncatePodHostnameIfNeeded}. */
    static String truncate(String hostname) {
        if (hostname.length() <= 63) {
            return hostname;
        }
        String cut = hostname.substring(0, 63).replaceAll("[-.]+$", "");
        if (cut.isEmpty()) {
            throw new ConfigException("hostname \"" + hostname + "\" can not be used as a hostname");
        }
        return cut;
    }
}
