package dev.j8s.kubelet;

import java.nio.file.Path;

/**
 * How one kubelet runs; immutable and thread-safe.
 *
 * @param nodeName the Node it registers and whose pods it runs
 * @param dataDir the data dir: pod logs live under {@code <dataDir>/logs/pods}
 * @param exitsDir where conmon writes exit files (the runtime's {@code <run-dir>/exits}), watched by the PLEG
 * @param runtimeBinary the OCI runtime binary, asked for its version for the node info
 * @param kubeletVersion reported in the node info, e.g. {@code v1.32.0}
 * @param hostResolvConf the host's resolv.conf, the default DNS of pods
 */
public record KubeletConfig(String nodeName, Path dataDir, Path exitsDir, Path runtimeBinary, String kubeletVersion,
                            Path hostResolvConf) {

    /** The kubelet version j8s reports. */
    public static final String VERSION = "v1.32.0";

    public static KubeletConfig of(String nodeName, Path dataDir, Path runDir, Path runtimeBinary) {
        return new KubeletConfig(nodeName, dataDir, runDir.resolve("exits"), runtimeBinary, VERSION,
                Path.of("/etc/resolv.conf"));
    }
}
