package dev.j8s.apiserver;

import dev.j8s.apiserver.admission.AdmissionOptions;
import dev.j8s.apiserver.authentication.ServiceAccountKeys;
import dev.j8s.apiserver.authentication.ServiceAccountTokens;
import dev.j8s.apiserver.http.ServingLimits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How to run one API server instance. Immutable.
 *
 * @param listen          address to bind; port 0 picks a free port
 * @param stateDb         the SQLite database file ({@code <data-dir>/state.db})
 * @param keyStore        PKCS#12 keystore holding the serving certificate and key
 * @param keyStorePassword its password
 * @param bearerToken     the admin token ({@code system:admin} in {@code system:masters})
 * @param nodeName        the name of this machine's Node, to which unbound pods are bound
 * @param serviceCidr     the ClusterIP range ({@code 10.96.0.0/12})
 * @param admissionPlugins admission plugins enabled beyond the defaults (e.g. {@code AlwaysPullImages})
 * @param limits          request timeout, in-flight limits and the bounds on connections that did not authenticate
 * @param admissionOptions the node's security features, which admission refuses fields by
 * @param identity        client CA, service-account key and issuer, authorization modes
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
        AdmissionOptions admissionOptions,
        Identity identity) {

    public ApiServerConfig {
        admissionPlugins = Set.copyOf(admissionPlugins);
    }

    /**
     * A configuration with upstream's default limits and {@link Identity#ephemeral()}, for a node without AppArmor,
     * SELinux or user namespaces.
     */
    public ApiServerConfig(InetSocketAddress listen, Path stateDb, Path keyStore, String keyStorePassword,
                           String bearerToken, String nodeName, String serviceCidr, Set<String> admissionPlugins) {
        this(listen, stateDb, keyStore, keyStorePassword, bearerToken, nodeName, serviceCidr, admissionPlugins,
                ServingLimits.DEFAULT);
    }

    /** A configuration with these limits and {@link Identity#ephemeral()}, for a node without AppArmor, SELinux or user namespaces. */
    public ApiServerConfig(InetSocketAddress listen, Path stateDb, Path keyStore, String keyStorePassword,
                           String bearerToken, String nodeName, String serviceCidr, Set<String> admissionPlugins,
                           ServingLimits limits) {
        this(listen, stateDb, keyStore, keyStorePassword, bearerToken, nodeName, serviceCidr, admissionPlugins,
                limits, AdmissionOptions.DEFAULT, Identity.ephemeral());
    }

    /** This configuration with other limits. */
    public ApiServerConfig withLimits(ServingLimits other) {
        return new ApiServerConfig(listen, stateDb, keyStore, keyStorePassword, bearerToken, nodeName, serviceCidr,
                admissionPlugins, other, admissionOptions, identity);
    }

    /** This configuration with other admission options (the node's features, the Pod Security defaults). */
    public ApiServerConfig withAdmissionOptions(AdmissionOptions other) {
        return new ApiServerConfig(listen, stateDb, keyStore, keyStorePassword, bearerToken, nodeName, serviceCidr,
                admissionPlugins, limits, other, identity);
    }

    /** This configuration with another identity. */
    public ApiServerConfig withIdentity(Identity other) {
        return new ApiServerConfig(listen, stateDb, keyStore, keyStorePassword, bearerToken, nodeName, serviceCidr,
                admissionPlugins, limits, admissionOptions, other);
    }

    /**
     * Who may call and as whom pods act.
     *
     * @param clientCa           the CA whose client certificates authenticate users (CN user, O groups); none to
     *                           accept no certificates
     * @param rootCaPem          the CA bundle published to every namespace as {@code kube-root-ca.crt}
     * @param serviceAccountKey  the key service-account tokens are signed with (RSA or EC P-256)
     * @param issuer             the tokens' issuer and the API's audience
     * @param authorizationModes upstream's {@code --authorization-mode}: {@code Node}, {@code RBAC},
     *                           {@code AlwaysAllow}, {@code AlwaysDeny}, in order
     */
    public record Identity(Optional<X509Certificate> clientCa, String rootCaPem, KeyPair serviceAccountKey,
                           String issuer, List<String> authorizationModes) {

        public static final List<String> DEFAULT_AUTHORIZATION_MODES = List.of("Node", "RBAC");
        public static final Set<String> AUTHORIZATION_MODES = Set.of("Node", "RBAC", "AlwaysAllow", "AlwaysDeny");

        public Identity {
            authorizationModes = List.copyOf(authorizationModes);
            for (String mode : authorizationModes) {
                if (!AUTHORIZATION_MODES.contains(mode)) {
                    throw new IllegalArgumentException("authorization mode \"" + mode + "\" is not one of "
                            + AUTHORIZATION_MODES.stream().sorted().toList());
                }
            }
        }

        /** No client CA, an in-memory RSA key, the default issuer and modes. */
        public static Identity ephemeral() {
            return new Identity(Optional.empty(), "", ServiceAccountKeys.generateRsa(),
                    ServiceAccountTokens.DEFAULT_ISSUER, DEFAULT_AUTHORIZATION_MODES);
        }

        @Override
        public String toString() {
            return "Identity[clientCa=" + clientCa.map(c -> c.getSubjectX500Principal().toString()).orElse("none")
                    + ", issuer=" + issuer + ", authorizationModes=" + authorizationModes + ", key=<redacted>]";
        }
    }

    @Override
    public String toString() {
        return "ApiServerConfig[listen=" + listen + ", stateDb=" + stateDb + ", nodeName=" + nodeName + "]";
    }
}
