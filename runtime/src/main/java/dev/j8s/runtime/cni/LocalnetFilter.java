package dev.j8s.runtime.cni;

import dev.j8s.runtime.RuntimeConfig;
import java.util.List;

/**
 * The fix of CVE-2020-8558 for one instance: the portmap plugin sets {@code route_localnet} on the pod bridge for a
 * {@code hostPort}, after which the node routes a packet a pod crafts for {@code 127.0.0.0/8} to its own loopback
 * services. Like kube-proxy's {@code KUBE-FIREWALL} rule ("block incoming localnet connections"), a packet that
 * enters from the instance's bridge for {@code 127.0.0.0/8}, not from it, and is not part of a connection the node
 * opened or translated (a {@code hostPort} reached at {@code 127.0.0.1}) is dropped. The rule lives in the instance's
 * own nftables table {@code ip <network>-localnet}, installed in one transaction and deleted with the instance.
 * Thread-safe.
 */
public final class LocalnetFilter {

  private final RuntimeConfig config;
  private volatile boolean installed;

  public LocalnetFilter(RuntimeConfig config) {
    this.config = config;
  }

  /** The instance's table: {@code <network>-localnet}, so it carries the network name as its other rules do. */
  public String table() {
    return config.networkName() + "-localnet";
  }

  /** The {@code nft -f} script that (re)creates the table with its one chain and rule. */
  String script() {
    String table = "ip " + table();
    return "add table " + table + "\n"
        + "flush table " + table + "\n"
        + "add chain " + table + " input { type filter hook input priority filter ; policy accept ; }\n"
        + "add rule " + table + " input iifname \"" + config.bridgeName() + "\" ip daddr 127.0.0.0/8"
        + " ip saddr != 127.0.0.0/8 ct state != { established, related } ct status != dnat counter drop"
        + " comment \"block incoming localnet connections\"\n";
  }

  /**
   * Installs the rule, once per process (the script is idempotent, so a table an earlier process left is
   * replaced).
   *
   * @throws dev.j8s.runtime.ContainerRuntimeException when nft fails: pods must not start without the rule
   */
  public void ensureInstalled() {
    if (installed) {
      return;
    }
    synchronized (this) {
      if (!installed) {
        Nftables.apply("install the localnet drop rule of network " + config.networkName(), script());
        installed = true;
      }
    }
  }

  /**
   * Deletes the instance's table; nothing when it or nft is not there. A failure other than "no such table" (nft
   * racing other writers of the ruleset) is tried again a few times before it is reported.
   *
   * @return what failed, or empty
   */
  public List<String> remove() {
    installed = false;
    return Nftables.deleteTable("ip", table());
  }
}
