package dev.j8s.controllers.common;

import io.fabric8.kubernetes.api.model.IntOrString;

/** intstr.GetScaledValueFromIntOrPercent: an int as is, a percent of {@code total} rounded up or down. */
public final class IntOrPercent {

    private IntOrPercent() {}

    /** The value; {@code fallback} when absent. A malformed percent counts as 0 (validation refuses it). */
    public static int scaled(IntOrString value, int total, boolean roundUp, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value.getStrVal() != null) {
            String s = value.getStrVal();
            if (!s.endsWith("%")) {
                return 0;
            }
            int percent;
            try {
                percent = Integer.parseInt(s.substring(0, s.length() - 1));
            } catch (NumberFormatException e) {
                return 0;
            }
            return roundUp ? (int) Math.ceil(percent * (double) total / 100) : (int) Math.floor(percent * (double) total / 100);
        }
        return value.getIntVal() == null ? fallback : value.getIntVal();
    }
}
