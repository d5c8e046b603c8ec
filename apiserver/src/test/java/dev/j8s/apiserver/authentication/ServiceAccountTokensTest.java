package dev.j8s.apiserver.authentication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServiceAccountTokensTest {

    private static final KeyPair RSA = ServiceAccountKeys.generateRsa();
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String ISSUER = ServiceAccountTokens.DEFAULT_ISSUER;

    private final Map<String, ObjectNode> objects = new HashMap<>();
    private Instant now = T0;

    private ServiceAccountTokens tokens(KeyPair key) {
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now; }
        };
        return new ServiceAccountTokens(new ServiceAccountKeys(key, List.of()), ISSUER, List.of(ISSUER),
                (resource, ns, name) -> Optional.ofNullable(objects.get(resource + "/" + ns + "/" + name))
                        .map(ObjectNode::deepCopy), clock);
    }

    private void put(String resource, String ns, String name, String uid) {
        ObjectNode o = Json.object();
        o.putObject("metadata").put("name", name).put("namespace", ns).put("uid", uid);
        objects.put(resource + "/" + ns + "/" + name, o);
    }

    private ServiceAccountTokens.Claims podBound(Duration life, Optional<Instant> warnAfter) {
        return new ServiceAccountTokens.Claims("default", new ServiceAccountTokens.Ref("sa", "sa-uid"),
                List.of(ISSUER), T0, T0.plus(life), warnAfter, Optional.of(new ServiceAccountTokens.Ref("web", "pod-uid")),
                Optional.empty(), Optional.of(new ServiceAccountTokens.Ref("node1", "node-uid")));
    }

    private static JsonNode part(String token, int i) throws Exception {
        return Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[i]));
    }

    @Test
    void aBoundTokenCarriesUpstreamsHeaderAndClaimsInJsonOrder() throws Exception {
        ServiceAccountTokens t = tokens(RSA);
        String token = t.issue(podBound(Duration.ofSeconds(3600), Optional.empty()));

        JsonNode header = part(token, 0);
        assertThat(header.toString()).isEqualTo("{\"alg\":\"RS256\",\"kid\":\""
                + ServiceAccountKeys.keyId(RSA.getPublic()) + "\"}");
        JsonNode claims = part(token, 1);
        assertThat(claims.properties()).extracting(Map.Entry::getKey)
                .containsExactly("aud", "exp", "iat", "iss", "jti", "kubernetes.io", "nbf", "sub");
        assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(3600);
        assertThat(claims.path("sub").asText()).isEqualTo("system:serviceaccount:default:sa");
        assertThat(claims.path("kubernetes.io").toString()).isEqualTo("{\"namespace\":\"default\","
                + "\"node\":{\"name\":\"node1\",\"uid\":\"node-uid\"},\"pod\":{\"name\":\"web\",\"uid\":\"pod-uid\"},"
                + "\"serviceaccount\":{\"name\":\"sa\",\"uid\":\"sa-uid\"}}");
        assertThat(claims.path("jti").asText()).matches("[0-9a-f-]{36}");
    }

    @Test
    void theKeyIdIsTheUnpaddedBase64UrlSha256OfTheDerPublicKey() throws Exception {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(RSA.getPublic().getEncoded());
        assertThat(ServiceAccountKeys.keyId(RSA.getPublic()))
                .isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
    }

    @Test
    void theJwksVerifiesATokenAsAnOidcClientWould() throws Exception {
        ServiceAccountTokens t = tokens(RSA);
        String token = t.issue(podBound(Duration.ofSeconds(3600), Optional.empty()));
        JsonNode jwk = t.keys().jwks().path("keys").get(0);
        assertThat(jwk.path("use").asText()).isEqualTo("sig");
        assertThat(jwk.path("alg").asText()).isEqualTo("RS256");
        assertThat(jwk.path("e").asText()).isEqualTo("AQAB");
        PublicKey fromJwk = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("n").asText())),
                new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("e").asText()))));
        String[] parts = token.split("\\.");
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(fromJwk);
        verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
        assertThat(t.openIdConfiguration("10.0.0.1:6443").toString()).isEqualTo("{\"issuer\":\"" + ISSUER + "\","
                + "\"jwks_uri\":\"https://10.0.0.1:6443/openid/v1/jwks\",\"response_types_supported\":[\"id_token\"],"
                + "\"subject_types_supported\":[\"public\"],\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
    }

    @Test
    void aValidBoundTokenStandsForItsServiceAccountWithTheBindingAsExtras() {
        put("serviceaccounts", "default", "sa", "sa-uid");
        put("pods", "default", "web", "pod-uid");
        ServiceAccountTokens t = tokens(RSA);
        String token = t.issue(podBound(Duration.ofSeconds(3600), Optional.empty()));

        UserInfo user = t.authenticate(token).orElseThrow();

        assertThat(user.name()).isEqualTo("system:serviceaccount:default:sa");
        assertThat(user.uid()).isEqualTo("sa-uid");
        assertThat(user.groups()).containsExactly("system:serviceaccounts", "system:serviceaccounts:default",
                "system:authenticated");
        assertThat(user.extra()).containsEntry("authentication.kubernetes.io/pod-name", List.of("web"))
                .containsEntry("authentication.kubernetes.io/pod-uid", List.of("pod-uid"))
                .containsEntry("authentication.kubernetes.io/node-name", List.of("node1"))
                .containsKey("authentication.kubernetes.io/credential-id");
        assertThat(user.extra().get("authentication.kubernetes.io/credential-id").getFirst()).startsWith("JTI=");
    }

    @Test
    void anEs256KeySignsAndVerifies() {
        put("serviceaccounts", "default", "sa", "sa-uid");
        put("pods", "default", "web", "pod-uid");
        ServiceAccountTokens t = tokens(ServiceAccountKeys.generateEc());
        String token = t.issue(podBound(Duration.ofSeconds(3600), Optional.empty()));
        assertThat(token.split("\\.")[0]).isEqualTo(Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("{\"alg\":\"ES256\",\"kid\":\"" + t.keys().signingKeyId() + "\"}").getBytes()));
        assertThat(t.authenticate(token)).isPresent();
    }

    @Test
    void expiryHasSixtySecondsOfLeeway() {
        put("serviceaccounts", "default", "sa", "sa-uid");
        put("pods", "default", "web", "pod-uid");
        ServiceAccountTokens t = tokens(RSA);
        String token = t.issue(podBound(Duration.ofSeconds(600), Optional.empty()));

        now = T0.plusSeconds(600 + 59);
        assertThat(t.authenticate(token)).isPresent();
        now = T0.plusSeconds(600 + 61);
        assertThatThrownBy(() -> t.authenticate(token)).hasMessage("service account token has expired");
    }

    @Test
    void aTokenOfADeletedPodIsRefusedOnceTheDeletionIsOlderThanAMinute() {
        put("serviceaccounts", "default", "sa", "sa-uid");
        put("pods", "default", "web", "pod-uid");
        ServiceAccountTokens t = tokens(RSA);
        String token = t.issue(podBound(Duration.ofSeconds(3600), Optional.empty()));

        ((ObjectNode) objects.get("pods/default/web").get("metadata")).put("deletionTimestamp", "2026-03-01T10:00:30Z");
        now = T0.plusSeconds(80);
        assertThat(t.authenticate(token)).isPresent();
        now = T0.plusSeconds(95);
        assertThatThrownBy(() -> t.authenticate(token)).hasMessage("service account token has been invalidated");
        objects.remove("pods/default/web");
        now = T0.plusSeconds(1);
        assertThatThrownBy(() -> t.authenticate(token)).hasMessage("service account token has been invalidated");
        put("pods", "default", "web", "another-uid");
        assertThatThrownBy(() -> t.authenticate(token)).hasMessage("service account token has been invalidated");
    }

    @Test
    void aRecreatedServiceAccountDoesNotInheritTheOldOnesTokens() {
        put("serviceaccounts", "default", "sa", "other-uid");
        put("pods", "default", "web", "pod-uid");
        ServiceAccountTokens t = tokens(RSA);
        String token = t.issue(podBound(Duration.ofSeconds(3600), Optional.empty()));
        assertThatThrownBy(() -> t.authenticate(token))
                .hasMessage("service account UID (sa-uid) does not match claim (other-uid)");
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() {
        put("serviceaccounts", "default", "sa", "sa-uid");
        ServiceAccountTokens t = tokens(RSA);
        String token = t.issue(new ServiceAccountTokens.Claims("default", new ServiceAccountTokens.Ref("sa", "sa-uid"),
                List.of("vault"), T0, T0.plusSeconds(3600), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty()));
        assertThatThrownBy(() -> t.authenticate(token)).hasMessage("token audiences [\"vault\"] is invalid for the"
                + " target audiences [\"" + ISSUER + "\"]");
    }

    @Test
    void aTokenSignedByAnotherKeyOrTamperedWithIsRefusedAndForeignTokensAreNotOurs() {
        put("serviceaccounts", "default", "sa", "sa-uid");
        put("pods", "default", "web", "pod-uid");
        String foreign = tokens(ServiceAccountKeys.generateRsa()).issue(podBound(Duration.ofSeconds(3600), Optional.empty()));
        ServiceAccountTokens t = tokens(RSA);
        assertThatThrownBy(() -> t.authenticate(foreign)).hasMessage("invalid signature, no keys found");
        String token = t.issue(podBound(Duration.ofSeconds(3600), Optional.empty()));
        String[] parts = token.split("\\.");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(Base64.getUrlDecoder().decode(parts[1])).replace(":sa\"", ":admin\"").getBytes()) + "." + parts[2];
        assertThatThrownBy(() -> t.authenticate(tampered)).hasMessage("invalid signature, no keys found");
        assertThat(t.authenticate("not-a-jwt")).isEmpty();
        assertThat(t.authenticate("a.b.c")).isEmpty();
    }

    @Test
    void aLegacySecretTokenIsValidWhileTheSecretHoldsIt() {
        put("serviceaccounts", "default", "sa", "sa-uid");
        ServiceAccountTokens t = tokens(RSA);
        String token = t.issueLegacy("default", "sa-token", new ServiceAccountTokens.Ref("sa", "sa-uid"));
        ObjectNode secret = Json.object();
        secret.putObject("metadata").put("name", "sa-token").put("namespace", "default").put("uid", "s");
        secret.putObject("data").put("token", Base64.getEncoder().encodeToString(token.getBytes()));
        objects.put("secrets/default/sa-token", secret);

        assertThat(t.authenticate(token).orElseThrow().name()).isEqualTo("system:serviceaccount:default:sa");
        ((ObjectNode) secret.get("data")).put("token", "b3RoZXI=");
        assertThatThrownBy(() -> t.authenticate(token)).hasMessage("Token does not match server's copy");
        objects.remove("secrets/default/sa-token");
        assertThatThrownBy(() -> t.authenticate(token)).hasMessage("Token has been invalidated");
    }

    @Test
    void nothingThatDescribesTheKeysShowsThePrivateKey() {
        ServiceAccountTokens t = tokens(RSA);
        String encoded = Base64.getEncoder().encodeToString(RSA.getPrivate().getEncoded());
        assertThat(t.keys().toString()).contains("<redacted>").doesNotContain(encoded.substring(0, 40));
        assertThat(t.keys().jwks().toString()).doesNotContain("\"d\"");
    }
}
