package dev.j8s.cluster;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.api.Cluster;
import dev.j8s.apiserver.ApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link Cluster} over real HTTPS against an in-process j8s API server, as {@code j8s agent}'s kubelet uses it. */
class FabricClusterIT extends ClusterContract {

  @Override
  Cluster connect(ApiServer server, Path kubeconfig) {
    return Cluster.connect(kubeconfig);
  }

  @Test
  void aKubeconfigThatDoesNotParseIsReportedWithItsPath() throws Exception {
    Path bad = dir.resolve("bad-kubeconfig");
    Files.writeString(bad, "{{{ not yaml");
    assertThatThrownBy(() -> Cluster.connect(bad)).hasMessageContaining(bad.toString());
  }
}
