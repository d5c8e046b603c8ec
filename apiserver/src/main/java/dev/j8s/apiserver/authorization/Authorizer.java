package dev.j8s.apiserver.authorization;

import dev.j8s.apiserver.authentication.UserInfo;
import java.util.ArrayList;
import java.util.List;

/** Decides requests (upstream's {@code authorizer.Authorizer}); implementations are thread-safe. */
public interface Authorizer {

    Decision authorize(Attributes attributes);

    /**
     * What a user may do in a namespace (upstream's {@code RuleResolver}), for SelfSubjectRulesReview; an
     * authorizer that cannot enumerate its rules says so with {@code incomplete}.
     */
    default Rules rulesFor(UserInfo user, String namespace) {
        return Rules.NONE;
    }

    /** One resource rule as a rules review reports it. */
    record ResourceRule(List<String> verbs, List<String> apiGroups, List<String> resources, List<String> resourceNames) {}

    /** One non-resource rule as a rules review reports it. */
    record NonResourceRule(List<String> verbs, List<String> nonResourceURLs) {}

    /** An enumeration of rules, possibly incomplete, with the error that made it so. */
    record Rules(List<ResourceRule> resourceRules, List<NonResourceRule> nonResourceRules, boolean incomplete,
                 String evaluationError) {
        public static final Rules NONE = new Rules(List.of(), List.of(), false, "");

        public Rules {
            resourceRules = List.copyOf(resourceRules);
            nonResourceRules = List.copyOf(nonResourceRules);
        }
    }

    /**
     * Upstream's union authorizer: the first authorizer that allows or denies decides; otherwise no opinion with
     * every reason given, one per line.
     */
    static Authorizer union(List<Authorizer> authorizers) {
        List<Authorizer> all = List.copyOf(authorizers);
        return new Authorizer() {
            @Override
            public Decision authorize(Attributes attributes) {
                List<String> reasons = new ArrayList<>();
                for (Authorizer a : all) {
                    Decision d = a.authorize(attributes);
                    if (!d.reason().isEmpty()) {
                        reasons.add(d.reason());
                    }
                    if (d.kind() != Decision.Kind.NO_OPINION) {
                        return d;
                    }
                }
                return Decision.noOpinion(String.join("\n", reasons));
            }

            @Override
            public Rules rulesFor(UserInfo user, String namespace) {
                List<ResourceRule> resources = new ArrayList<>();
                List<NonResourceRule> nonResources = new ArrayList<>();
                boolean incomplete = false;
                List<String> errors = new ArrayList<>();
                for (Authorizer a : all) {
                    Rules r = a.rulesFor(user, namespace);
                    resources.addAll(r.resourceRules());
                    nonResources.addAll(r.nonResourceRules());
                    incomplete |= r.incomplete();
                    if (!r.evaluationError().isEmpty()) {
                        errors.add(r.evaluationError());
                    }
                }
                String error = errors.size() == 1 ? errors.getFirst()
                        : errors.isEmpty() ? "" : "[" + String.join(", ", errors) + "]";
                return new Rules(resources, nonResources, incomplete, error);
            }
        };
    }

    /**
     * Upstream's privileged-group authorizer: members of {@code system:masters} may do anything (it enumerates no
     * rules; RBAC's cluster-admin binding shows theirs).
     */
    static Authorizer privilegedGroup() {
        return attributes -> attributes.user().inGroup(UserInfo.MASTERS) ? Decision.ALLOW : Decision.NO_OPINION;
    }
}
