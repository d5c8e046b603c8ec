package dev.j8s.oci.registry;

/**
 * Registry credentials for one host/repository: a username and password, or an identity (OAuth2 refresh)
 * token. {@code toString()} never shows the secret.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public sealed interface Credentials permits Credentials.UsernamePassword, Credentials.IdentityToken {
    /** A stable, secret-free identity for pull records and logs. */
    String identity();

    /** A username and password, sent as Basic to the registry or the token service. */
    record UsernamePassword(String username, String password) implements Credentials {
        @Override
        public String identity() {
            return "user:" + username;
        }

        @Override
        public String toString() {
            return "UsernamePassword[username=" + username + ", password=<redacted>]";
        }
    }

    /** An identity token: exchanged at the token service with {@code grant_type=refresh_token}. */
    record IdentityToken(String username, String token) implements Credentials {
        @Override
        public String identity() {
            return "identitytoken:" + username;
        }

        @Override
        public String toString() {
            return "IdentityToken[username=" + username + ", token=<redacted>]";
        }
    }
}
