package dev.j8s.cli;

import dev.j8s.kubelet.credentials.GcrMetadataProvider;
import java.net.URI;
import java.time.Duration;
import dev.j8s.kubelet.credentials.CredentialHelpers;
import dev.j8s.kubelet.credentials.CredentialProviderConfig;
import dev.j8s.kubelet.credentials.DynamicCredentialProvider;
import dev.j8s.kubelet.credentials.ExecCredentialProvider;
import dev.j8s.kubelet.credentials.KubeletCredentials;
import dev.j8s.kubelet.credentials.NodeDockerConfig;
import dev.j8s.kubelet.credentials.RegistryManifestCheck;
import dev.j8s.kubelet.credentials.SecretPulledImages;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.RegistryClient;
import dev.j8s.oci.registry.RegistryOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The kubelet's image-credential flags of {@code j8s server}, named like upstream's kubelet flags, and the
 * credential wiring they produce. Not thread-safe (picocli fills it once).
 */
final class ImageCredentialOptions {

    @Option(names = "--image-credential-provider-config", paramLabel = "FILE",
            description = "CredentialProviderConfig (kubelet.config.k8s.io/v1) of the exec credential-provider plugins.")
    private Path providerConfig;

    @Option(names = "--image-credential-provider-bin-dir", paramLabel = "DIR",
            description = "Directory holding the credential-provider plugin binaries named in the config.")
    private Path providerBinDir;

    @Option(names = "--image-pull-credentials-verification-policy", paramLabel = "POLICY",
            defaultValue = "NeverVerifyPreloadedImages",
            description = "When an image already on the node must be re-authorized for a pod: NeverVerify, "
                    + "NeverVerifyPreloadedImages, NeverVerifyAllowlistedImages or AlwaysVerify (default: ${DEFAULT-VALUE}).")
    private String verificationPolicy;

    @Option(names = "--gce-metadata-credentials", arity = "0..1", paramLabel = "URL",
            fallbackValue = "http://metadata.google.internal/computeMetadata/v1/",
            description = "On GCE: pull gcr.io / *.gcr.io / *-docker.pkg.dev images with the node's service-account "
                    + "token from the metadata server (optionally at URL). Off by default.")
    private URI gceMetadata;

    @Option(names = "--preloaded-images-verification-allowlist", paramLabel = "IMAGE[,IMAGE...]", split = ",",
            description = "Images (or prefixes ending in /*) never re-verified under NeverVerifyAllowlistedImages.")
    private List<String> allowlist = new ArrayList<>();

    /**
     * The credential wiring: the node docker config searched in upstream's order with the data dir as
     * {@code --root-dir} ({@code <data-dir>/config.json}, the working directory, {@code $HOME/.docker/config.json},
     * {@code /.docker/config.json}, then the {@code .dockercfg} files), plugins, and the pull records.
     *
     * @throws IllegalArgumentException {@code Failed to register CRI auth plugins: <why>} or a bad policy
     */
    KubeletCredentials credentials(Path dataDir, Path home) {
        List<DynamicCredentialProvider> providers = new ArrayList<>();
        if (providerConfig != null || providerBinDir != null) {
            try {
                if (providerConfig == null || providerBinDir == null) {
                    throw new IllegalArgumentException("both --image-credential-provider-config and "
                            + "--image-credential-provider-bin-dir must be set");
                }
                providers.addAll(ExecCredentialProvider.register(CredentialProviderConfig.read(providerConfig),
                        providerBinDir, ExecCredentialProvider.DEFAULT_TIMEOUT, Clock.systemUTC()));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Failed to register CRI auth plugins: " + e.getMessage(), e);
            }
        }
        if (gceMetadata != null) {
            providers.add(new GcrMetadataProvider(gceMetadata, Duration.ofSeconds(10), Clock.systemUTC()));
        }
        SecretPulledImages.Policy policy = SecretPulledImages.Policy.parse(verificationPolicy);
        SecretPulledImages pulled = new SecretPulledImages(policy, allowlist,
                new RegistryManifestCheck(new RegistryClient(CredentialSupplier.ANONYMOUS, RegistryOptions.DEFAULT)));
        NodeDockerConfig node = NodeDockerConfig.upstreamOrder(dataDir, Path.of("").toAbsolutePath(), home,
                Path.of("/"), Clock.systemUTC());
        return new KubeletCredentials(Optional.of(node), CredentialHelpers.fromPath(), providers, pulled);
    }
}
