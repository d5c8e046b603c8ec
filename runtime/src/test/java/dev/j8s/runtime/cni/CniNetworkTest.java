package dev.j8s.runtime.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.RuntimeConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniNetworkTest {
  @TempDir Path dir;

  @Test
  void conflistChainsBridgeWithHostLocalUnderTheDataDirThenPortmap() {
    RuntimeConfig config = RuntimeConfig.of(dir.resolve("data"), dir.resolve("run"), "10.244.0.0/16");
    JsonNode list = new CniNetwork(config).conflist();

    assertThat(list.get("cniVersion").asText()).isEqualTo("1.0.0");
    assertThat(list.get("name").asText()).isEqualTo(config.networkName()).startsWith("j8s-");
    assertThat(list.at("/plugins/0/type").asText()).isEqualTo("bridge");
    assertThat(list.at("/plugins/0/bridge").asText()).matches("j8s[0-9a-f]{4}");
    assertThat(list.at("/plugins/0/isGateway").asBoolean()).isTrue();
    assertThat(list.at("/plugins/0/ipam/type").asText()).isEqualTo("host-local");
    assertThat(list.at("/plugins/0/ipam/ranges/0/0/subnet").asText()).isEqualTo("10.244.0.0/16");
    assertThat(list.at("/plugins/0/ipam/dataDir").asText()).isEqualTo(dir.resolve("data/cni/ipam").toString());
    assertThat(list.at("/plugins/1/type").asText()).isEqualTo("portmap");
    assertThat(list.at("/plugins/1/capabilities/portMappings").asBoolean()).isTrue();
  }

  @Test
  void defaultDataDirGetsBridgeJ8s0AndOthersGetDistinctNames() {
    assertThat(RuntimeConfig.of(Path.of("/var/lib/j8s"), Path.of("/run/j8s"), "10.244.0.0/16").bridgeName())
        .isEqualTo("j8s0");
    RuntimeConfig a = RuntimeConfig.of(dir.resolve("a"), dir.resolve("ra"), "10.244.0.0/16");
    RuntimeConfig b = RuntimeConfig.of(dir.resolve("b"), dir.resolve("rb"), "10.244.0.0/16");
    assertThat(a.bridgeName()).isNotEqualTo(b.bridgeName());
    assertThat(a.cgroupParent()).isNotEqualTo(b.cgroupParent()).matches("/j8s-[0-9a-f]{8}");
  }

  @Test
  void resultAddressesAreReportedWithoutPrefixLength() throws Exception {
    JsonNode result = new ObjectMapper().readTree("""
        {"cniVersion":"1.0.0","ips":[{"address":"10.244.0.7/16","gateway":"10.244.0.1","interface":2}]}""");

    assertThat(CniNetwork.ips(result)).containsExactly("10.244.0.7");
  }

  @Test
  void failingPluginRaisesItsExitStatusAndOutput() {
    RuntimeConfig config = RuntimeConfig.of(dir.resolve("data"), dir.resolve("run"), "10.244.0.0/16")
        .withCniBinDir(Path.of("/bin/false").getParent());
    // /bin has no "loopback" plugin: the start itself fails and names the action.
    try {
      assertThatThrownBy(() -> new CniNetwork(config).add("c1", dir.resolve("netns"), List.of()))
          .isInstanceOf(ContainerRuntimeException.class)
          .hasMessageContaining("loopback");
    } finally {
      // the localnet table is installed before the first ADD, also this failed one
      assertThat(new LocalnetFilter(config).remove()).isEmpty();
    }
  }

  @Test
  void sandboxesSetUpAtOnceWriteTheConflistWithoutTakingEachOthersTemporaryFile() throws Exception {
    CniNetwork network = new CniNetwork(RuntimeConfig.of(dir.resolve("data"), dir.resolve("run"), "10.244.0.0/16"));
    List<Thread> writers = new java.util.ArrayList<>();
    java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
    for (int i = 0; i < 16; i++) {
      writers.add(Thread.ofPlatform().start(() -> {
        try {
          for (int j = 0; j < 50; j++) {
            network.writeConflist();
          }
        } catch (RuntimeException e) {
          failures.add(e);
        }
      }));
    }
    for (Thread t : writers) {
      t.join();
    }
    assertThat(failures).isEmpty();
    try (var files = java.nio.file.Files.list(dir.resolve("data/cni/net.d"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(network.writeConflist().getFileName().toString());
    }
  }
}
