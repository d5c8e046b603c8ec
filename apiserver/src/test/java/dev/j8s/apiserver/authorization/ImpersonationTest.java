package dev.j8s.apiserver.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.errors.ApiError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImpersonationTest {

    private static final UserInfo ADMIN = new UserInfo("system:admin", "", List.of("system:masters"), Map.of());
    private static final UserInfo BOB = UserInfo.authenticated("bob", "", List.of(), Map.of());

    private final List<Attributes> asked = new ArrayList<>();
    private final Authorizer recording = a -> {
        asked.add(a);
        return Authorizer.privilegedGroup().authorize(a);
    };

    @Test
    void withoutHeadersTheCallerStays() {
        assertThat(Impersonation.apply(BOB, Map.of(), recording)).isSameAs(BOB);
    }

    @Test
    void aServiceAccountGetsItsGroupsAndEachPartIsAuthorized() {
        UserInfo as = Impersonation.apply(ADMIN, Map.of("Impersonate-User",
                List.of("system:serviceaccount:default:sa")), recording);
        assertThat(as.name()).isEqualTo("system:serviceaccount:default:sa");
        assertThat(as.groups()).containsExactly("system:serviceaccounts", "system:serviceaccounts:default",
                "system:authenticated");
        assertThat(asked).extracting(a -> a.verb() + " " + a.resource() + " " + a.namespace() + "/" + a.name())
                .containsExactly("impersonate serviceaccounts default/sa");
    }

    @Test
    void aUserWithGroupsExtrasAndUid() {
        UserInfo as = Impersonation.apply(ADMIN, Map.of("Impersonate-User", List.of("alice"),
                "Impersonate-Group", List.of("dev", "ops"), "Impersonate-Extra-Scopes", List.of("a"),
                "Impersonate-Uid", List.of("u-1")), recording);
        assertThat(as).isEqualTo(new UserInfo("alice", "u-1", List.of("dev", "ops", "system:authenticated"),
                Map.of("scopes", List.of("a"))));
        assertThat(asked).extracting(a -> a.apiGroup() + " " + a.resource() + "/" + a.subresource() + " " + a.name())
                .containsExactly(" users/ alice", " groups/ dev", " groups/ ops", "authentication.k8s.io userextras/scopes a",
                        "authentication.k8s.io uids/ u-1");
    }

    @Test
    void aCallerThatMayNotImpersonateIsRefusedWithUpstreamsMessage() {
        assertThatThrownBy(() -> Impersonation.apply(BOB, Map.of("Impersonate-User", List.of("alice")), recording))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("users \"alice\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in API"
                        + " group \"\" at the cluster scope");
        assertThatThrownBy(() -> Impersonation.apply(ADMIN, Map.of("Impersonate-Group", List.of("dev")), recording))
                .isInstanceOf(ApiError.InternalError.class);
    }
}
