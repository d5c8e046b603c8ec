package dev.j8s.cluster;

import dev.j8s.api.client.KubeClient;
import dev.j8s.apiserver.ApiServer;
import dev.j8s.apiserver.local.InProcessKubeClient;
import java.nio.file.Path;

/** {@link InProcessKubeClient} against a running j8s API server, as {@code j8s server}'s controllers use it. */
class InProcessKubeClientIT extends KubeClientContract {

  @Override
  KubeClient connect(ApiServer server, Path kubeconfig) {
    return InProcessKubeClient.of(server.objects());
  }
}
