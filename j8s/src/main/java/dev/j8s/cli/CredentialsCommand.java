package dev.j8s.cli;

import dev.j8s.api.Cluster;
import dev.j8s.kubelet.credentials.CredentialCandidate;
import dev.j8s.kubelet.credentials.CredentialsException;
import dev.j8s.kubelet.credentials.CredentialsExplainer;
import dev.j8s.kubelet.credentials.KubeletCredentials;
import dev.j8s.kubelet.credentials.ManifestCheck;
import dev.j8s.kubelet.credentials.PodCredentials;
import dev.j8s.kubelet.credentials.RegistryManifestCheck;
import dev.j8s.kubelet.credentials.Resolution;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.RegistryClient;
import dev.j8s.oci.registry.RegistryOptions;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;

/**
 * {@code j8s credentials}: diagnoses private-registry credentials as the node's kubelet would resolve them, never
 * printing a credential value. Not thread-safe.
 */
@Command(name = "credentials", mixinStandardHelpOptions = true,
        description = "Diagnose which registry credentials a pod's images would be pulled with.",
        subcommands = CredentialsCommand.Explain.class)
final class CredentialsCommand implements Runnable {

    private final HostEnvironment host;
    private final PrintStream out;

    CredentialsCommand(HostEnvironment host, PrintStream out) {
        this.host = host;
        this.out = out;
    }

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(out);
    }

    /**
     * {@code j8s credentials explain (--namespace NS --pod NAME | IMAGE)}: for each image, the matching credential
     * sources in the order they would be tried (values redacted), and with {@code --check} the registry's answer.
     */
    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = "List, in the order they would be tried, the credential sources matching each image of a "
                    + "pod (or one image); values are redacted.")
    static final class Explain implements Callable<Integer> {
        @ParentCommand
        CredentialsCommand parent;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "State directory of the server (default: /var/lib/j8s as root, else $XDG_DATA_HOME/j8s "
                        + "or ~/.local/share/j8s).")
        Path dataDir;

        @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default",
                description = "Namespace of the pod (default: ${DEFAULT-VALUE}).")
        String namespace;

        @Option(names = "--pod", paramLabel = "NAME", description = "The pod whose images and pull secrets to explain.")
        String pod;

        @Option(names = "--check", description = "Ask each image's registry for its manifest with every candidate.")
        boolean check;

        @Mixin
        ImageCredentialOptions imageCredentials = new ImageCredentialOptions();

        @Parameters(paramLabel = "IMAGE", arity = "0..1", description = "A bare image, as a pod without pull secrets sees it.")
        String image;

        @Override
        public Integer call() {
            if ((pod == null) == (image == null)) {
                throw new IllegalArgumentException("give either --pod NAME or an IMAGE");
            }
            Path data = DataDirs.resolve(dataDir, parent.host);
            KubeletCredentials node = imageCredentials.credentials(data, parent.host.home());
            ManifestCheck registry = new RegistryManifestCheck(
                    new RegistryClient(CredentialSupplier.ANONYMOUS, RegistryOptions.DEFAULT));
            List<String> lines;
            if (image != null) {
                PodCredentials credentials = node.podCredentials((ns, name) -> Optional.empty(), EventRecorder.DISCARD);
                lines = new java.util.ArrayList<>(new CredentialsExplainer(credentials).explain(image));
                if (check) {
                    ImageReference ref = ImageReference.parse(image);
                    lines.addAll(checks(credentials.resolveWithoutPod(ref), registry));
                }
            } else {
                Path kubeconfig = DataDirs.kubeconfig(data);
                if (!Files.isRegularFile(kubeconfig)) {
                    throw new IllegalArgumentException("no kubeconfig at " + kubeconfig + ": is `j8s server --data-dir "
                            + data + "` running?");
                }
                try (Cluster cluster = Cluster.connect(kubeconfig)) {
                    Pod found = cluster.pod(namespace, pod).orElseThrow(() -> new IllegalArgumentException(
                            "pods \"" + pod + "\" not found in namespace \"" + namespace + "\""));
                    PodCredentials credentials = node.podCredentials(cluster::secret, EventRecorder.DISCARD);
                    lines = explainPod(found, credentials, check ? Optional.of(registry) : Optional.empty());
                }
            }
            lines.forEach(parent.out::println);
            parent.out.flush();
            return 0;
        }
    }

    /** The explanation of every image of {@code pod}, each followed by its checks when {@code registry} is given. */
    static List<String> explainPod(Pod pod, PodCredentials credentials, Optional<ManifestCheck> registry) {
        CredentialsExplainer explainer = new CredentialsExplainer(credentials);
        if (registry.isEmpty()) {
            return explainer.explain(pod);
        }
        List<String> out = new java.util.ArrayList<>();
        PodCredentials.PodKeyring keyring = credentials.forPod(pod);
        for (String image : images(pod)) {
            Pod single = new io.fabric8.kubernetes.api.model.PodBuilder(pod).editSpec()
                    .withInitContainers(List.of()).withEphemeralContainers(List.of())
                    .withContainers(new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("c")
                            .withImage(image).build())
                    .endSpec().build();
            out.addAll(explainer.explain(single));
            try {
                out.addAll(checks(keyring.resolve(ImageReference.parse(image)), registry.get()));
            } catch (CredentialsException | IllegalArgumentException e) {
                // explain already named why this image cannot be resolved
            }
        }
        return out;
    }

    /** One line per candidate (or the anonymous request): {@code allowed} or {@code denied}. */
    static List<String> checks(Resolution resolution, ManifestCheck registry) {
        ImageReference ref = resolution.image();
        if (resolution.candidates().isEmpty()) {
            return List.of("  check anonymous: " + verdict(registry.canAccess(ref, Optional.empty())));
        }
        List<String> out = new java.util.ArrayList<>();
        int i = 1;
        for (CredentialCandidate c : resolution.candidates()) {
            out.add("  check " + i++ + ". " + c.source().describe() + ": "
                    + verdict(registry.canAccess(ref, Optional.of(c.credentials()))));
        }
        return out;
    }

    private static String verdict(boolean allowed) {
        return allowed ? "allowed" : "denied";
    }

    private static Set<String> images(Pod pod) {
        Set<String> images = new LinkedHashSet<>();
        if (pod.getSpec() != null) {
            Optional.ofNullable(pod.getSpec().getInitContainers()).orElse(List.of()).stream()
                    .map(Container::getImage).forEach(images::add);
            Optional.ofNullable(pod.getSpec().getContainers()).orElse(List.of()).stream()
                    .map(Container::getImage).forEach(images::add);
            Optional.ofNullable(pod.getSpec().getEphemeralContainers()).orElse(List.of()).stream()
                    .map(EphemeralContainer::getImage).forEach(images::add);
        }
        images.remove(null);
        return images;
    }
}
