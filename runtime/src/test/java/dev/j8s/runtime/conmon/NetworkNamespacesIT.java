package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ProcessRunner;
import dev.j8s.runtime.netns.NetworkNamespaces;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NetworkNamespaces}: sockets made inside a network namespace pinned on a file listen and connect there, and
 * the host's namespace does not see them (needs root).
 */
class NetworkNamespacesIT {
  Path dir;

  @BeforeEach
  void namespaceWithLoopbackUp() throws IOException {
    dir = NamespaceFiles.create("j8s-netns-it-");
    Namespaces.create(java.util.Map.of("net", dir.resolve("net"), "ipc", dir.resolve("ipc"), "uts", dir.resolve("uts")));
    ProcessRunner.run(List.of("nsenter", "--net=" + dir.resolve("net"), "ip", "link", "set", "lo", "up"),
        Duration.ofSeconds(10)).orThrow("bring lo up in the test namespace");
  }

  @AfterEach
  void unmount() {
    NamespaceFiles.remove(dir);
  }

  @Test
  void aServerAndAClientMadeInTheNamespaceTalkOverItsLoopbackWhichTheHostCannotReach() throws Exception {
    NetworkNamespaces netns = NetworkNamespaces.shared();
    try (ServerSocketChannel server = netns.open(dir.resolve("net"), ServerSocketChannel::open)) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      Thread echo = Thread.ofVirtual().start(() -> {
        try (SocketChannel accepted = server.accept()) {
          ByteBuffer b = ByteBuffer.allocate(16);
          accepted.read(b);
          accepted.write(b.flip());
        } catch (IOException e) {
          // the test fails on its own read
        }
      });

      try (SocketChannel client = netns.connect(dir.resolve("net"), new InetSocketAddress("127.0.0.1", port),
          Duration.ofSeconds(5))) {
        client.write(ByteBuffer.wrap("ping".getBytes()));
        ByteBuffer reply = ByteBuffer.allocate(16);
        client.read(reply);
        assertThat(new String(reply.array(), 0, reply.position())).isEqualTo("ping");
      }
      echo.join(Duration.ofSeconds(5));

      String listening = ProcessRunner.run(List.of("nsenter", "--net=" + dir.resolve("net"), "ss", "-Htln"),
          Duration.ofSeconds(10)).orThrow("ss in the test namespace").stdoutText();
      assertThat(listening).contains("127.0.0.1]:" + port);
      try (SocketChannel fromHost = SocketChannel.open()) {
        assertThatThrownBy(() -> fromHost.connect(new InetSocketAddress("127.0.0.1", port)))
            .as("the host's loopback has no such listener").isInstanceOf(ConnectException.class);
      }
    }
  }

  @Test
  void aRefusedConnectionIsAConnectExceptionAndTheNextSocketIsStillMadeInTheNamespace() throws Exception {
    NetworkNamespaces netns = NetworkNamespaces.shared();
    assertThatThrownBy(() -> netns.connect(dir.resolve("net"), new InetSocketAddress("127.0.0.1", 9),
        Duration.ofSeconds(2))).isInstanceOf(ConnectException.class);
    try (ServerSocketChannel server = netns.open(dir.resolve("net"), ServerSocketChannel::open)) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      try (SocketChannel client = netns.connect(dir.resolve("net"), new InetSocketAddress("127.0.0.1", port),
          Duration.ofSeconds(5))) {
        assertThat(client.isConnected()).isTrue();
      }
    }
  }

  @Test
  void aNamespaceThatIsNotThereIsAnErrorNamingIt() {
    Path missing = dir.resolve("absent");
    assertThatThrownBy(() -> NetworkNamespaces.shared().connect(missing, new InetSocketAddress("127.0.0.1", 80),
        Duration.ofSeconds(1)))
        .isInstanceOf(ContainerRuntimeException.class)
        .hasMessageContaining("open " + missing)
        .hasMessageContaining("No such file or directory");
  }
}
