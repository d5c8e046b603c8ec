package dev.j8s.apiserver.authentication;

import java.util.function.Supplier;

/**
 * The user a request is served for, as upstream carries it in the request's context ({@code request.UserFrom}):
 * bound around the handling of each HTTP request and each in-process call, read by admission and by the storage
 * checks that depend on the caller (escalation prevention, NodeRestriction). Work the API server does on its own
 * (its controllers, bootstrap) runs unbound and acts as {@link UserInfo#APISERVER}. Thread-safe.
 */
public final class RequestUser {

    private static final ScopedValue<UserInfo> USER = ScopedValue.newInstance();

    private RequestUser() {}

    /** The caller of the request being served; the API server itself when none is bound. */
    public static UserInfo current() {
        return USER.isBound() ? USER.get() : UserInfo.APISERVER;
    }

    /** Runs {@code work} as {@code user}. */
    public static <T> T callAs(UserInfo user, Supplier<T> work) {
        return ScopedValue.where(USER, user).call(work::get);
    }

    /** Runs {@code work} as {@code user}. */
    public static void runAs(UserInfo user, Runnable work) {
        ScopedValue.where(USER, user).run(work);
    }
}
