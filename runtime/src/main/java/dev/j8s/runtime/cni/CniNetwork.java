package dev.j8s.runtime.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.PodSandboxConfig.PortMapping;
import dev.j8s.runtime.ProcessRunner;
import dev.j8s.runtime.RuntimeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One instance's pod network: a conflist (bridge with host-local IPAM, then portmap) written under the
 * data dir and the plugin invocations that attach and detach a network namespace; thread-safe (the
 * plugins serialize IPAM themselves with a lock file in the IPAM data dir).
 *
 * <p>Follows libcni: plugins of the list run in order on ADD, each given the previous result as
 * {@code prevResult}, and in reverse on DEL with the cached ADD result; capabilities
 * ({@code portMappings}) arrive as {@code runtimeConfig}. The loopback plugin brings up {@code lo}.
 */
public final class CniNetwork {
  static final String CNI_VERSION = "1.0.0";
  static final Duration PLUGIN_TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final RuntimeConfig config;
  private final Path cniDir;
  private final LocalnetFilter localnet;

  public CniNetwork(RuntimeConfig config) {
    this.config = config;
    this.cniDir = config.dataDir().resolve("cni");
    this.localnet = new LocalnetFilter(config);
  }

  /** The result of attaching a sandbox: its addresses and the plugins' raw result. */
  public record Attachment(List<String> ips, JsonNode result) {
    public Attachment {
      ips = List.copyOf(ips);
    }
  }

  /** The network configuration list of this instance. */
  public ObjectNode conflist() {
    ObjectNode list = MAPPER.createObjectNode();
    list.put("cniVersion", CNI_VERSION);
    list.put("name", config.networkName());
    ArrayNode plugins = list.putArray("plugins");
    ObjectNode bridge = plugins.addObject();
    bridge.put("type", "bridge");
    bridge.put("bridge", config.bridgeName());
    bridge.put("isGateway", true);
    bridge.put("ipMasq", true);
    bridge.put("hairpinMode", true);
    ObjectNode ipam = bridge.putObject("ipam");
    ipam.put("type", "host-local");
    ipam.putArray("ranges").addArray().addObject().put("subnet", config.podCidr());
    ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
    ipam.put("dataDir", cniDir.resolve("ipam").toString());
    ObjectNode portmap = plugins.addObject();
    portmap.put("type", "portmap");
    portmap.putObject("capabilities").put("portMappings", true);
    return list;
  }

  /** Writes the conflist to {@code <data>/cni/net.d/10-<network>.conflist} and returns its path. */
  public Path writeConflist() {
    Path file = cniDir.resolve("net.d").resolve("10-" + config.networkName() + ".conflist");
    try {
      Files.createDirectories(file.getParent());
      writeAtomically(file, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(conflist()));
    } catch (IOException e) {
      throw new UncheckedIOException("write " + file, e);
    }
    return file;
  }

  /**
   * Runs ADD for loopback and the list on {@code netns}, caching the result for DEL; before the first ADD of this
   * process the instance's localnet drop rule is installed ({@link LocalnetFilter}), so no pod runs without it.
   */
  public Attachment add(String containerId, Path netns, List<PortMapping> portMappings) {
    localnet.ensureInstalled();
    writeConflist();
    invoke("ADD", loopbackConfig(), containerId, netns, "lo");
    JsonNode result = null;
    for (ObjectNode plugin : plugins(portMappings)) {
      ObjectNode netconf = netconf(plugin, result, portMappings);
      byte[] out = invoke("ADD", netconf, containerId, netns, "eth0");
      try {
        result = MAPPER.readTree(out);
      } catch (IOException e) {
        throw new ContainerRuntimeException("parse CNI " + plugin.path("type").asText() + " result: "
            + new String(out, StandardCharsets.UTF_8), e);
      }
    }
    ObjectNode cached = MAPPER.createObjectNode();
    cached.set("result", result);
    ArrayNode ports = cached.putArray("portMappings");
    portMappings.forEach(p -> ports.add(portMapping(p)));
    try {
      Files.createDirectories(resultsDir());
      writeAtomically(resultsDir().resolve(containerId + ".json"), MAPPER.writeValueAsBytes(cached));
    } catch (IOException e) {
      throw new UncheckedIOException("cache CNI result of " + containerId, e);
    }
    return new Attachment(ips(result), result);
  }

  /**
   * Runs DEL in reverse order with the cached ADD result; DEL is idempotent, so a sandbox whose ADD
   * failed halfway is released too.
   */
  public void delete(String containerId, Path netns, List<PortMapping> portMappings) {
    Path cachedFile = resultsDir().resolve(containerId + ".json");
    JsonNode prev = null;
    try {
      if (Files.exists(cachedFile)) {
        prev = MAPPER.readTree(cachedFile.toFile()).get("result");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("read " + cachedFile, e);
    }
    Path ns = Files.exists(netns) ? netns : Path.of("");
    for (ObjectNode plugin : plugins(portMappings).reversed()) {
      invoke("DEL", netconf(plugin, prev, portMappings), containerId, ns, "eth0");
    }
    invoke("DEL", loopbackConfig(), containerId, ns, "lo");
    try {
      Files.deleteIfExists(cachedFile);
    } catch (IOException e) {
      throw new UncheckedIOException("delete " + cachedFile, e);
    }
  }

  /**
   * Deletes the instance's bridge, the iptables rules its plugins left (those a sandbox's CNI DEL did not
   * remove, e.g. when the namespace was already gone), its localnet nftables table and its CNI state; call only
   * when no sandbox is left.
   */
  public void destroy() {
    if (Files.exists(Path.of("/sys/class/net", config.bridgeName()))) {
      ProcessRunner.run(List.of("ip", "link", "delete", config.bridgeName(), "type", "bridge"),
          Duration.ofSeconds(10)).orThrow("delete bridge " + config.bridgeName());
    }
    List<String> failed = new ArrayList<>(TaggedRules.remove(config.networkName()));
    failed.addAll(localnet.remove());
    if (!failed.isEmpty()) {
      throw new ContainerRuntimeException("remove the packet filter rules of network " + config.networkName() + ": "
          + String.join("; ", failed));
    }
    deleteTree(cniDir);
  }

  private List<ObjectNode> plugins(List<PortMapping> portMappings) {
    List<ObjectNode> plugins = new ArrayList<>();
    for (JsonNode plugin : conflist().get("plugins")) {
      // portmap only when the pod maps ports: saves two iptables runs per pod otherwise.
      if (plugin.path("type").asText().equals("portmap") && portMappings.isEmpty()) {
        continue;
      }
      plugins.add((ObjectNode) plugin);
    }
    return plugins;
  }

  private ObjectNode netconf(ObjectNode plugin, JsonNode prevResult, List<PortMapping> portMappings) {
    ObjectNode netconf = plugin.deepCopy();
    netconf.put("cniVersion", CNI_VERSION);
    netconf.put("name", config.networkName());
    netconf.remove("capabilities");
    if (plugin.path("capabilities").path("portMappings").asBoolean() && !portMappings.isEmpty()) {
      ArrayNode ports = netconf.putObject("runtimeConfig").putArray("portMappings");
      portMappings.forEach(p -> ports.add(portMapping(p)));
    }
    if (prevResult != null) {
      netconf.set("prevResult", prevResult);
    }
    return netconf;
  }

  private static ObjectNode portMapping(PortMapping p) {
    ObjectNode port = MAPPER.createObjectNode();
    port.put("hostPort", p.hostPort());
    port.put("containerPort", p.containerPort());
    port.put("protocol", p.protocol().name().toLowerCase(Locale.ROOT));
    if (!p.hostIp().isEmpty()) {
      port.put("hostIP", p.hostIp());
    }
    return port;
  }

  private ObjectNode loopbackConfig() {
    ObjectNode lo = MAPPER.createObjectNode();
    lo.put("cniVersion", CNI_VERSION);
    lo.put("name", "cni-loopback");
    lo.put("type", "loopback");
    return lo;
  }

  private byte[] invoke(String command, ObjectNode netconf, String containerId, Path netns, String ifname) {
    String type = netconf.path("type").asText();
    Path plugin = config.cniBinDir().resolve(type);
    Map<String, String> env = Map.of(
        "CNI_COMMAND", command,
        "CNI_CONTAINERID", containerId,
        "CNI_NETNS", netns.toString(),
        "CNI_IFNAME", ifname,
        "CNI_PATH", config.cniBinDir().toString());
    byte[] stdin;
    try {
      stdin = MAPPER.writeValueAsBytes(netconf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ProcessRunner.Result result = ProcessRunner.run(List.of(plugin.toString()), env, stdin, PLUGIN_TIMEOUT);
    if (result.exitStatus() != 0) {
      // Plugins report errors as JSON on stdout ({"code":…,"msg":…,"details":…}).
      throw new ContainerRuntimeException.CommandFailed("CNI " + command + " " + type + " for " + containerId,
          result.command(), result.exitStatus(), (result.stdoutText() + " " + result.stderrText()).strip());
    }
    return result.stdout();
  }

  /** The addresses in a CNI result, without their prefix length. */
  static List<String> ips(JsonNode result) {
    List<String> ips = new ArrayList<>();
    for (JsonNode ip : result.path("ips")) {
      String address = ip.path("address").asText();
      int slash = address.indexOf('/');
      ips.add(slash < 0 ? address : address.substring(0, slash));
    }
    return ips;
  }

  private Path resultsDir() {
    return cniDir.resolve("results");
  }

  /** Writes through a temporary file of its own, so sandboxes set up at once never move each other's. */
  private static void writeAtomically(Path file, byte[] content) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
    try {
      Files.write(tmp, content);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("delete " + root, e);
    }
  }
}
