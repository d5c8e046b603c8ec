package dev.j8s.oci.reference;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A normalized image reference {@code domain/path[:tag][@digest]}, parsed with Docker's grammar and
 * normalization ({@code ParseNormalizedNamed}): {@code nginx} is {@code docker.io/library/nginx}.
 *
 * <p>Immutable and thread-safe. Follows {@code distribution/reference} {@code normalize.go},
 * {@code reference.go} and {@code regexp.go}; error messages are upstream's.
 *
 * @param domain registry host with optional port, e.g. {@code docker.io}, {@code localhost:5000}, {@code [::1]:5000}
 * @param path repository path without the domain, e.g. {@code library/nginx}
 * @param tag the tag, empty when none was written
 * @param digest the digest, empty when none was written
 */
public record ImageReference(String domain, String path, Optional<String> tag, Optional<Digest> digest) {
    /** Docker Hub's canonical domain. */
    public static final String DOCKER_HUB = "docker.io";
    /** Longest repository path upstream accepts. */
    public static final int MAX_PATH_LENGTH = 255;

    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN_NAME = DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*";
    private static final String IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
    private static final String DOMAIN_AND_PORT = "(?:" + DOMAIN_NAME + "|" + IPV6 + ")(?::[0-9]+)?";
    private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final String REMOTE_NAME = PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";
    private static final String NAME = "(?:" + DOMAIN_AND_PORT + "/)?" + REMOTE_NAME;
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    private static final Pattern REFERENCE =
            Pattern.compile("(" + NAME + ")(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");
    private static final Pattern ANCHORED_NAME =
            Pattern.compile("(?:(" + DOMAIN_AND_PORT + ")/)?(" + REMOTE_NAME + ")");
    private static final Pattern ANCHORED_TAG = Pattern.compile(TAG);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-f0-9]{64}");

    /** Validates the parts against the grammar. */
    public ImageReference {
        if (domain.isEmpty() || !ANCHORED_NAME.matcher(domain + "/" + path).matches()) {
            throw new InvalidReferenceException(domain + "/" + path, "invalid reference format");
        }
        if (path.length() > MAX_PATH_LENGTH) {
            throw new InvalidReferenceException(path, "repository name must not be more than 255 characters");
        }
        tag.ifPresent(t -> {
            if (!ANCHORED_TAG.matcher(t).matches()) {
                throw new InvalidReferenceException(t, "invalid tag format");
            }
        });
    }

    /**
     * Parses a familiar or canonical reference the way {@code ParseNormalizedNamed} does; no default tag
     * is added (see {@link #withDefaultTag()}).
     *
     * @throws InvalidReferenceException with upstream's text, e.g. {@code invalid reference format}
     */
    public static ImageReference parse(String s) {
        if (IDENTIFIER.matcher(s).matches()) {
            throw new InvalidReferenceException(s,
                    "invalid repository name (" + s + "), cannot specify 64-byte hexadecimal strings");
        }
        String[] split = splitDockerDomain(s);
        String domain = split[0];
        String remainder = split[1];
        int tagSep = remainder.indexOf(':');
        String remote = tagSep > -1 ? remainder.substring(0, tagSep) : remainder;
        if (!remote.toLowerCase(java.util.Locale.ROOT).equals(remote)) {
            throw new InvalidReferenceException(s,
                    "invalid reference format: repository name (" + remote + ") must be lowercase");
        }
        return parseCanonical(s, domain + "/" + remainder);
    }

    /** {@code reference.Parse} on an already domain-qualified string; {@code original} is for errors. */
    private static ImageReference parseCanonical(String original, String s) {
        Matcher m = REFERENCE.matcher(s);
        if (!m.matches()) {
            if (s.isEmpty()) {
                throw new InvalidReferenceException(original, "repository name must have at least one component");
            }
            if (REFERENCE.matcher(s.toLowerCase(java.util.Locale.ROOT)).matches()) {
                throw new InvalidReferenceException(original, "repository name must be lowercase");
            }
            throw new InvalidReferenceException(original, "invalid reference format");
        }
        Matcher name = ANCHORED_NAME.matcher(m.group(1));
        if (!name.matches() || name.group(1) == null) {
            // Cannot happen after splitDockerDomain, which always yields a domain.
            throw new InvalidReferenceException(original, "invalid reference format");
        }
        String path = name.group(2);
        if (path.length() > MAX_PATH_LENGTH) {
            throw new InvalidReferenceException(original, "repository name must not be more than 255 characters");
        }
        Optional<Digest> digest;
        try {
            digest = Optional.ofNullable(m.group(3)).map(Digest::parse);
        } catch (InvalidReferenceException e) {
            throw new InvalidReferenceException(original, e.getMessage());
        }
        return new ImageReference(name.group(1), path, Optional.ofNullable(m.group(2)), digest);
    }

    private static String[] splitDockerDomain(String name) {
        int slash = name.indexOf('/');
        if (slash < 0) {
            return new String[] {DOCKER_HUB, "library/" + name};
        }
        String maybeDomain = name.substring(0, slash);
        String maybeRemote = name.substring(slash + 1);
        String domain;
        String remote;
        if (maybeDomain.equals("localhost")) {
            domain = maybeDomain;
            remote = maybeRemote;
        } else if (maybeDomain.equals("index.docker.io")) {
            domain = DOCKER_HUB;
            remote = maybeRemote;
        } else if (maybeDomain.contains(".") || maybeDomain.contains(":")) {
            domain = maybeDomain;
            remote = maybeRemote;
        } else if (!maybeDomain.toLowerCase(java.util.Locale.ROOT).equals(maybeDomain)) {
            domain = maybeDomain;
            remote = maybeRemote;
        } else {
            domain = DOCKER_HUB;
            remote = name;
        }
        if (domain.equals(DOCKER_HUB) && remote.indexOf('/') < 0) {
            remote = "library/" + remote;
        }
        return new String[] {domain, remote};
    }

    /** Builds a reference from parts. */
    public static ImageReference of(String domain, String path, Optional<String> tag, Optional<Digest> digest) {
        return new ImageReference(domain, path, tag, digest);
    }

    /** This reference with tag {@code latest} when it has neither tag nor digest ({@code TagNameOnly}). */
    public ImageReference withDefaultTag() {
        return tag.isEmpty() && digest.isEmpty()
                ? new ImageReference(domain, path, Optional.of("latest"), digest) : this;
    }

    /** This repository with the given digest and no tag. */
    public ImageReference withDigest(Digest d) {
        return new ImageReference(domain, path, Optional.empty(), Optional.of(d));
    }

    /** {@code domain/path}, the normalized repository name used for credential lookup. */
    public String repository() {
        return domain + "/" + path;
    }

    /** The tag or digest to request from the registry: the digest wins; {@code latest} when neither. */
    public String manifestReference() {
        return digest.map(Digest::toString).orElseGet(() -> tag.orElse("latest"));
    }

    /**
     * The host[:port] to connect to for this domain: Docker Hub's API lives at {@code registry-1.docker.io}.
     */
    public String registryHost() {
        return domain.equals(DOCKER_HUB) ? "registry-1.docker.io" : domain;
    }

    /** The shortest form Docker prints ({@code FamiliarString}), e.g. {@code nginx:1.25}. */
    public String familiar() {
        String name = repository();
        if (domain.equals(DOCKER_HUB)) {
            name = path.startsWith("library/") && path.indexOf('/', 8) < 0 ? path.substring(8) : path;
        }
        return name + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    }

    /** The canonical string {@code domain/path[:tag][@digest]}. */
    @Override
    public String toString() {
        return repository() + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    }
}
