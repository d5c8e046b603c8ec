package dev.j8s.pki;

import io.fabric8.kubernetes.api.model.NodeAddress;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The kubelet's serving certificate, kept in its certificate directory: the self-signed one
 * ({@code kubelet.crt} with its CA, {@code kubelet.key}, as upstream's kubelet makes when it is given none), reused
 * across restarts and made again only when the names it must serve change or it nears expiry; and the one the cluster
 * signs with {@code --rotate-server-certificates} (upstream's {@code serverTLSBootstrap}), requested from the
 * {@code kubernetes.io/kubelet-serving} signer for the node's addresses, kept in the {@code kubelet-server} store and
 * renewed by a {@link CertificateRenewal} while the kubelet runs. Not thread-safe: one caller per directory.
 */
public final class KubeletServingCertificates {

    private static final System.Logger LOG = System.getLogger(KubeletServingCertificates.class.getName());
    /** Past this part of its validity a serving certificate is made or asked for again. */
    static final double RENEW_AT = 0.8;

    private KubeletServingCertificates() {}

    /**
     * The self-signed serving certificate of {@code certDir} when it serves exactly {@code names} and is not near
     * expiry, else a new one for them, written there (mode 0600).
     */
    public static CertificateFileStore.Pair selfSigned(Path certDir, String host, Collection<String> names,
                                                       Instant now) {
        Path crt = certDir.resolve("kubelet.crt");
        Path key = certDir.resolve("kubelet.key");
        Set<String> wanted = ServingNames.of(names).asStrings();
        try {
            CertificateFileStore.Pair stored = new CertificateFileStore.Pair(
                    Pem.parseCertificates(Files.readString(crt, StandardCharsets.US_ASCII), crt.toString()),
                    CertificateFileStore.privateKey(Files.readString(key, StandardCharsets.US_ASCII),
                            key.toString()));
            Set<String> served = Certificates.alternativeNames(stored.leaf());
            if (!served.equals(wanted)) {
                LOG.log(Level.INFO, "the node''s names changed, making a new serving certificate served={0}"
                        + " wanted={1}", served, wanted);
            } else if (!stored.freshAt(now, RENEW_AT)) {
                LOG.log(Level.INFO, "the serving certificate nears expiry, making a new one notAfter={0}",
                        stored.leaf().getNotAfter().toInstant());
            } else {
                return stored;
            }
        } catch (NoSuchFileException e) {
            // first start: make one
        } catch (IOException | PkiException e) {
            LOG.log(Level.WARNING, "cannot read the serving certificate, making a new one path={0} error={1}", crt,
                    e.getMessage());
        }
        CertificateFileStore.Pair made = SelfSignedServing.pair(host, names, now);
        try {
            StringBuilder chain = new StringBuilder();
            made.chain().forEach(c -> chain.append(Pem.certificate(c)));
            CertificateFileStore.writePrivate(key, Pem.privateKey(made.key()));
            CertificateFileStore.writePrivate(crt, chain.toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("write the serving certificate " + crt, e);
        }
        return made;
    }

    /** The names of a Node's addresses a serving certificate asks for, as upstream's kubelet sorts them. */
    public record NodeNames(List<String> dnsNames, List<InetAddress> addresses) {
        public NodeNames {
            dnsNames = List.copyOf(dnsNames);
            addresses = List.copyOf(addresses);
        }

        /**
         * As upstream's kubelet asks: {@code Hostname}, {@code InternalDNS} and {@code ExternalDNS} addresses as DNS
         * names (a host name that is an IP literal as an address), {@code InternalIP} and {@code ExternalIP} ones as
         * addresses (those that are no IP literal are left out), each once, in sorted order.
         */
        public static NodeNames of(List<NodeAddress> nodeAddresses) {
            Set<String> dns = new TreeSet<>();
            Map<String, InetAddress> ips = new TreeMap<>();
            for (NodeAddress a : nodeAddresses) {
                String address = a.getAddress() == null ? "" : a.getAddress();
                if (address.isEmpty()) {
                    continue;
                }
                Optional<InetAddress> ip = literal(address);
                switch (a.getType()) {
                    case "Hostname" -> ip.ifPresentOrElse(i -> ips.put(i.getHostAddress(), i), () -> dns.add(address));
                    case "InternalIP", "ExternalIP" -> ip.ifPresent(i -> ips.put(i.getHostAddress(), i));
                    case "InternalDNS", "ExternalDNS" -> dns.add(address);
                    default -> { }
                }
            }
            return new NodeNames(new ArrayList<>(dns), new ArrayList<>(ips.values()));
        }

        private static Optional<InetAddress> literal(String address) {
            try {
                return Optional.of(InetAddress.ofLiteral(address));
            } catch (IllegalArgumentException notAnAddress) {
                return Optional.empty();
            }
        }

        /**
         * Whether a serving certificate is asked for these names: upstream's kubelet asks only once the node has an IP
         * address (DNS names alone need its {@code AllowDNSOnlyNodeCSR} feature gate, off by default).
         */
        public boolean requestable() {
            return !addresses.isEmpty();
        }

        Set<String> asStrings() {
            Set<String> all = new LinkedHashSet<>(dnsNames);
            addresses.forEach(a -> all.add(a.getHostAddress()));
            return all;
        }
    }

    /** The cluster-signed serving certificate of {@code certDir} while it is valid. */
    public static Optional<CertificateFileStore.Pair> issued(Path certDir, Instant now) {
        return new CertificateFileStore(certDir, "kubelet-server").current().filter(p -> p.validAt(now));
    }

    /**
     * Whether {@code pair} serves all of {@code names} (names beyond them do no harm, as upstream's certificate
     * manager judges a certificate against its request template).
     */
    public static boolean serves(CertificateFileStore.Pair pair, NodeNames names) {
        return Certificates.alternativeNames(pair.leaf()).containsAll(names.asStrings());
    }

    /**
     * The renewal of the cluster-signed serving certificate of {@code certDir} for the names {@code names} gives at
     * each check, asked for with {@code request}; {@code renewed} puts each issued pair to use.
     */
    public static CertificateRenewal renewal(Path certDir, Supplier<Optional<NodeNames>> names,
                                             CertificateRenewal.Request request,
                                             Consumer<CertificateFileStore.Pair> renewed) {
        return new CertificateRenewal("serving certificate", new CertificateFileStore(certDir, "kubelet-server"),
                names, request, renewed, Clock.systemUTC());
    }

    /**
     * A request to the {@code kubernetes.io/kubelet-serving} signer for a serving certificate of {@code nodeName},
     * made with the credentials {@code kubeconfig} has at each attempt.
     */
    public static CertificateRenewal.Request request(Path kubeconfig, String nodeName) {
        return CertificateRenewal.nodeRequest(kubeconfig, nodeName, CertificateRequests.KUBELET_SERVING_SIGNER,
                CertificateRequests::servingUsages);
    }
}
