package dev.j8s.kubelet.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The kubelet's {@code --image-credential-provider-config} ({@code kind: CredentialProviderConfig},
 * {@code apiVersion: kubelet.config.k8s.io/v1}, v1beta1 and v1alpha1 also accepted), decoded strictly from YAML or
 * JSON and validated with upstream's messages ({@code pkg/credentialprovider/plugin/config.go}). Immutable and
 * thread-safe.
 *
 * @param providers the plugins in precedence order
 */
public record CredentialProviderConfig(List<Provider> providers) {
    /** The request/response versions a plugin may speak. */
    public static final Set<String> PLUGIN_API_VERSIONS = Set.of("credentialprovider.kubelet.k8s.io/v1",
            "credentialprovider.kubelet.k8s.io/v1beta1", "credentialprovider.kubelet.k8s.io/v1alpha1");
    private static final Set<String> CONFIG_API_VERSIONS = Set.of("kubelet.config.k8s.io/v1",
            "kubelet.config.k8s.io/v1beta1", "kubelet.config.k8s.io/v1alpha1");
    private static final Set<String> TOP_FIELDS = Set.of("kind", "apiVersion", "providers");
    private static final Set<String> PROVIDER_FIELDS = Set.of("name", "matchImages", "defaultCacheDuration",
            "apiVersion", "args", "env", "tokenAttributes");
    private static final YAMLMapper YAML = new YAMLMapper();

    /** Copies the list. */
    public CredentialProviderConfig {
        providers = List.copyOf(providers);
    }

    /** One {@code providers[]} entry. */
    public record Provider(String name, List<String> matchImages, Duration defaultCacheDuration, String apiVersion,
                           List<String> args, List<EnvVar> env) {
        /** Copies the lists. */
        public Provider {
            matchImages = List.copyOf(matchImages);
            args = List.copyOf(args);
            env = List.copyOf(env);
        }
    }

    /** One {@code env[]} entry, appended after the kubelet's environment. */
    public record EnvVar(String name, String value) {}

    /** Reads and validates {@code file}. */
    public static CredentialProviderConfig read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new CredentialsException("unable to read credential provider config " + file + ": " + e);
        }
    }

    /**
     * Decodes and validates a config.
     *
     * @throws CredentialsException e.g. {@code strict decoding error: unknown field "providers[0].foo"} or the
     *     aggregated field errors such as {@code providers.name: Invalid value: "a/b": provider name cannot contain '/'}
     */
    public static CredentialProviderConfig parse(String content, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(content);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CredentialsException("error decoding credential provider config " + source + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CredentialsException("error decoding credential provider config " + source + ": " + e);
        }
        if (root == null || !root.isObject()) {
            throw new CredentialsException("error decoding credential provider config " + source
                    + ": not an object");
        }
        List<String> unknown = new ArrayList<>();
        root.fieldNames().forEachRemaining(f -> {
            if (!TOP_FIELDS.contains(f)) {
                unknown.add("unknown field \"" + f + "\"");
            }
        });
        String kind = root.path("kind").asText("");
        String apiVersion = root.path("apiVersion").asText("");
        if (!kind.equals("CredentialProviderConfig") || !CONFIG_API_VERSIONS.contains(apiVersion)) {
            throw new CredentialsException("error decoding credential provider config " + source + ": no kind \""
                    + kind + "\" is registered for version \"" + apiVersion + "\"");
        }
        List<Provider> providers = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        JsonNode list = root.path("providers");
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            String at = "providers[" + i + "]";
            int idx = i;
            p.fieldNames().forEachRemaining(f -> {
                if (!PROVIDER_FIELDS.contains(f)) {
                    unknown.add("unknown field \"providers[" + idx + "]." + f + "\"");
                }
            });
            if (p.has("tokenAttributes")) {
                errors.add(at + ".tokenAttributes: Forbidden: service account token mode is not supported by j8s");
            }
            Duration cache = null;
            if (p.hasNonNull("defaultCacheDuration")) {
                try {
                    cache = GoDurations.parse(p.get("defaultCacheDuration").asText());
                } catch (IllegalArgumentException e) {
                    unknown.add(e.getMessage());
                }
            }
            List<EnvVar> env = new ArrayList<>();
            p.path("env").forEach(e -> env.add(new EnvVar(e.path("name").asText(""), e.path("value").asText(""))));
            providers.add(new Provider(p.path("name").asText(""), strings(p.path("matchImages")),
                    cache, p.path("apiVersion").asText(""), strings(p.path("args")), env));
        }
        if (!unknown.isEmpty()) {
            throw new CredentialsException("error decoding credential provider config " + source
                    + ": strict decoding error: " + String.join(", ", unknown));
        }
        errors.addAll(validate(providers));
        if (!errors.isEmpty()) {
            throw new CredentialsException(errors.size() == 1 ? errors.getFirst() : "[" + String.join(", ", errors) + "]");
        }
        return new CredentialProviderConfig(providers);
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static List<String> validate(List<Provider> providers) {
        List<String> errs = new ArrayList<>();
        if (providers.isEmpty()) {
            errs.add("providers: Required value: at least 1 item in plugins is required");
        }
        Set<String> seen = new HashSet<>();
        for (Provider p : providers) {
            String name = p.name();
            if (name.contains("/")) {
                errs.add("providers.name: Invalid value: \"" + name + "\": provider name cannot contain '/'");
            }
            if (name.contains(" ")) {
                errs.add("providers.name: Invalid value: \"" + name + "\": provider name cannot contain spaces");
            }
            if (name.equals(".")) {
                errs.add("providers.name: Invalid value: \".\": provider name cannot be '.'");
            }
            if (name.equals("..")) {
                errs.add("providers.name: Invalid value: \"..\": provider name cannot be '..'");
            }
            if (name.isEmpty()) {
                errs.add("providers.name: Required value");
            }
            if (!seen.add(name)) {
                errs.add("providers.name: Duplicate value: \"" + name + "\"");
            }
            if (p.apiVersion().isEmpty()) {
                errs.add("providers.apiVersion: Required value");
            } else if (!PLUGIN_API_VERSIONS.contains(p.apiVersion())) {
                errs.add("providers.apiVersion: Unsupported value: \"" + p.apiVersion() + "\": supported values: "
                        + "\"credentialprovider.kubelet.k8s.io/v1\", \"credentialprovider.kubelet.k8s.io/v1alpha1\", "
                        + "\"credentialprovider.kubelet.k8s.io/v1beta1\"");
            }
            if (p.matchImages().isEmpty()) {
                errs.add("providers.matchImages: Required value: at least 1 item in matchImages is required");
            }
            for (String m : p.matchImages()) {
                if (DockerKeyring.Url.parse(m).isEmpty()) {
                    errs.add("providers.matchImages: Invalid value: \"" + m + "\": match image is invalid");
                }
            }
            if (p.defaultCacheDuration() == null) {
                errs.add("providers.defaultCacheDuration: Required value");
            } else if (p.defaultCacheDuration().isNegative()) {
                errs.add("providers.defaultCacheDuration: Invalid value: \"" + p.defaultCacheDuration()
                        + "\": must be greater than or equal to 0");
            }
        }
        return errs;
    }

    /** The provider named {@code name}. */
    public Optional<Provider> provider(String name) {
        return providers.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
