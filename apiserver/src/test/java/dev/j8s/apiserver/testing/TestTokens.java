package dev.j8s.apiserver.testing;

import dev.j8s.apiserver.authentication.ServiceAccountKeys;
import dev.j8s.apiserver.authentication.ServiceAccountTokens;
import dev.j8s.apiserver.storage.Store;
import java.time.Clock;
import java.util.List;

/** Service-account token issuers over a store for tests, with a fresh EC key (fast to make). */
public final class TestTokens {

    private TestTokens() {}

    public static ServiceAccountTokens over(Store store, Clock clock) {
        return new ServiceAccountTokens(new ServiceAccountKeys(ServiceAccountKeys.generateEc(), List.of()),
                ServiceAccountTokens.DEFAULT_ISSUER, List.of(ServiceAccountTokens.DEFAULT_ISSUER), store::get, clock);
    }
}
