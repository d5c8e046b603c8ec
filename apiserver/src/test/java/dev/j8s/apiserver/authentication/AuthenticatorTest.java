package dev.j8s.apiserver.authentication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.apiserver.errors.ApiError;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {

    private static final String ADMIN = "s3cret-admin-token";

    private final Authenticator authenticator = new Authenticator(ADMIN, Optional.empty(),
            new ServiceAccountTokens(new ServiceAccountKeys(ServiceAccountKeys.generateEc(), List.of()),
                    ServiceAccountTokens.DEFAULT_ISSUER, List.of(ServiceAccountTokens.DEFAULT_ISSUER),
                    (r, n, name) -> Optional.empty(), Clock.systemUTC()), Clock.systemUTC());

    @Test
    void theAdminTokenIsSystemAdminInSystemMasters() {
        UserInfo user = authenticator.authenticate("Bearer " + ADMIN, List.of(), "/api");
        assertThat(user.name()).isEqualTo("system:admin");
        assertThat(user.groups()).containsExactly("system:masters", "system:authenticated");
        assertThat(authenticator.authenticate("bearer " + ADMIN, List.of(), "/api").name()).isEqualTo("system:admin");
    }

    @Test
    void aWrongTokenIsUnauthorizedEvenOnPublicPaths() {
        assertThatThrownBy(() -> authenticator.authenticate("Bearer nope", List.of(), "/version"))
                .isInstanceOf(ApiError.Unauthorized.class).hasMessage("Unauthorized");
        assertThatThrownBy(() -> authenticator.authenticate("Basic YTpi", List.of(), "/version"))
                .isInstanceOf(ApiError.Unauthorized.class);
    }

    @Test
    void noCredentialIsAnonymousOnlyOnHealthAndVersion() {
        for (String path : List.of("/healthz", "/livez", "/readyz", "/version", "/version/")) {
            UserInfo user = authenticator.authenticate("", List.of(), path);
            assertThat(user.name()).isEqualTo("system:anonymous");
            assertThat(user.groups()).containsExactly("system:unauthenticated");
        }
        for (String path : List.of("/api", "/apis", "/openid/v1/jwks", "/api/v1/namespaces/default/pods", "/metrics")) {
            assertThatThrownBy(() -> authenticator.authenticate("", List.of(), path))
                    .isInstanceOf(ApiError.Unauthorized.class);
        }
    }

    @Test
    void theBearerSchemeIsParsedAsUpstreamParsesIt() {
        assertThat(Authenticator.bearerToken("Bearer abc")).contains("abc");
        assertThat(Authenticator.bearerToken("BEARER abc")).contains("abc");
        assertThat(Authenticator.bearerToken("Bearer")).isEmpty();
        assertThat(Authenticator.bearerToken("Bearer  abc")).isEmpty();
        assertThat(Authenticator.bearerToken("Token abc")).isEmpty();
    }

    @Test
    void itsDescriptionShowsNoToken() {
        assertThat(authenticator.toString()).doesNotContain(ADMIN).contains("<redacted>");
    }
}
