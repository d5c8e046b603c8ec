package dev.j8s.apiserver.local;

import dev.j8s.api.ClusterException;
import dev.j8s.apiserver.authentication.RequestUser;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.apiserver.authorization.Forbidden;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;

/**
 * Who an in-process client calls as and the authorizer that judges it: each call is authorized with the attributes
 * the same request over HTTP has, refused with the same 403, and run as the caller ({@link RequestUser}) so that
 * admission sees it; API errors become the {@link ClusterException}s {@code FabricCluster} raises for the same
 * answers. Immutable.
 */
record Caller(UserInfo user, Authorizer authorizer) {

    /** The API server itself: every call allowed (tests of the verbs alone). */
    static final Caller APISERVER = new Caller(UserInfo.APISERVER, a -> Decision.ALLOW);

    /** A checked-exception-free body, so serialization failures surface as {@link ClusterException}s too. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws Exception;
    }

    /** Refuses the call with the 403 the same request over HTTP gets unless the caller may make it. */
    void authorize(String action, Attributes attributes) {
        Decision decision = authorizer.authorize(attributes);
        if (!decision.allowed()) {
            throw translate(action, Forbidden.of(attributes, decision.reason()));
        }
    }

    /** {@link #authorize} for a request on {@code type} (the namespace is dropped for a cluster-scoped type). */
    void authorize(String action, String verb, ResourceType type, String namespace, String subresource, String name) {
        authorize(action, attributes(verb, type, namespace, subresource, name));
    }

    Attributes attributes(String verb, ResourceType type, String namespace, String subresource, String name) {
        return Attributes.resource(user, verb, type.group(), type.version(), type.namespaced() ? namespace : "",
                type.plural(), subresource, name);
    }

    /** Runs {@code call} as the caller, translating its failures. */
    <T> T call(String action, Call<T> call) {
        try {
            return RequestUser.callAs(user, () -> {
                try {
                    return call.run();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new Unanswered(e);
                }
            });
        } catch (Unanswered e) {
            throw unanswered(action, (Exception) e.getCause());
        } catch (ApiError e) {
            throw translate(action, e);
        } catch (ClusterException e) {
            throw e;
        } catch (Exception e) {
            throw unanswered(action, e);
        }
    }

    /**
     * A failure other than an API error: a closed store is a server that no longer answers (code 0, as
     * {@code FabricCluster} reports a refused connection); anything else is what the HTTP handler would have
     * answered with 500.
     */
    static ClusterException unanswered(String action, Exception e) {
        int code = e instanceof IllegalStateException ? 0 : 500;
        return ClusterException.of(action + ": " + e, code, "", e);
    }

    /** The {@link ClusterException} for an API error, as {@code FabricCluster.translate} maps its Status. */
    static ClusterException translate(String action, ApiError e) {
        return ClusterException.of(action + ": " + e.getMessage(), e.code(), e.reason(), e);
    }

    /** A checked exception of a call, carried out of the caller's scope. */
    private static final class Unanswered extends RuntimeException {
        Unanswered(Exception cause) {
            super(cause);
        }
    }
}
