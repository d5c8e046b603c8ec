package dev.j8s.apiserver.admission;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The security features of the node the pods run on, which decide what admission refuses at create time rather
 * than let the kubelet run a pod without it; immutable and thread-safe.
 *
 * @param appArmor the kernel has AppArmor enabled
 * @param seLinux the kernel has SELinux enabled
 * @param userNamespaces the container runtime can run pods in user namespaces (with idmapped mounts)
 */
public record HostFeatures(boolean appArmor, boolean seLinux, boolean userNamespaces) {

    /** A node with none of them. */
    public static final HostFeatures NONE = new HostFeatures(false, false, false);

    /**
     * This machine's: AppArmor from {@code /sys/module/apparmor/parameters/enabled}, SELinux from
     * {@code /sys/fs/selinux/enforce}; user namespaces are never offered (the runc j8s runs, 1.1, cannot map the
     * rootfs and volumes into one).
     */
    public static HostFeatures probe() {
        return new HostFeatures(read(Path.of("/sys/module/apparmor/parameters/enabled")).startsWith("Y"),
                Files.exists(Path.of("/sys/fs/selinux/enforce")), false);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
