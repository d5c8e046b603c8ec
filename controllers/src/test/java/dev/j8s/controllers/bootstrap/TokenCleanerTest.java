package dev.j8s.controllers.bootstrap;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.testing.Controllers;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token cleaner, running in the controller manager as {@code kube-system/token-cleaner} under its bootstrap
 * Role, deletes bootstrap token Secrets whose expiration has passed, when it passes, and nothing else.
 */
class TokenCleanerTest {

    @TempDir
    Path dir;

    private Controllers controllers;
    private ResourceClient<Secret> secrets;

    @BeforeEach
    void start() {
        controllers = Controllers.start(dir);
        secrets = controllers.api().client().resource(Kind.SECRETS);
    }

    @AfterEach
    void stop() {
        controllers.close();
    }

    private void token(String id, String type, String expiration) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("token-id", id);
        data.put("token-secret", "0123456789abcdef");
        if (expiration != null) {
            data.put("expiration", expiration);
        }
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        secrets.create(new SecretBuilder().withNewMetadata().withName("bootstrap-token-" + id)
                .withNamespace("kube-system").endMetadata().withType(type).withData(encoded).build());
    }

    private boolean exists(String id) {
        return secrets.get("kube-system", "bootstrap-token-" + id).isPresent();
    }

    @Test
    void expiredAndUnparsableTokensGoAndATokenGoesWhenItExpires() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        token("keeps1", "bootstrap.kubernetes.io/token", null);
        token("opaque", "Opaque", now.minusSeconds(60).toString());
        token("later1", "bootstrap.kubernetes.io/token", now.plusSeconds(3).toString());
        token("expird", "bootstrap.kubernetes.io/token", now.minusSeconds(60).toString());
        token("garbld", "bootstrap.kubernetes.io/token", "tomorrow");

        await("the expired and the unparsable tokens deleted", Duration.ofSeconds(10),
                () -> !exists("expird") && !exists("garbld"));
        assertThat(exists("later1")).as("3 s before it expires").isTrue();
        await("the later token deleted once expired", Duration.ofSeconds(15), () -> !exists("later1"));
        assertThat(Instant.now()).isAfterOrEqualTo(now.plusSeconds(3));
        assertThat(exists("keeps1")).as("no expiration").isTrue();
        assertThat(exists("opaque")).as("not a bootstrap token").isTrue();
    }
}
