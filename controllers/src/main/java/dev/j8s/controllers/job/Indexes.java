package dev.j8s.controllers.job;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Completion indexes as a Job's status writes them: sorted intervals, {@code "0-3,5"} (upstream's
 * {@code orderedIntervals}). Stateless.
 */
final class Indexes {

    private Indexes() {}

    /** The indexes a list names, those below {@code completions} only; unreadable parts are skipped. */
    static SortedSet<Integer> parse(String text, int completions) {
        SortedSet<Integer> out = new TreeSet<>();
        if (text == null || text.isEmpty()) {
            return out;
        }
        for (String part : text.split(",")) {
            String[] bounds = part.split("-");
            try {
                int start = Integer.parseInt(bounds[0]);
                int end = bounds.length > 1 ? Integer.parseInt(bounds[1]) : start;
                for (int i = start; i <= end && i < completions; i++) {
                    out.add(i);
                }
            } catch (NumberFormatException e) {
                // not an index list this controller wrote
            }
        }
        return out;
    }

    /** {@code [0,1,2,3,5]} as {@code "0-3,5"}; empty for no index. */
    static String format(SortedSet<Integer> indexes) {
        List<String> parts = new ArrayList<>();
        Integer start = null;
        Integer last = null;
        for (int i : indexes) {
            if (start == null) {
                start = i;
            } else if (i != last + 1) {
                parts.add(start.equals(last) ? start.toString() : start + "-" + last);
                start = i;
            }
            last = i;
        }
        if (start != null) {
            parts.add(start.equals(last) ? start.toString() : start + "-" + last);
        }
        return String.join(",", parts);
    }
}
