package dev.j8s.api.scheduling;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** Tolerations against taints, as upstream's {@code ToleratesTaint} and {@code FindMatchingUntoleratedTaint}. Stateless. */
public final class Tolerations {

    private Tolerations() {}

    /** Whether {@code toleration} tolerates {@code taint}: same effect (or any), same key (or any with Exists), Exists or an equal value. */
    public static boolean tolerates(Toleration toleration, Taint taint) {
        String effect = orEmpty(toleration.getEffect());
        if (!effect.isEmpty() && !effect.equals(taint.getEffect())) {
            return false;
        }
        String key = orEmpty(toleration.getKey());
        String operator = orEmpty(toleration.getOperator()).isEmpty() ? "Equal" : toleration.getOperator();
        if (!key.isEmpty() && !key.equals(taint.getKey())) {
            return false;
        }
        if (key.isEmpty() && !operator.equals("Exists")) {
            return false;
        }
        return switch (operator) {
            case "Exists" -> true;
            case "Equal" -> orEmpty(toleration.getValue()).equals(orEmpty(taint.getValue()));
            default -> false;
        };
    }

    /** Whether any of {@code tolerations} tolerates {@code taint}. */
    public static boolean tolerated(Taint taint, List<Toleration> tolerations) {
        return tolerations.stream().anyMatch(t -> tolerates(t, taint));
    }

    /** The first of the {@code taints} that {@code filter} selects and none of {@code tolerations} tolerates. */
    public static Optional<Taint> firstUntolerated(List<Taint> taints, List<Toleration> tolerations,
            Predicate<Taint> filter) {
        return taints.stream().filter(filter).filter(t -> !tolerated(t, tolerations)).findFirst();
    }

    /** Selects the taints of effect NoSchedule and NoExecute, the ones that keep new pods off a node. */
    public static boolean noScheduleOrNoExecute(Taint taint) {
        return "NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect());
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
