package dev.j8s.runtime;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/** Connecting TCP sockets, wherever they were made (the node's network namespace or a pod's). Stateless. */
public final class Sockets {

  private Sockets() {}

  /** The protocol family a socket to {@code target} needs. */
  public static StandardProtocolFamily familyOf(InetSocketAddress target) {
    return target.getAddress() instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
  }

  /**
   * Connects the unconnected {@code channel} to {@code target} in blocking mode, within {@code timeout}; the channel is
   * closed when that fails.
   *
   * @throws java.net.ConnectException when refused or unreachable
   * @throws java.net.SocketTimeoutException when not connected within {@code timeout}
   */
  public static SocketChannel connect(SocketChannel channel, InetSocketAddress target, Duration timeout)
      throws IOException {
    try {
      channel.socket().connect(target, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
      return channel;
    } catch (IOException | RuntimeException e) {
      try {
        channel.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}
