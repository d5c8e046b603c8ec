package dev.j8s.apiserver.admission;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The imagePullPolicy default of {@code SetDefaults_Container}: {@code Always} when the image parses
 * (distribution reference grammar) with tag {@code latest} or with neither tag nor digest, else
 * {@code IfNotPresent}. Thread-safe; the policy of the images seen lately is remembered (pods of a workload name
 * the same images, and the grammar's pattern is one of the costlier steps of a pod's defaulting).
 */
final class ImageNames {

    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN = "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?";
    private static final Pattern REFERENCE = Pattern.compile(
            "(?:(" + DOMAIN + ")/)?(" + COMPONENT + "(?:/" + COMPONENT + ")*)"
                    + "(?::([\\w][\\w.-]{0,127}))?"
                    + "(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?");

    /** Images remembered before the map is emptied and starts again. */
    private static final int REMEMBERED = 1024;
    private static final Map<String, String> POLICIES = new ConcurrentHashMap<>();

    private ImageNames() {}

    static String defaultPullPolicy(String image) {
        String policy = POLICIES.get(image);
        if (policy == null) {
            if (POLICIES.size() >= REMEMBERED) {
                POLICIES.clear();
            }
            policy = parsedPullPolicy(image);
            POLICIES.put(image, policy);
        }
        return policy;
    }

    private static String parsedPullPolicy(String image) {
        var m = REFERENCE.matcher(image);
        if (!m.matches() || image.length() > 255) {
            return "IfNotPresent";
        }
        String tag = m.group(3);
        String digest = m.group(4);
        if (tag == null && digest == null) {
            return "Always";
        }
        return "latest".equals(tag) ? "Always" : "IfNotPresent";
    }
}
