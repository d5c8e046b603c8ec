package dev.j8s.apiserver;

import dev.j8s.apiserver.admission.AdmissionOptions;
import dev.j8s.apiserver.http.ServingLimits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Set;

/**
 * How to run one API server instance. Immutable.
 *
 * @param listen          address to bind; port 0 picks a free port
 * @param stateDb         the SQLite database file ({@code <data-dir>/state.db})
 * @param keyStore        PKCS#12 keystore holding the serving certificate and key
 * @param keyStorePassword its password
 * @param bearerToken     the token every request must present
 * @param nodeName        the name of this machine's Node, to which unbound pods are bound
 * @param serviceCidr     the ClusterIP range ({@code 10.96.0.0/12})
 * @param admissionPlugins admission plugins enabled beyond the defaults (e.g. {@code AlwaysPullImages})
 * @param admissionOptions the node's security features, which admission refuses fields by
 * @param limits          request timeout, in-flight limits and the bounds on connections that did not authenticate
 */
public record ApiServerConfig(
        InetSocketAddress listen,
        Path stateDb,
        Path keyStore,
        String keyStorePassword,
        String bearerToken,
        String nodeName,
        String serviceCidr,
        Set<String> admissionPlugins,
        ServingLimits limits,
        AdmissionOptions admissionOptions) {

    public ApiServerConfig {
        admissionPlugins = Set.copyOf(admissionPlugins);
    }

    /** A configuration with upstream's default limits, for a node without AppArmor, SELinux or user namespaces. */
    public ApiServerConfig(InetSocketAddress listen, Path stateDb, Path keyStore, String keyStorePassword,
                           String bearerToken, String nodeName, String serviceCidr, Set<String> admissionPlugins) {
        this(listen, stateDb, keyStore, keyStorePassword, bearerToken, nodeName, serviceCidr, admissionPlugins,
                ServingLimits.DEFAULT);
    }

    /** A configuration with these limits, for a node without AppArmor, SELinux or user namespaces. */
    public ApiServerConfig(InetSocketAddress listen, Path stateDb, Path keyStore, String keyStorePassword,
                           String bearerToken, String nodeName, String serviceCidr, Set<String> admissionPlugins,
                           ServingLimits limits) {
        this(listen, stateDb, keyStore, keyStorePassword, bearerToken, nodeName, serviceCidr, admissionPlugins,
                limits, AdmissionOptions.DEFAULT);
    }

    /** This configuration with other limits. */
    public ApiServerConfig withLimits(ServingLimits other) {
        return new ApiServerConfig(listen, stateDb, keyStore, keyStorePassword, bearerToken, nodeName, serviceCidr,
                admissionPlugins, other, admissionOptions);
    }

    /** This configuration with other admission options (the node's features, the Pod Security defaults). */
    public ApiServerConfig withAdmissionOptions(AdmissionOptions other) {
        return new ApiServerConfig(listen, stateDb, keyStore, keyStorePassword, bearerToken, nodeName, serviceCidr,
                admissionPlugins, limits, other);
    }

    @Override
    public String toString() {
        return "ApiServerConfig[listen=" + listen + ", stateDb=" + stateDb + ", nodeName=" + nodeName + "]";
    }
}
