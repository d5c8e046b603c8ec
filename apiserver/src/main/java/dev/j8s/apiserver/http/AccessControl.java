package dev.j8s.apiserver.http;

import dev.j8s.apiserver.authentication.Authenticator;
import dev.j8s.apiserver.authentication.ServiceAccountTokens;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.rest.Reviews;
import dev.j8s.apiserver.rest.TokenRequests;

/**
 * What the HTTP layer needs to know who calls and what they may do: the authenticators, the authorizer chain, and
 * the identity APIs it serves (token requests, reviews, the service-account issuer's discovery documents).
 * Immutable.
 */
public record AccessControl(Authenticator authenticator, Authorizer authorizer, ServiceAccountTokens serviceAccounts,
                            TokenRequests tokenRequests, Reviews reviews) {}
