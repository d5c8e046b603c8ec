package dev.j8s.kubelet.credentials;

import dev.j8s.oci.registry.Credentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One {@code auths} entry of a docker config ({@code DockerConfigEntry}): username, password and email after the
 * {@code auth} field has been decoded, plus the identity and registry tokens docker writes. Immutable and
 * thread-safe; {@code toString()} shows no secret.
 *
 * @param username the user name, empty when none
 * @param password the password, empty when none
 * @param email the email, empty when none
 * @param identityToken an OAuth2 refresh token ({@code identitytoken}), empty when none
 * @param registryToken a bearer token ({@code registrytoken}), empty when none; never used (upstream ignores it too)
 */
public record DockerConfigEntry(String username, String password, String email, String identityToken,
                                String registryToken) {
    /** Checks for null parts. */
    public DockerConfigEntry {
        if (username == null || password == null || email == null || identityToken == null || registryToken == null) {
            throw new IllegalArgumentException("docker config entry parts must not be null");
        }
    }

    /** A username/password entry. */
    public static DockerConfigEntry of(String username, String password) {
        return new DockerConfigEntry(username, password, "", "", "");
    }

    /** True when the entry carries no credential at all (e.g. {@code {}} next to a {@code credsStore}). */
    public boolean isEmpty() {
        return username.isEmpty() && password.isEmpty() && identityToken.isEmpty() && registryToken.isEmpty();
    }

    /**
     * The credentials upstream's kubelet passes to the runtime: username and password only
     * ({@code withIdentityToken=false}), or additionally an identity token when the entry has no password
     * (node files only, beyond upstream, as docker does).
     */
    Optional<Credentials> credentials(boolean withIdentityToken) {
        if (withIdentityToken && password.isEmpty() && !identityToken.isEmpty()) {
            return Optional.of(new Credentials.IdentityToken(username, identityToken));
        }
        if (username.isEmpty() && password.isEmpty()) {
            // Upstream still passes an empty AuthConfig; an empty Basic login is the same as anonymous for a registry.
            return Optional.empty();
        }
        return Optional.of(new Credentials.UsernamePassword(username, password));
    }

    /**
     * Upstream's credential hash for pull records: hex SHA-256 of {@code {"username","password","email"}}
     * with empty fields omitted.
     */
    static String credentialHash(String username, String password, String email) {
        StringBuilder json = new StringBuilder("{");
        appendField(json, "username", username);
        appendField(json, "password", password);
        appendField(json, "email", email);
        json.append('}');
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(json.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void appendField(StringBuilder json, String name, String value) {
        if (value.isEmpty()) {
            return;
        }
        if (json.length() > 1) {
            json.append(',');
        }
        json.append('"').append(name).append("\":");
        try {
            json.append(DockerConfig.MAPPER.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "DockerConfigEntry[username=" + username + ", password=" + redacted(password) + ", email=" + email
                + ", identityToken=" + redacted(identityToken) + ", registryToken=" + redacted(registryToken) + "]";
    }

    private static String redacted(String s) {
        return s.isEmpty() ? "" : "<redacted>";
    }
}
