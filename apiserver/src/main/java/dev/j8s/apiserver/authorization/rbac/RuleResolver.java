package dev.j8s.apiserver.authorization.rbac;

import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Forbidden;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which rules apply to a user in a namespace, as upstream's {@code DefaultRuleResolver}: the rules of every
 * ClusterRoleBinding naming the user (by name, one of its groups, or its service account), then in a namespace
 * those of its RoleBindings; a binding whose role is missing adds a resolution error instead. Thread-safe.
 */
public final class RuleResolver {

    /** Where a rule came from, worded as upstream's describers for the allow reason. */
    public interface Source {
        String describe();
    }

    /** Receives each rule or resolution error; returns false to stop. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(Source source, PolicyRule rule, String error);
    }

    /** The rules found and the errors met finding them. */
    public record Resolved(List<PolicyRule> rules, List<String> errors) {
        /** Upstream's aggregate error text: the one error, or {@code [e1, e2]}. */
        public String errorText() {
            List<String> unique = errors.stream().distinct().toList();
            if (unique.isEmpty()) {
                return "";
            }
            return unique.size() == 1 ? unique.getFirst() : "[" + String.join(", ", unique) + "]";
        }
    }

    private final RbacIndex index;

    public RuleResolver(RbacIndex index) {
        this.index = index;
    }

    public void visitRulesFor(UserInfo user, String namespace, Visitor visitor) {
        for (RbacIndex.Binding b : index.clusterRoleBindings()) {
            Optional<RbacIndex.Subject> subject = appliesTo(user, b.subjects(), "");
            if (subject.isEmpty()) {
                continue;
            }
            List<PolicyRule> rules;
            try {
                rules = roleReferenceRules(b.roleRef(), "");
            } catch (RoleNotFound e) {
                if (!visitor.visit(null, null, e.getMessage())) {
                    return;
                }
                continue;
            }
            Source source = () -> "ClusterRoleBinding " + Forbidden.quote(b.name()) + " of " + b.roleRef().kind() + " "
                    + Forbidden.quote(b.roleRef().name()) + " to " + describe(subject.get(), "");
            for (PolicyRule r : rules) {
                if (!visitor.visit(source, r, null)) {
                    return;
                }
            }
        }
        if (namespace.isEmpty()) {
            return;
        }
        for (RbacIndex.Binding b : index.roleBindings(namespace)) {
            Optional<RbacIndex.Subject> subject = appliesTo(user, b.subjects(), namespace);
            if (subject.isEmpty()) {
                continue;
            }
            List<PolicyRule> rules;
            try {
                rules = roleReferenceRules(b.roleRef(), namespace);
            } catch (RoleNotFound e) {
                if (!visitor.visit(null, null, e.getMessage())) {
                    return;
                }
                continue;
            }
            Source source = () -> "RoleBinding " + Forbidden.quote(b.name() + "/" + b.namespace()) + " of "
                    + b.roleRef().kind() + " " + Forbidden.quote(b.roleRef().name()) + " to "
                    + describe(subject.get(), b.namespace());
            for (PolicyRule r : rules) {
                if (!visitor.visit(source, r, null)) {
                    return;
                }
            }
        }
    }

    /** Every rule that applies, and the resolution errors. */
    public Resolved rulesFor(UserInfo user, String namespace) {
        List<PolicyRule> rules = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        visitRulesFor(user, namespace, (source, rule, error) -> {
            if (rule != null) {
                rules.add(rule);
            }
            if (error != null) {
                errors.add(error);
            }
            return true;
        });
        return new Resolved(rules, errors);
    }

    /** A missing role, worded as upstream's lister: {@code clusterrole.rbac.authorization.k8s.io "x" not found}. */
    public static final class RoleNotFound extends RuntimeException {
        private final String kind;
        private final String name;

        RoleNotFound(String kind, String name) {
            this(kind, name, (kind.equals("Role") ? "role" : "clusterrole") + "." + RbacIndex.GROUP + " "
                    + Forbidden.quote(name) + " not found");
        }

        private RoleNotFound(String kind, String name, String message) {
            super(message, null, false, false);
            this.kind = kind;
            this.name = name;
        }

        static RoleNotFound unsupportedKind(String kind, String name) {
            return new RoleNotFound(kind, name, "unsupported role reference kind: " + Forbidden.quote(kind));
        }

        public String kind() {
            return kind;
        }

        public String roleName() {
            return name;
        }
    }

    /** The rules of the role a binding refers to. */
    public List<PolicyRule> roleReferenceRules(RbacIndex.RoleRef ref, String bindingNamespace) {
        return switch (ref.kind()) {
            case "Role" -> index.role(bindingNamespace, ref.name())
                    .orElseThrow(() -> new RoleNotFound("Role", ref.name()));
            case "ClusterRole" -> index.clusterRole(ref.name())
                    .orElseThrow(() -> new RoleNotFound("ClusterRole", ref.name()));
            default -> throw RoleNotFound.unsupportedKind(ref.kind(), ref.name());
        };
    }

    private static Optional<RbacIndex.Subject> appliesTo(UserInfo user, List<RbacIndex.Subject> subjects,
                                                        String namespace) {
        for (RbacIndex.Subject s : subjects) {
            if (appliesToUser(user, s, namespace)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    static boolean appliesToUser(UserInfo user, RbacIndex.Subject s, String namespace) {
        return switch (s.kind()) {
            case "User" -> user.name().equals(s.name());
            case "Group" -> user.inGroup(s.name());
            case "ServiceAccount" -> {
                String ns = s.namespace().isEmpty() ? namespace : s.namespace();
                yield !ns.isEmpty() && user.name().equals(UserInfo.serviceAccountName(ns, s.name()));
            }
            default -> false;
        };
    }

    private static String describe(RbacIndex.Subject s, String bindingNamespace) {
        if (s.kind().equals("ServiceAccount")) {
            String ns = s.namespace().isEmpty() ? bindingNamespace : s.namespace();
            return s.kind() + " " + Forbidden.quote(s.name() + "/" + ns);
        }
        return s.kind() + " " + Forbidden.quote(s.name());
    }
}
