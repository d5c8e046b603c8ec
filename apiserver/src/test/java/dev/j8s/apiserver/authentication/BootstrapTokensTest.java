package dev.j8s.apiserver.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Bootstrap tokens authenticate as upstream's bootstrap-token authenticator decides, and nothing else does. */
class BootstrapTokensTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final String TOKEN = "abcdef.0123456789abcdef";

    private final Map<String, ObjectNode> secrets = new HashMap<>();
    private final BootstrapTokens tokens = new BootstrapTokens(
            (resource, namespace, name) -> resource.equals("secrets") && namespace.equals("kube-system")
                    ? Optional.ofNullable(secrets.get(name)) : Optional.empty(),
            Clock.fixed(NOW, ZoneOffset.UTC));

    private void secret(Consumer<ObjectNode> change) {
        ObjectNode secret = Json.object();
        secret.putObject("metadata").put("name", "bootstrap-token-abcdef").put("namespace", "kube-system");
        secret.put("type", "bootstrap.kubernetes.io/token");
        ObjectNode data = secret.putObject("data");
        Map.of("token-id", "abcdef", "token-secret", "0123456789abcdef", "usage-bootstrap-authentication", "true",
                "expiration", "2026-12-08T12:00:00Z").forEach((k, v) -> data.put(k, b64(v)));
        change.accept(secret);
        secrets.put("bootstrap-token-abcdef", secret);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectNode data(ObjectNode secret) {
        return (ObjectNode) secret.get("data");
    }

    @Test
    void aValidTokenIsItsBootstrapUserInTheBootstrappersAndItsExtraGroups() {
        secret(s -> data(s).put("auth-extra-groups", b64("system:bootstrappers:kubeadm:default-node-token")));

        UserInfo user = tokens.authenticate(TOKEN).orElseThrow();

        assertThat(user.name()).isEqualTo("system:bootstrap:abcdef");
        assertThat(user.groups()).containsExactly("system:bootstrappers",
                "system:bootstrappers:kubeadm:default-node-token", "system:authenticated");
    }

    @Test
    void aTokenIsRefusedWhenAnythingAboutItsSecretIsWrong() {
        assertThat(tokens.authenticate(TOKEN)).as("no secret").isEmpty();
        Map<String, Consumer<ObjectNode>> wrong = Map.of(
                "wrong secret half", s -> data(s).put("token-secret", b64("fffffffffffffff0")),
                "wrong token-id", s -> data(s).put("token-id", b64("zzzzzz")),
                "expired", s -> data(s).put("expiration", b64("2026-12-07T11:59:59Z")),
                "unparsable expiration", s -> data(s).put("expiration", b64("tomorrow")),
                "not for authentication", s -> data(s).remove("usage-bootstrap-authentication"),
                "another type", s -> s.put("type", "Opaque"),
                "being deleted", s -> ((ObjectNode) s.get("metadata")).put("deletionTimestamp", "2026-12-07T11:00:00Z"),
                "a group outside system:bootstrappers", s -> data(s).put("auth-extra-groups", b64("system:masters")));
        wrong.forEach((why, change) -> {
            secret(change);
            assertThat(tokens.authenticate(TOKEN)).as(why).isEmpty();
        });
        secret(s -> data(s).remove("expiration"));
        assertThat(tokens.authenticate(TOKEN)).as("no expiration").isPresent();
    }

    @Test
    void onlyTheBootstrapTokenFormIsRecognized() {
        secret(s -> { });
        for (String malformed : List.of("ABCDEF.0123456789abcdef", "abcdef.0123456789abcde", "abcdef0123456789abcdef",
                "abcdef.0123456789abcdef.x")) {
            assertThat(BootstrapTokens.looksLike(malformed)).as(malformed).isFalse();
            assertThat(tokens.authenticate(malformed)).as(malformed).isEmpty();
        }
        assertThat(BootstrapTokens.looksLike(TOKEN)).isTrue();
    }
}
