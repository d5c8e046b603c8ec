package dev.j8s.cluster;

import dev.j8s.api.Cluster;
import dev.j8s.apiserver.ApiServer;
import dev.j8s.apiserver.local.InProcessCluster;
import java.nio.file.Path;

/** {@link InProcessCluster} against a running j8s API server, as {@code j8s server}'s kubelet uses it. */
class InProcessClusterIT extends ClusterContract {

  @Override
  Cluster connect(ApiServer server, Path kubeconfig) {
    return InProcessCluster.of(server.objects());
  }
}
