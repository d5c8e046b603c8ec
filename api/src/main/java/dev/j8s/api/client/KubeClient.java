package dev.j8s.api.client;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;

/**
 * A Kubernetes API client for any resource, in fabric8 model types: what a controller uses to read, watch and
 * write the API (never the store). Implementations are thread-safe: the in-process one in {@code apiserver}
 * (the verbs of this JVM's API server) and {@link #connect} over HTTPS.
 */
public interface KubeClient extends AutoCloseable {

  /** Connects to the API server a kubeconfig file names (its current context), over the JDK HTTP client. */
  static KubeClient connect(Path kubeconfig) {
    return FabricKubeClient.connect(kubeconfig);
  }

  /** The verbs on one resource. */
  <T extends HasMetadata> ResourceClient<T> resource(Kind<T> kind);

  /** Stops every watch started through this client and releases its connections. */
  @Override
  void close();
}
