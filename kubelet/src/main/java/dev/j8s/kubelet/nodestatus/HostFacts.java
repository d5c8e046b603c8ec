package dev.j8s.kubelet.nodestatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the node reports about its machine; immutable and thread-safe.
 *
 * @param memoryBytes MemTotal; {@code memoryAvailableBytes} MemAvailable
 * @param storageBytes size of the filesystem holding the data dir; {@code storageAvailableBytes} free on it
 * @param containerRuntimeVersion {@code runc://1.1.12}
 */
public record HostFacts(
    String hostname,
    String internalIp,
    int cpus,
    long memoryBytes,
    long memoryAvailableBytes,
    long storageBytes,
    long storageAvailableBytes,
    String machineId,
    String systemUuid,
    String bootId,
    String kernelVersion,
    String osImage,
    String architecture,
    String containerRuntimeVersion) {

  /** Reads /proc, /etc and the data dir's filesystem, and asks {@code runc --version}. */
  public static HostFacts probe(String hostname, String internalIp, Path dataDir, String runcBinary) {
    String meminfo = read(Path.of("/proc/meminfo")).orElse("");
    String machineId = read(Path.of("/etc/machine-id")).orElse("").strip();
    long total;
    long free;
    try {
      var store = Files.getFileStore(Files.exists(dataDir) ? dataDir : Path.of("/"));
      total = store.getTotalSpace();
      free = store.getUsableSpace();
    } catch (IOException e) {
      total = 0;
      free = 0;
    }
    return new HostFacts(hostname, internalIp, Runtime.getRuntime().availableProcessors(),
        meminfoBytes(meminfo, "MemTotal"), meminfoBytes(meminfo, "MemAvailable"), total, free, machineId,
        read(Path.of("/sys/class/dmi/id/product_uuid")).map(String::strip).orElse(machineId),
        read(Path.of("/proc/sys/kernel/random/boot_id")).orElse("").strip(),
        read(Path.of("/proc/sys/kernel/osrelease")).orElse("").strip(),
        osImage(read(Path.of("/etc/os-release")).orElse("")),
        goArch(System.getProperty("os.arch")),
        "runc://" + runcVersion(runcBinary));
  }

  /** The node's memory (MemTotal of /proc/meminfo), 0 when unknown. */
  public static long memoryTotal() {
    return meminfoBytes(read(Path.of("/proc/meminfo")).orElse(""), "MemTotal");
  }

  static long meminfoBytes(String meminfo, String key) {
    for (String line : meminfo.split("\n")) {
      if (line.startsWith(key + ":")) {
        String[] parts = line.substring(key.length() + 1).strip().split("\\s+");
        return Long.parseLong(parts[0]) * 1024;
      }
    }
    return 0;
  }

  static String osImage(String osRelease) {
    for (String line : osRelease.split("\n")) {
      if (line.startsWith("PRETTY_NAME=")) {
        return line.substring("PRETTY_NAME=".length()).replace("\"", "");
      }
    }
    return "Linux";
  }

  static String goArch(String javaArch) {
    return switch (javaArch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> javaArch;
    };
  }

  /** The version from {@code runc --version}'s first line ({@code runc version 1.1.12}), or {@code unknown}. */
  static String runcVersion(String binary) {
    try {
      Process p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readNBytes(4096));
      if (!p.waitFor(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return "unknown";
      }
      return parseRuncVersion(out);
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  static String parseRuncVersion(String output) {
    String first = output.lines().findFirst().orElse("").strip();
    String prefix = "runc version ";
    return first.startsWith(prefix) ? first.substring(prefix.length()).strip() : "unknown";
  }

  private static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
