package dev.j8s.apiserver.admission;

/**
 * What admission needs to know beyond the plugins: the node's security features; immutable and thread-safe.
 *
 * @param host what the node can enforce (AppArmor, SELinux, user namespaces)
 */
public record AdmissionOptions(HostFeatures host) {

    /** A node without AppArmor, SELinux or user namespaces. */
    public static final AdmissionOptions DEFAULT = new AdmissionOptions(HostFeatures.NONE);

    public AdmissionOptions {
        java.util.Objects.requireNonNull(host, "host");
    }
}
