package dev.j8s.apiserver.authorization;

/**
 * An authorizer's answer with its reason (shown to the client after a denial). Immutable.
 */
public record Decision(Kind kind, String reason) {

    /** Upstream's DecisionAllow, DecisionDeny and DecisionNoOpinion. */
    public enum Kind { ALLOW, DENY, NO_OPINION }

    public static final Decision ALLOW = new Decision(Kind.ALLOW, "");
    public static final Decision NO_OPINION = new Decision(Kind.NO_OPINION, "");

    public static Decision allow(String reason) {
        return new Decision(Kind.ALLOW, reason);
    }

    public static Decision noOpinion(String reason) {
        return new Decision(Kind.NO_OPINION, reason);
    }

    public boolean allowed() {
        return kind == Kind.ALLOW;
    }
}
