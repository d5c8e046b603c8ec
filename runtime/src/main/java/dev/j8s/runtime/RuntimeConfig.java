package dev.j8s.runtime;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Where the runtime's tools are and where one instance keeps its state; immutable and thread-safe.
 *
 * <p>Everything an instance puts on the host derives from its data dir (see {@link #of}), so two
 * instances with different data dirs run side by side and a stopped one can be cleaned up completely.
 *
 * @param runtimePath the OCI runtime binary (runc; crun takes the same arguments)
 * @param conmonPath the conmon binary
 * @param cniBinDir the directory holding the CNI plugins (bridge, host-local, loopback, portmap)
 * @param dataDir persistent state: sandbox and container metadata, overlay upper dirs, CNI files
 * @param runDir volatile state: runc root, conmon exit files and sockets, namespace bind mounts
 * @param podCidr the IPv4 range pods get addresses from
 * @param bridgeName the Linux bridge the pods' veths join (at most 15 characters)
 * @param cgroupParent the cgroupfs path every pod cgroup lives under, e.g. {@code /j8s-1a2b3c4d}
 */
public record RuntimeConfig(
    Path runtimePath,
    Path conmonPath,
    Path cniBinDir,
    Path dataDir,
    Path runDir,
    String podCidr,
    String bridgeName,
    String cgroupParent) {

  public static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/j8s");
  public static final String DEFAULT_POD_CIDR = "10.244.0.0/16";

  public RuntimeConfig {
    Objects.requireNonNull(runtimePath, "runtimePath");
    Objects.requireNonNull(conmonPath, "conmonPath");
    Objects.requireNonNull(cniBinDir, "cniBinDir");
    dataDir = dataDir.toAbsolutePath().normalize();
    runDir = runDir.toAbsolutePath().normalize();
    if (!podCidr.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
      throw new IllegalArgumentException("invalid pod CIDR " + podCidr);
    }
    if (bridgeName.isEmpty() || bridgeName.length() > 15 || !bridgeName.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("invalid bridge name " + bridgeName);
    }
    if (!cgroupParent.matches("(/[A-Za-z0-9_.-]+)+")) {
      throw new IllegalArgumentException("invalid cgroup parent " + cgroupParent);
    }
  }

  /**
   * The configuration derived from a data dir: runc, conmon and CNI from Debian's paths, bridge
   * {@code j8s0} for the default data dir and {@code j8s<hash4>} otherwise, cgroup parent
   * {@code /j8s-<hash8>}.
   */
  public static RuntimeConfig of(Path dataDir, Path runDir, String podCidr) {
    Path data = dataDir.toAbsolutePath().normalize();
    String hash = instanceHash(data);
    return new RuntimeConfig(Path.of("/usr/sbin/runc"), Path.of("/usr/bin/conmon"),
        Path.of("/usr/lib/cni"), data, runDir, podCidr, bridgeName(data), "/j8s-" + hash.substring(0, 8));
  }

  /** The bridge of the instance whose data dir is {@code dataDir}: {@code j8s0} for the default one. */
  public static String bridgeName(Path dataDir) {
    Path data = dataDir.toAbsolutePath().normalize();
    return data.equals(DEFAULT_DATA_DIR) ? "j8s0" : "j8s" + instanceHash(data).substring(0, 4);
  }

  public RuntimeConfig withRuntimePath(Path path) {
    return new RuntimeConfig(path, conmonPath, cniBinDir, dataDir, runDir, podCidr, bridgeName, cgroupParent);
  }

  public RuntimeConfig withConmonPath(Path path) {
    return new RuntimeConfig(runtimePath, path, cniBinDir, dataDir, runDir, podCidr, bridgeName, cgroupParent);
  }

  public RuntimeConfig withCniBinDir(Path path) {
    return new RuntimeConfig(runtimePath, conmonPath, path, dataDir, runDir, podCidr, bridgeName, cgroupParent);
  }

  /** The CNI network name of this instance (also the prefix of its iptables chains' comments). */
  public String networkName() {
    return "j8s-" + instanceHash(dataDir).substring(0, 8);
  }

  /** The runc state root ({@code --root}). */
  public Path runcRoot() {
    return runDir.resolve("runc");
  }

  static String instanceHash(Path dataDir) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(dataDir.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
