package dev.j8s.kubelet.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.oci.reference.ImageReference;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DockerKeyringTest {
    record MatchCase(String glob, String target, boolean matches) {}

    static Stream<MatchCase> urlMatches() {
        return Stream.of(
                // Upstream's keyring_test.go TestURLsMatch style cases.
                new MatchCase("*.kubernetes.io", "prefix.kubernetes.io", true),
                new MatchCase("prefix.*.io", "prefix.kubernetes.io", true),
                new MatchCase("prefix.kubernetes.*", "prefix.kubernetes.io", true),
                new MatchCase("*-good.kubernetes.io", "prefix-good.kubernetes.io", true),
                new MatchCase("*.kubernetes.io/blah", "prefix.kubernetes.io/blah", true),
                new MatchCase("prefix.*.io/foo", "prefix.kubernetes.io/foo/bar", true),
                new MatchCase("*.kubernetes.io", "kubernetes.io", false),
                new MatchCase("*.*.kubernetes.io", "prefix.kubernetes.io", false),
                new MatchCase("*.*.kubernetes.io", "kubernetes.io", false),
                new MatchCase("*kubernetes.io", "a.kubernetes.io", false),
                new MatchCase("*.io", "a.b.io", false),
                new MatchCase("app*.k8s.io", "apps.k8s.io", true),
                // '?' starts a URL query for Go's url.Parse, so it never works as a glob in a key.
                new MatchCase("app?.k8s.io", "apps.k8s.io", false),
                // A leading '[' makes Go parse an IPv6 literal, which fails; classes work inside a label.
                new MatchCase("[a-c]pp.k8s.io", "bpp.k8s.io", false),
                new MatchCase("a[p-r]p.k8s.io", "aqp.k8s.io", true),
                new MatchCase("a[^p-r]p.k8s.io", "aqp.k8s.io", false),
                new MatchCase("[a-.k8s.io", "a.k8s.io", false),
                new MatchCase("kubernetes.io/foo", "kubernetes.io", false),
                new MatchCase("prefix.*.io/foo", "prefix.kubernetes.io/bar", false),
                new MatchCase("quay.io/core", "quay.io/coreos/etcd", true),
                new MatchCase("*.kubernetes.io:8080", "prefix.kubernetes.io:8080", true),
                new MatchCase("*.kubernetes.io:8080", "prefix.kubernetes.io", false),
                new MatchCase("*.kubernetes.io", "prefix.kubernetes.io:8080", false),
                new MatchCase("localhost:5000", "localhost:5000/x", true),
                new MatchCase("localhost:5000", "localhost:5001/x", false),
                new MatchCase("[::1]:5000", "[::1]:5000/x", true),
                new MatchCase("Registry.Example.com", "registry.example.com/x", false));
    }

    @ParameterizedTest
    @MethodSource("urlMatches")
    void urlsMatchFollowsUpstreamGlobPortAndPathRules(MatchCase c) {
        assertThat(DockerKeyring.urlsMatch(c.glob(), c.target())).as(c.toString()).isEqualTo(c.matches());
    }

    record KeyCase(String key, String normalized) {}

    static Stream<KeyCase> keys() {
        return Stream.of(
                new KeyCase("https://index.docker.io/v1/", "index.docker.io"),
                new KeyCase("index.docker.io", "index.docker.io"),
                new KeyCase("http://quay.io", "quay.io"),
                new KeyCase("https://quay.io/v2/coreos", "quay.io/coreos"),
                new KeyCase("quay.io/", "quay.io"),
                new KeyCase("registry.example.com:5000/v1/team", "registry.example.com:5000/team"),
                new KeyCase("quay.io/v1", "quay.io/v1"),
                new KeyCase("https://*.example.com", "*.example.com"));
    }

    @ParameterizedTest
    @MethodSource("keys")
    void keysAreNormalizedLikeUpstreamAdd(KeyCase c) {
        assertThat(DockerKeyring.normalizeKey(c.key())).contains(c.normalized());
    }

    @Test
    void keyWithNonNumericPortIsIgnored() {
        DockerKeyring<String> k = new DockerKeyring<>();
        assertThat(k.add("registry.example.com:abc", "x")).isFalse();
        assertThat(DockerKeyring.normalizeKey("bad host")).isEmpty();
        assertThat(k.isEmpty()).isTrue();
    }

    @Test
    void lookupReturnsEveryMatchMostSpecificFirst() {
        DockerKeyring<String> k = new DockerKeyring<>();
        k.add("quay.io", "host");
        k.add("https://quay.io/v2/coreos", "path");
        k.add("*.quay.io", "glob-other-labels");
        k.add("quay.*", "glob");
        k.add("http://quay.io", "host-again");
        assertThat(k.keys()).containsExactly("quay.io/coreos", "quay.io", "quay.*", "*.quay.io");
        assertThat(k.lookup("quay.io/coreos/etcd")).containsExactly("path", "host", "host-again", "glob");
        assertThat(k.lookup("quay.io/other/x")).containsExactly("host", "host-again", "glob");
    }

    @Test
    void specificHostIsTriedBeforeGlob() {
        DockerKeyring<String> k = new DockerKeyring<>();
        k.add("*.x.com", "glob");
        k.add("registry.x.com", "exact");
        assertThat(k.lookup(ImageReference.parse("registry.x.com/a/b:1"))).containsExactly("exact", "glob");
    }

    record HubCase(String key, String image, boolean found) {}

    static Stream<HubCase> dockerHub() {
        return Stream.of(
                new HubCase("https://index.docker.io/v1/", "ubuntu", true),
                new HubCase("https://index.docker.io/v1/", "google/docker-registry", true),
                new HubCase("https://index.docker.io/v1/", "docker.io/library/nginx", true),
                new HubCase("https://index.docker.io/v1/", "index.docker.io/google/docker-registry", true),
                new HubCase("https://index.docker.io/v1/", "hello.kubernetes.io/foo/bar", false),
                new HubCase("https://index.docker.io/v1/", "localhost:5000/foo", false),
                new HubCase("index.docker.io", "docker.io/library/nginx", true),
                new HubCase("docker.io", "docker.io/library/nginx", true),
                new HubCase("registry-1.docker.io", "docker.io/library/nginx", false),
                new HubCase("https://index.docker.io/v1/", "registry-1.docker.io/library/nginx", false));
    }

    @ParameterizedTest
    @MethodSource("dockerHub")
    void dockerHubKeysAreEquivalentAsUpstream(HubCase c) {
        DockerKeyring<String> k = new DockerKeyring<>();
        k.add(c.key(), "hub");
        assertThat(k.lookup(c.image())).as(c.toString()).isEqualTo(c.found() ? List.of("hub") : List.of());
    }

    @Test
    void dockerHubFallbackAppliesOnlyWhenNothingElseMatched() {
        DockerKeyring<String> k = new DockerKeyring<>();
        k.add("https://index.docker.io/v1/", "index");
        k.add("docker.io", "docker");
        assertThat(k.lookup(ImageReference.parse("nginx"))).containsExactly("docker");
    }

    @Test
    void globsAreMatchedPerLabelLikeGoFilepathMatch() {
        assertThat(Glob.match("a*b", "axxb")).contains(true);
        assertThat(Glob.match("a*b", "ax/b")).contains(false);
        assertThat(Glob.match("a\\*b", "a*b")).contains(true);
        assertThat(Glob.match("[", "a")).isEqualTo(Optional.empty());
        assertThat(Glob.match("[]a]", "a")).isEqualTo(Optional.empty());
    }
}
