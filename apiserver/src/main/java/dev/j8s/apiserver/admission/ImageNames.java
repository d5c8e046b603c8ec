package dev.j8s.apiserver.admission;

import java.util.regex.Pattern;

/**
 * The imagePullPolicy default of {@code SetDefaults_Container}: {@code Always} when the image parses
 * (distribution reference grammar) with tag {@code latest} or with neither tag nor digest, else
 * {@code IfNotPresent}. Stateless and thread-safe.
 */
final class ImageNames {

    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN = "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?";
    private static final Pattern REFERENCE = Pattern.compile(
            "(?:(" + DOMAIN + ")/)?(" + COMPONENT + "(?:/" + COMPONENT + ")*)"
                    + "(?::([\\w][\\w.-]{0,127}))?"
                    + "(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?");

    private ImageNames() {}

    static String defaultPullPolicy(String image) {
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
