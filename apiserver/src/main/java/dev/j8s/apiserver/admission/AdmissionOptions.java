package dev.j8s.apiserver.admission;

import dev.j8s.apiserver.podsecurity.Policy;

/**
 * What admission needs to know beyond the plugins: the node's security features and the cluster's Pod Security
 * defaults; immutable and thread-safe.
 *
 * @param host what the node can enforce (AppArmor, SELinux, user namespaces)
 * @param podSecurityDefaults the Pod Security levels of a namespace without {@code pod-security.kubernetes.io}
 *     labels ({@code --pod-security-defaults})
 */
public record AdmissionOptions(HostFeatures host, Policy podSecurityDefaults) {

    /** j8s's Pod Security defaults: enforce {@code privileged} as upstream, and warn {@code baseline}. */
    public static final Policy POD_SECURITY_DEFAULTS = Policy.parseDefaults("enforce=privileged,warn=baseline");

    /** A node without AppArmor, SELinux or user namespaces, with j8s's Pod Security defaults. */
    public static final AdmissionOptions DEFAULT = new AdmissionOptions(HostFeatures.NONE, POD_SECURITY_DEFAULTS);

    public AdmissionOptions {
        java.util.Objects.requireNonNull(host, "host");
        java.util.Objects.requireNonNull(podSecurityDefaults, "podSecurityDefaults");
    }
}
