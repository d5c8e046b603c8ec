package dev.j8s.apiserver.authentication;

import dev.j8s.apiserver.errors.ApiError;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * Upstream's union of request authenticators in j8s's order: a client certificate issued by the cluster CA
 * (user = CN, groups = O), then the bearer token — the admin token ({@code system:admin} in
 * {@code system:masters}), a bootstrap token ({@link BootstrapTokens}) or a service-account token. A request with a credential none accepts is 401; a request
 * with no credential is anonymous only on the health and version paths (as upstream's
 * AnonymousAuthConfigurableEndpoints), else 401. Thread-safe.
 */
public final class Authenticator {

    private static final System.Logger LOG = System.getLogger(Authenticator.class.getName());
    /** The paths a request without credentials may reach (as {@code system:anonymous}). */
    public static final Set<String> ANONYMOUS_PATHS = Set.of("/healthz", "/livez", "/readyz", "/version", "/version/");
    public static final String ADMIN_USER = "system:admin";
    private static final String CLIENT_AUTH_EKU = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";

    private final byte[] adminToken;
    private final Optional<X509Certificate> clientCa;
    private final ServiceAccountTokens serviceAccounts;
    private final Optional<BootstrapTokens> bootstrapTokens;
    private final Clock clock;

    public Authenticator(String adminToken, Optional<X509Certificate> clientCa, ServiceAccountTokens serviceAccounts,
                         Clock clock) {
        this(adminToken, clientCa, serviceAccounts, Optional.empty(), clock);
    }

    /** With bootstrap tokens ({@code <id>.<secret>}) authenticated as upstream's bootstrap-token authenticator. */
    public Authenticator(String adminToken, Optional<X509Certificate> clientCa, ServiceAccountTokens serviceAccounts,
                         Optional<BootstrapTokens> bootstrapTokens, Clock clock) {
        this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
        this.clientCa = clientCa;
        this.serviceAccounts = serviceAccounts;
        this.bootstrapTokens = bootstrapTokens;
        this.clock = clock;
    }

    /**
     * The user of a request.
     *
     * @param authorization the {@code Authorization} header, "" when absent
     * @param peerCertificates the client's TLS certificate chain, empty when it sent none
     * @param path the request path (anonymous requests are allowed on {@link #ANONYMOUS_PATHS} only)
     * @throws ApiError.Unauthorized when no authenticator accepts the request
     */
    public UserInfo authenticate(String authorization, List<X509Certificate> peerCertificates, String path) {
        if (!peerCertificates.isEmpty()) {
            Optional<UserInfo> user = certificateUser(peerCertificates.getFirst());
            if (user.isPresent()) {
                return user.get();
            }
        }
        Optional<String> token = bearerToken(authorization);
        if (token.isPresent()) {
            return tokenUser(token.get()).orElseThrow(ApiError.Unauthorized::new);
        }
        if (!peerCertificates.isEmpty() || !authorization.isEmpty()) {
            throw new ApiError.Unauthorized();
        }
        if (ANONYMOUS_PATHS.contains(path)) {
            return UserInfo.anonymous();
        }
        throw new ApiError.Unauthorized();
    }

    /** The user a bearer token stands for (the TokenReview question), empty when no authenticator accepts it. */
    public Optional<UserInfo> tokenUser(String token) {
        if (MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), adminToken)) {
            return Optional.of(new UserInfo(ADMIN_USER, "", List.of(UserInfo.MASTERS, UserInfo.AUTHENTICATED), Map.of()));
        }
        if (bootstrapTokens.isPresent() && BootstrapTokens.looksLike(token)) {
            return bootstrapTokens.get().authenticate(token);
        }
        try {
            return serviceAccounts.authenticate(token);
        } catch (ServiceAccountTokens.InvalidToken e) {
            LOG.log(Level.DEBUG, "service account token refused reason=\"" + e.getMessage() + "\"");
            return Optional.empty();
        }
    }

    /** Upstream's bearer-token parsing: {@code Bearer <token>}, the scheme in any case. */
    static Optional<String> bearerToken(String authorization) {
        String[] parts = authorization.trim().split(" ", 3);
        if (parts.length < 2 || !parts[0].equalsIgnoreCase("bearer") || parts[1].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parts[1]);
    }

    /** The user of a client certificate signed by the cluster CA, valid now and for client authentication. */
    Optional<UserInfo> certificateUser(X509Certificate certificate) {
        if (clientCa.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (!certificate.getIssuerX500Principal().equals(clientCa.get().getSubjectX500Principal())) {
                return Optional.empty();
            }
            certificate.verify(clientCa.get().getPublicKey());
            certificate.checkValidity(Date.from(clock.instant()));
            List<String> usages = certificate.getExtendedKeyUsage();
            if (usages != null && !usages.contains(CLIENT_AUTH_EKU) && !usages.contains(ANY_EKU)) {
                return Optional.empty();
            }
        } catch (GeneralSecurityException e) {
            LOG.log(Level.DEBUG, "client certificate refused subject=\"" + certificate.getSubjectX500Principal()
                    + "\" reason=\"" + e.getMessage() + "\"");
            return Optional.empty();
        }
        String commonName = "";
        List<String> organizations = new ArrayList<>();
        for (Rdn rdn : rdns(certificate.getSubjectX500Principal())) {
            String type = rdn.getType();
            String value = rdn.getValue().toString();
            if (type.equalsIgnoreCase("CN") && commonName.isEmpty()) {
                commonName = value;
            } else if (type.equalsIgnoreCase("O")) {
                organizations.add(value);
            }
        }
        if (commonName.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(UserInfo.authenticated(commonName, "", organizations, Map.of()));
    }

    private static List<Rdn> rdns(X500Principal principal) {
        try {
            return new LdapName(principal.getName(X500Principal.RFC2253)).getRdns();
        } catch (InvalidNameException e) {
            return List.of();
        }
    }

    @Override
    public String toString() {
        return "Authenticator[clientCa=" + clientCa.map(c -> c.getSubjectX500Principal().toString()).orElse("none")
                + ", adminToken=<redacted>]";
    }
}
