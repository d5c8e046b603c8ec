package dev.j8s.apiserver.authorization.rbac;

import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.Decision;
import java.util.ArrayList;
import java.util.List;

/**
 * Upstream's {@code RBACAuthorizer}: allows the first rule that matches, with the reason naming its binding;
 * otherwise no opinion, with the resolution errors met as the reason ({@code RBAC: role.rbac… "x" not found}).
 * Thread-safe.
 */
public final class RbacAuthorizer implements Authorizer {

    private final RuleResolver resolver;

    public RbacAuthorizer(RuleResolver resolver) {
        this.resolver = resolver;
    }

    @Override
    public Decision authorize(Attributes attributes) {
        String[] allowedBy = new String[1];
        List<String> errors = new ArrayList<>();
        resolver.visitRulesFor(attributes.user(), attributes.namespace(), (source, rule, error) -> {
            if (rule != null && rule.allows(attributes)) {
                allowedBy[0] = source.describe();
                return false;
            }
            if (error != null) {
                errors.add(error);
            }
            return true;
        });
        if (allowedBy[0] != null) {
            return Decision.allow("RBAC: allowed by " + allowedBy[0]);
        }
        if (errors.isEmpty()) {
            return Decision.NO_OPINION;
        }
        return Decision.noOpinion("RBAC: " + new RuleResolver.Resolved(List.of(), errors).errorText());
    }

    @Override
    public Rules rulesFor(UserInfo user, String namespace) {
        RuleResolver.Resolved resolved = resolver.rulesFor(user, namespace);
        List<ResourceRule> resources = new ArrayList<>();
        List<NonResourceRule> nonResources = new ArrayList<>();
        for (PolicyRule r : resolved.rules()) {
            if (!r.resources().isEmpty()) {
                resources.add(new ResourceRule(r.verbs(), r.apiGroups(), r.resources(), r.resourceNames()));
            }
            if (!r.nonResourceURLs().isEmpty()) {
                nonResources.add(new NonResourceRule(r.verbs(), r.nonResourceURLs()));
            }
        }
        return new Rules(resources, nonResources, false, resolved.errorText());
    }
}
