package dev.j8s.apiserver.testing;

import dev.j8s.apiserver.ApiServer;
import dev.j8s.apiserver.ApiServerConfig;
import dev.j8s.apiserver.http.ServingLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A real {@link ApiServer} on 127.0.0.1 (any free port) over TLS with a throw-away self-signed EC key made by the
 * JDK's {@code keytool}, its store in {@code dir}, accepting {@code token} as bearer token; node {@code node1},
 * service CIDR 10.96.0.0/12, no extra admission plugins. Not thread-safe: one per test class.
 */
public final class TlsApiServer {

  private TlsApiServer() {}

  /**
   * A TLS context that trusts any server certificate: the key above is made per run, and these tests talk to
   * 127.0.0.1 only. Use with {@link #clientParameters()}.
   */
  public static SSLContext trustingContext() {
    try {
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      return ssl;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS context", e);
    }
  }

  /** No host name check (the certificate names localhost and 127.0.0.1, but a raw socket has no host name). */
  public static SSLParameters clientParameters() {
    SSLParameters params = new SSLParameters();
    params.setEndpointIdentificationAlgorithm("");
    return params;
  }

  /** Starts the server; the caller closes it. */
  public static ApiServer start(Path dir, String token) throws IOException, InterruptedException {
    return start(dir, token, ServingLimits.DEFAULT);
  }

  /** Starts the server with these limits; the caller closes it. */
  public static ApiServer start(Path dir, String token, ServingLimits limits) throws IOException, InterruptedException {
    Path keystore = dir.resolve("server.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", "changeit", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2")
        .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes());
    if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
      keytool.destroyForcibly();
      throw new IllegalStateException("keytool failed: " + output);
    }
    return ApiServer.start(new ApiServerConfig(new InetSocketAddress("127.0.0.1", 0), dir.resolve("state.db"),
        keystore, "changeit", token, "node1", "10.96.0.0/12", Set.of(), limits));
  }

  /** A kubeconfig for {@code server} with {@code token}, trusting any certificate (the key above is throw-away). */
  public static String kubeconfig(ApiServer server, String token) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: j8s
          cluster:
            server: https://127.0.0.1:%d
            insecure-skip-tls-verify: true
        users:
        - name: client
          user:
            token: %s
        contexts:
        - name: j8s
          context:
            cluster: j8s
            user: client
        current-context: j8s
        """.formatted(server.port(), token);
  }
}
