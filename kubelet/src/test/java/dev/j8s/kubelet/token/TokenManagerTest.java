package dev.j8s.kubelet.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.api.Cluster;
import dev.j8s.api.ClusterException;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenManagerTest {

    private static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");

    private Instant now = T0;
    private final List<TokenRequest> asked = new ArrayList<>();
    private RuntimeException failure;
    private int issued;

    private final Clock clock = new Clock() {
        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    };

    /** A cluster that answers token requests with "token-N", valid for the requested seconds from now. */
    private final Cluster cluster = (Cluster) Proxy.newProxyInstance(Cluster.class.getClassLoader(),
            new Class<?>[] {Cluster.class}, (proxy, method, args) -> {
                if (!method.getName().equals("createToken")) {
                    throw new UnsupportedOperationException(method.getName());
                }
                TokenRequest request = (TokenRequest) args[2];
                asked.add(request);
                if (failure != null) {
                    throw failure;
                }
                issued++;
                return new TokenRequestBuilder(request).withNewStatus().withToken("token-" + issued)
                        .withExpirationTimestamp(now.plusSeconds(request.getSpec().getExpirationSeconds()).toString())
                        .endStatus().build();
            });

    private final TokenManager manager = new TokenManager(cluster, clock);

    private String token() {
        return manager.token("default", "sa", List.of(), 3607, "web", "uid-1");
    }

    @Test
    void aTokenIsRequestedBoundToThePodAndCached() {
        assertThat(token()).isEqualTo("token-1");
        assertThat(token()).isEqualTo("token-1");
        assertThat(asked).hasSize(1);
        TokenRequest request = asked.getFirst();
        assertThat(request.getSpec().getExpirationSeconds()).isEqualTo(3607);
        assertThat(request.getSpec().getAudiences()).isEmpty();
        assertThat(request.getSpec().getBoundObjectRef().getKind()).isEqualTo("Pod");
        assertThat(request.getSpec().getBoundObjectRef().getName()).isEqualTo("web");
        assertThat(request.getSpec().getBoundObjectRef().getUid()).isEqualTo("uid-1");
    }

    @Test
    void theTokenIsRefreshedOnceLessThanAFifthOfItsLifeIsLeft() {
        token();
        now = T0.plusSeconds(3607 * 80 / 100 - 15);
        assertThat(token()).isEqualTo("token-1");
        now = T0.plusSeconds(3607 * 80 / 100 + 1);
        assertThat(token()).isEqualTo("token-2");
    }

    @Test
    void aFailedRefreshKeepsAValidTokenAndAnExpiredOneFailsWithUpstreamsWords() {
        token();
        failure = ClusterException.of("create token: forbidden", 403, "Forbidden", null);
        now = T0.plusSeconds(3300);
        assertThat(token()).isEqualTo("token-1");
        now = T0.plusSeconds(3607);
        assertThatThrownBy(this::token).hasMessageStartingWith("token \"sa\"/\"default\"/[]/3607/web/uid-1 expired and"
                + " refresh failed: create token: forbidden");
    }

    @Test
    void aFirstFailureSaysTheTokenCouldNotBeFetched() {
        failure = ClusterException.of("create token: refused", 0, "", null);
        assertThatThrownBy(this::token).isInstanceOf(TokenManager.TokenException.class)
                .hasMessage("failed to fetch token: create token: refused");
    }

    @Test
    void theTokensOfAPodAreForgottenWithItAndExpiredOnesSwept() {
        token();
        manager.token("default", "sa", List.of("vault"), 600, "other", "uid-2");
        assertThat(manager.size()).isEqualTo(2);
        manager.forgetPod("uid-1");
        assertThat(manager.size()).isEqualTo(1);
        now = T0.plusSeconds(601);
        manager.sweep();
        assertThat(manager.size()).isZero();
    }
}
