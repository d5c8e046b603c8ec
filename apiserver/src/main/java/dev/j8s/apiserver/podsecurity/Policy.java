package dev.j8s.apiserver.podsecurity;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Pod Security policy of a namespace: the level and version it enforces, audits and warns about (upstream
 * {@code api.Policy}), chosen by the namespace's {@code pod-security.kubernetes.io/*} labels over the cluster's
 * defaults; immutable and thread-safe.
 */
public record Policy(LevelVersion enforce, LevelVersion audit, LevelVersion warn) {

    public static final String LABEL_PREFIX = "pod-security.kubernetes.io/";
    public static final String ENFORCE = LABEL_PREFIX + "enforce";
    public static final String ENFORCE_VERSION = LABEL_PREFIX + "enforce-version";
    public static final String AUDIT = LABEL_PREFIX + "audit";
    public static final String AUDIT_VERSION = LABEL_PREFIX + "audit-version";
    public static final String WARN = LABEL_PREFIX + "warn";
    public static final String WARN_VERSION = LABEL_PREFIX + "warn-version";

    /** Upstream's defaults: everything {@code privileged:latest}. */
    public static final Policy PRIVILEGED = new Policy(LevelVersion.PRIVILEGED, LevelVersion.PRIVILEGED,
            LevelVersion.PRIVILEGED);

    private static final Pattern VERSION = Pattern.compile("v1\\.([0-9]|[1-9][0-9]*)");

    public Policy {
        Objects.requireNonNull(enforce, "enforce");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(warn, "warn");
    }

    /** The three levels. */
    public enum Level {
        PRIVILEGED, BASELINE, RESTRICTED;

        /** As the labels spell it. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Upstream's {@code ParseLevel}.
         *
         * @throws IllegalArgumentException {@code must be one of privileged, baseline, restricted}
         */
        public static Level parse(String level) {
            return switch (level) {
                case "privileged" -> PRIVILEGED;
                case "baseline" -> BASELINE;
                case "restricted" -> RESTRICTED;
                default -> throw new IllegalArgumentException("must be one of privileged, baseline, restricted");
            };
        }
    }

    /**
     * A policy version: {@code latest} or {@code v1.<minor>}.
     *
     * @param minor the minor version; ignored when {@code latest}
     */
    public record Version(int minor, boolean latest) {
        public static final Version LATEST = new Version(0, true);

        public static Version of(int minor) {
            return new Version(minor, false);
        }

        /**
         * Upstream's {@code ParseVersion}.
         *
         * @throws IllegalArgumentException {@code must be "latest" or "v1.x"}
         */
        public static Version parse(String version) {
            if (version.equals("latest")) {
                return LATEST;
            }
            Matcher m = VERSION.matcher(version);
            if (!m.matches()) {
                throw new IllegalArgumentException("must be \"latest\" or \"v1.x\"");
            }
            try {
                return of(Integer.parseInt(m.group(1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be \"latest\" or \"v1.x\"", e);
            }
        }

        /** Whether the checks of {@code v1.<minor>} apply at this version. */
        public boolean atLeast(int otherMinor) {
            return latest || minor >= otherMinor;
        }

        @Override
        public String toString() {
            return latest ? "latest" : "v1." + minor;
        }
    }

    /** A level at a version, printed as {@code baseline:latest}. */
    public record LevelVersion(Level level, Version version) {
        public static final LevelVersion PRIVILEGED = new LevelVersion(Level.PRIVILEGED, Version.LATEST);

        public LevelVersion {
            Objects.requireNonNull(level, "level");
            Objects.requireNonNull(version, "version");
        }

        @Override
        public String toString() {
            return level + ":" + version;
        }
    }

    /** A label that does not parse: {@code metadata.labels[<label>]: Invalid value: "<value>": <why>}. */
    public record LabelError(String label, String value, String detail) {}

    /** The policy the labels select, and the labels that were wrong. */
    public record Resolved(Policy policy, List<LabelError> errors) {
        public Resolved {
            errors = List.copyOf(errors);
        }
    }

    /**
     * Upstream's {@code PolicyToEvaluate}: each label present replaces its part of {@code defaults}; a wrong
     * enforce level or version counts as {@code restricted} or {@code latest} (fail closed), a wrong audit or warn
     * level as {@code privileged} (fail open); the errors name each wrong label.
     */
    public static Resolved fromLabels(Map<String, String> labels, Policy defaults) {
        List<LabelError> errors = new ArrayList<>();
        LevelVersion enforce = defaults.enforce();
        LevelVersion audit = defaults.audit();
        LevelVersion warn = defaults.warn();
        enforce = new LevelVersion(label(labels, ENFORCE, enforce.level(), Level::parse, Level.RESTRICTED, errors),
                label(labels, ENFORCE_VERSION, enforce.version(), Version::parse, Version.LATEST, errors));
        audit = new LevelVersion(label(labels, AUDIT, audit.level(), Level::parse, Level.PRIVILEGED, errors),
                label(labels, AUDIT_VERSION, audit.version(), Version::parse, Version.LATEST, errors));
        warn = new LevelVersion(label(labels, WARN, warn.level(), Level::parse, Level.PRIVILEGED, errors),
                label(labels, WARN_VERSION, warn.version(), Version::parse, Version.LATEST, errors));
        return new Resolved(new Policy(enforce, audit, warn), errors);
    }

    /** Label {@code label} parsed, {@code current} when it is absent, {@code onError} (and an error) when wrong. */
    private static <T> T label(Map<String, String> labels, String label, T current, Function<String, T> parse,
            T onError, List<LabelError> errors) {
        String value = labels.get(label);
        if (value == null) {
            return current;
        }
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            errors.add(new LabelError(label, value, e.getMessage()));
            return onError;
        }
    }

    /**
     * The cluster defaults from {@code --pod-security-defaults}: comma-separated {@code mode=level} and
     * {@code mode-version=version} for {@code enforce}, {@code audit} and {@code warn}, e.g.
     * {@code enforce=privileged,warn=baseline}; modes not named stay {@code privileged:latest}.
     *
     * @throws IllegalArgumentException naming the entry that is wrong
     */
    public static Policy parseDefaults(String text) {
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        for (String entry : text.split(",")) {
            String trimmed = entry.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            String key = eq < 0 ? trimmed : trimmed.substring(0, eq).strip();
            if (eq < 0 || !List.of("enforce", "enforce-version", "audit", "audit-version", "warn", "warn-version")
                    .contains(key)) {
                throw new IllegalArgumentException("invalid pod security default \"" + trimmed + "\": expected"
                        + " enforce|audit|warn=privileged|baseline|restricted or enforce|audit|warn-version=latest|v1.x");
            }
            labels.put(LABEL_PREFIX + key, trimmed.substring(eq + 1).strip());
        }
        Resolved resolved = fromLabels(labels, PRIVILEGED);
        if (!resolved.errors().isEmpty()) {
            LabelError e = resolved.errors().getFirst();
            throw new IllegalArgumentException("invalid pod security default " + e.label().substring(LABEL_PREFIX.length())
                    + "=" + e.value() + ": " + e.detail());
        }
        return resolved.policy();
    }

    /** The defaults as {@code --pod-security-defaults} takes them. */
    public String toFlag() {
        return "enforce=" + enforce.level() + ",enforce-version=" + enforce.version() + ",audit=" + audit.level()
                + ",audit-version=" + audit.version() + ",warn=" + warn.level() + ",warn-version=" + warn.version();
    }
}
