package dev.j8s.cli;

import dev.j8s.api.Cluster;
import dev.j8s.apiserver.http.KubeletStreaming;
import dev.j8s.kubelet.Kubelet;
import dev.j8s.kubelet.server.KubeletServer;
import dev.j8s.pki.CertificateFileStore;
import io.fabric8.kubernetes.client.Config;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The kubelet API of {@code j8s agent}: a {@link KubeletServer} with the serving certificate given (self-signed for the
 * node's names, or the cluster's), trusting client certificates of the CA file given (else the kubeconfig's cluster CA, which signs the API
 * server's kubelet client certificate in a kubeadm-like cluster), its streaming endpoints served by the API server's
 * protocol handlers over this JVM's kubelet. Not thread-safe: called once.
 */
final class KubeletApi {

    private KubeletApi() {
    }

    static KubeletServer start(InetSocketAddress address, String nodeName, CertificateFileStore.Pair serving,
                               List<X509Certificate> clientCas, Cluster cluster, Kubelet kubelet) {
        char[] password = password();
        KubeletServer.Tls tls = new KubeletServer.Tls(serving.keyStore(password), new String(password), clientCas);
        LocalKubeletClient local = new LocalKubeletClient(kubelet, Clock.systemUTC());
        KubeletServer.Streaming streaming = new KubeletServer.Streaming() {
            @Override
            public void prepare(org.eclipse.jetty.server.Server server) {
                KubeletStreaming.prepare(server);
            }

            @Override
            public void serve(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                              org.eclipse.jetty.util.Callback callback, KubeletServer.Endpoint endpoint,
                              io.fabric8.kubernetes.api.model.Pod pod, String container) {
                KubeletStreaming.serve(request, response, callback, switch (endpoint) {
                    case EXEC -> KubeletStreaming.Kind.EXEC;
                    case ATTACH -> KubeletStreaming.Kind.ATTACH;
                    case PORT_FORWARD -> KubeletStreaming.Kind.PORT_FORWARD;
                }, pod, container, local);
            }
        };
        return KubeletServer.start(address, tls, nodeName, cluster, kubelet, streaming, Clock.systemUTC());
    }

    /** Serves {@code api} with {@code serving} from now on. */
    static void useServingCertificate(KubeletServer api, CertificateFileStore.Pair serving) {
        char[] password = password();
        api.useServingCertificate(serving.keyStore(password), new String(password));
    }

    /** The names the kubelet's self-signed certificate serves: the host's and the node's. */
    static Set<String> servingNames(String nodeName, Set<String> names) {
        Set<String> all = new LinkedHashSet<>(names);
        all.add(nodeName);
        return all;
    }

    private static char[] password() {
        return HexFormat.of().formatHex(new SecureRandom().generateSeed(16)).toCharArray();
    }

    /** The CA of a kubeconfig's current cluster, as a PEM file's text. */
    static String kubeconfigCa(Path kubeconfig) {
        try {
            Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
            if (config.getCaCertData() != null && !config.getCaCertData().isEmpty()) {
                return new String(Base64.getDecoder().decode(config.getCaCertData().strip()),
                        java.nio.charset.StandardCharsets.US_ASCII);
            }
            if (config.getCaCertFile() != null && !config.getCaCertFile().isEmpty()) {
                return Files.readString(Path.of(config.getCaCertFile()));
            }
            throw new IllegalArgumentException("kubeconfig " + kubeconfig + " names no certificate authority: give"
                    + " --client-ca-file");
        } catch (IOException e) {
            throw new UncheckedIOException("read kubeconfig " + kubeconfig, e);
        }
    }

    /** The CAs of a PEM file. */
    static List<X509Certificate> certificates(Path file) {
        try {
            return certificates(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file, e);
        }
    }

    static List<X509Certificate> certificates(String pem, String source) {
        try {
            List<X509Certificate> out = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                    .stream().map(c -> (X509Certificate) c).toList();
            if (out.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + source);
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("parse the certificates of " + source + ": " + e.getMessage(), e);
        }
    }
}
