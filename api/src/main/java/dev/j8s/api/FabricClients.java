package dev.j8s.api;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the fabric8-based clients ({@link Cluster#connect}, {@code KubeClient.connect}) share: the fabric8 client for a
 * kubeconfig and DELETEs with a full DeleteOptions body through its HTTP layer. Stateless, thread-safe.
 */
public final class FabricClients {

  private FabricClients() {}

  /**
   * A fabric8 client for the current context of a kubeconfig file, on the JDK HTTP client, with HTTP (not
   * WebSocket) watches and no request timeout that would cut a watch.
   */
  public static KubernetesClient connect(Path kubeconfig) {
    String text;
    try {
      text = Files.readString(kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException("read kubeconfig " + kubeconfig, e);
    }
    Config config;
    try {
      config = Config.fromKubeconfig(text);
    } catch (RuntimeException e) {
      throw new ClusterException.Failed("parse kubeconfig " + kubeconfig + ": " + e.getMessage(), 0, e);
    }
    java.util.Optional<ReloadingKeyManager> reloading = reloadingKeyManager(config);
    inlineClientFiles(config, kubeconfig);
    config.setClientKeyAlgo(keyAlgorithm(config.getClientKeyData(), config.getClientKeyAlgo()));
    // Watches are long-lived; the informer re-establishes them, so no client-side request timeout cuts them.
    config.setRequestTimeout(30_000);
    config.setConnectionTimeout(10_000);
    // fabric8 tries a WebSocket watch first and falls back only after a timeout; the API is plain HTTP watches.
    config.setOnlyHttpWatches(true);
    JdkHttpClientFactory http = new JdkHttpClientFactory();
    if (reloading.isPresent()) {
      javax.net.ssl.SSLContext tls;
      try {
        tls = reloading.get().sslContext(io.fabric8.kubernetes.client.internal.SSLUtils.trustManagers(config));
      } catch (java.security.GeneralSecurityException | IOException e) {
        throw new ClusterException.Failed("kubeconfig " + kubeconfig + ": the cluster's CA: " + e.getMessage(), 0, e);
      }
      http = new JdkHttpClientFactory() {
        @Override
        protected void additionalConfig(java.net.http.HttpClient.Builder builder) {
          builder.sslContext(tls);
        }
      };
    }
    KubernetesClientBuilder builder = new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(http);
    return builder.build();
  }

  /**
   * Makes the clients whose kubeconfig names client certificate files read them again now, closing the connections
   * made with the certificate they replace: called after a kubelet's certificate rotation.
   */
  public static void reloadClientCertificates() {
    ReloadingKeyManager.reloadAll();
  }

  /**
   * A key manager reading the kubeconfig's client certificate and key files again when they change (a kubelet's
   * rotated certificate); empty when they are given as data, or the key is not PKCS#8 (then they are read once).
   */
  private static java.util.Optional<ReloadingKeyManager> reloadingKeyManager(Config config) {
    String certificate = config.getClientCertFile();
    String key = config.getClientKeyFile();
    if (certificate == null || certificate.isEmpty() || key == null || key.isEmpty()
        || (config.getClientCertData() != null && !config.getClientCertData().isEmpty())
        || (config.getClientKeyData() != null && !config.getClientKeyData().isEmpty())) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(ReloadingKeyManager.of(Path.of(certificate), Path.of(key)));
    } catch (RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * Reads a client certificate and key the kubeconfig names by file into its data: the kubelet's certificate store
   * keeps both in one PEM file ({@code kubelet-client-current.pem}) that the kubeconfig names twice, which fabric8 would
   * read whole as each.
   */
  private static void inlineClientFiles(Config config, Path kubeconfig) {
    if (config.getClientCertFile() != null && !config.getClientCertFile().isEmpty()
        && (config.getClientCertData() == null || config.getClientCertData().isEmpty())) {
      config.setClientCertData(pemBlocks(config.getClientCertFile(), "CERTIFICATE", kubeconfig));
      config.setClientCertFile(null);
    }
    if (config.getClientKeyFile() != null && !config.getClientKeyFile().isEmpty()
        && (config.getClientKeyData() == null || config.getClientKeyData().isEmpty())) {
      config.setClientKeyData(pemBlocks(config.getClientKeyFile(), "PRIVATE KEY", kubeconfig));
      config.setClientKeyFile(null);
    }
  }

  /** The base64 of the PEM blocks of {@code file} whose label ends with {@code label}. */
  static String pemBlocks(String file, String label, Path kubeconfig) {
    String text;
    try {
      text = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("read " + file + " of kubeconfig " + kubeconfig, e);
    }
    String blocks = blocks(text, label);
    if (blocks.isEmpty()) {
      throw new ClusterException.Failed("kubeconfig " + kubeconfig + ": no " + label + " in " + file, 0, null);
    }
    return java.util.Base64.getEncoder().encodeToString(blocks.getBytes(StandardCharsets.US_ASCII));
  }

  /** The PEM blocks of {@code text} whose label ends with {@code label}, each followed by a newline. */
  static String blocks(String text, String label) {
    StringBuilder blocks = new StringBuilder();
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("-----BEGIN ([A-Z ]*" + label + ")-----.*?-----END \\1-----", java.util.regex.Pattern.DOTALL)
        .matcher(text);
    while (m.find()) {
      blocks.append(m.group()).append('\n');
    }
    return blocks.toString();
  }

  /**
   * The algorithm of a kubeconfig's PKCS#8 client key ({@code BEGIN PRIVATE KEY}, as j8s's client certificates have),
   * which fabric8 would otherwise read as RSA: {@code EC} or {@code RSA}; {@code fallback} for other forms, whose PEM
   * label names the algorithm.
   */
  static String keyAlgorithm(String keyData, String fallback) {
    if (keyData == null || keyData.isEmpty()) {
      return fallback;
    }
    String pem;
    try {
      pem = new String(java.util.Base64.getDecoder().decode(keyData.strip()), java.nio.charset.StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      return fallback;
    }
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      return fallback;
    }
    byte[] der = java.util.Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
    for (String algorithm : java.util.List.of("EC", "RSA")) {
      try {
        java.security.KeyFactory.getInstance(algorithm).generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
        return algorithm;
      } catch (java.security.GeneralSecurityException e) {
        // not this one
      }
    }
    return fallback;
  }

  /** The answer to a request sent through the client's HTTP layer. */
  public record RawResponse(int code, String body) {}

  /**
   * Sends a DELETE with a JSON DeleteOptions body to {@code path} (below the server URL) through {@code client}'s
   * HTTP layer, so its authentication applies; {@code action} names it in errors.
   */
  public static RawResponse delete(KubernetesClient client, String path, String body, String action) {
    String url = client.getMasterUrl().toString().replaceAll("/+$", "") + path;
    HttpRequest request = client.getHttpClient().newHttpRequestBuilder()
        .uri(url)
        .header("Accept", "application/json")
        .delete("application/json", body)
        .build();
    try {
      HttpResponse<String> response = client.getHttpClient().sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
      return new RawResponse(response.code(), response.body() == null ? "" : response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ClusterException.of(action + ": interrupted", 0, "", e);
    } catch (ExecutionException | TimeoutException e) {
      throw ClusterException.of(action + ": " + e, 0, "", e);
    }
  }

  /** A URL path segment. */
  public static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
