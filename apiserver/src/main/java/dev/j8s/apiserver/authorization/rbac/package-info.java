/**
 * Role-based access control: policy rules and their matching, an index of Roles, ClusterRoles and their bindings
 * kept current by store watches, rule resolution, the RBAC authorizer, escalation prevention and the bootstrap
 * policy; upstream's {@code plugin/pkg/auth/authorizer/rbac}, {@code pkg/registry/rbac/validation} and
 * {@code bootstrappolicy}.
 */
package dev.j8s.apiserver.authorization.rbac;
