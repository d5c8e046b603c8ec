package dev.j8s.cluster;

import dev.j8s.api.client.KubeClient;
import dev.j8s.apiserver.ApiServer;
import java.nio.file.Path;

/** {@link KubeClient#connect} over real HTTPS against a j8s API server, as controllers run against a remote one. */
class FabricKubeClientIT extends KubeClientContract {

  @Override
  KubeClient connect(ApiServer server, Path kubeconfig) {
    return KubeClient.connect(kubeconfig);
  }
}
