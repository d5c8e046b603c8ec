package dev.j8s.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * The cluster's networking where kubeadm publishes it: the ConfigMap {@code kube-system/kubeadm-config}, whose
 * {@code ClusterConfiguration} holds {@code networking.serviceSubnet}, {@code podSubnet} and {@code dnsDomain}, and
 * which nodes may read through the Role and RoleBinding {@code kubeadm:nodes-kubeadm-config} (kubeadm's
 * {@code uploadconfig} phase makes the three). {@code j8s server} publishes them; {@code j8s agent} reads the
 * service range there when it is not given one. Stateless and thread-safe.
 */
final class KubeadmConfig {

    static final String NAMESPACE = "kube-system";
    static final String NAME = "kubeadm-config";
    static final String KEY = "ClusterConfiguration";
    /** kubeadm's name for both the Role and the RoleBinding. */
    static final String ROLE = "kubeadm:nodes-kubeadm-config";
    /** The group of kubeadm's bootstrap tokens, bound beside the nodes as kubeadm binds it. */
    static final String BOOTSTRAP_TOKEN_GROUP = "system:bootstrappers:kubeadm:default-node-token";

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Kind<Role> ROLES = new Kind<>("rbac.authorization.k8s.io", "v1", "Role", "roles", true,
            Role.class);
    private static final Kind<RoleBinding> ROLE_BINDINGS = new Kind<>("rbac.authorization.k8s.io", "v1",
            "RoleBinding", "rolebindings", true, RoleBinding.class);

    private KubeadmConfig() {
    }

    /** Writes (or brings up to date) the ConfigMap, the Role and the RoleBinding with the server's own rights. */
    static void publish(KubeClient client, String serviceCidr, String podCidr, String clusterDomain) {
        client.resource(Kind.CONFIG_MAPS).createOrReplace(new ConfigMapBuilder().withNewMetadata().withName(NAME)
                .withNamespace(NAMESPACE).endMetadata()
                .addToData(KEY, clusterConfiguration(serviceCidr, podCidr, clusterDomain)).build());
        client.resource(ROLES).createOrReplace(new RoleBuilder().withNewMetadata().withName(ROLE).withNamespace(NAMESPACE)
                .endMetadata().addNewRule().withApiGroups("").withResources("configmaps").withResourceNames(NAME)
                .withVerbs("get").endRule().build());
        client.resource(ROLE_BINDINGS).createOrReplace(new RoleBindingBuilder().withNewMetadata().withName(ROLE)
                .withNamespace(NAMESPACE).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(ROLE).endRoleRef()
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
                .withName(BOOTSTRAP_TOKEN_GROUP).endSubject()
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group").withName("system:nodes")
                .endSubject().build());
    }

    /** The {@code ClusterConfiguration} document (kubeadm.k8s.io/v1beta4, as kubeadm 1.32 writes it). */
    static String clusterConfiguration(String serviceCidr, String podCidr, String clusterDomain) {
        ObjectNode config = YAML.createObjectNode();
        config.put("apiVersion", "kubeadm.k8s.io/v1beta4");
        config.put("kind", "ClusterConfiguration");
        config.put("kubernetesVersion", Versions.KUBERNETES);
        config.put("clusterName", "j8s");
        ObjectNode networking = config.putObject("networking");
        networking.put("dnsDomain", clusterDomain);
        networking.put("podSubnet", podCidr);
        networking.put("serviceSubnet", serviceCidr);
        try {
            return YAML.writeValueAsString(config).replaceFirst("^---\n", "");
        } catch (IOException e) {
            throw new UncheckedIOException("write the ClusterConfiguration", e);
        }
    }

    /**
     * The cluster's service range from its {@code kubeadm-config}; empty when there is none or it names no
     * {@code networking.serviceSubnet}.
     *
     * @throws dev.j8s.api.ClusterException when the API refuses (403 where the node may not read it)
     */
    static Optional<String> serviceSubnet(KubeClient client) {
        return client.resource(Kind.CONFIG_MAPS).get(NAMESPACE, NAME)
                .map(c -> c.getData() == null ? null : c.getData().get(KEY))
                .flatMap(KubeadmConfig::serviceSubnet);
    }

    /**
     * The service range an agent without {@code --service-cidr} uses: the cluster's, read with the node's
     * credentials from {@code kubeconfig}.
     *
     * @throws IllegalStateException naming the flag and the ConfigMap when the cluster publishes none
     */
    static String serviceCidr(java.nio.file.Path kubeconfig) {
        String why;
        try (KubeClient client = KubeClient.connect(kubeconfig)) {
            Optional<String> subnet = serviceSubnet(client);
            if (subnet.isPresent()) {
                return Cidrs.validate("networking.serviceSubnet of ConfigMap " + NAMESPACE + "/" + NAME, subnet.get());
            }
            why = "it has no ConfigMap " + NAMESPACE + "/" + NAME + " with networking.serviceSubnet in its " + KEY;
        } catch (dev.j8s.api.ClusterException e) {
            why = "reading the ConfigMap " + NAMESPACE + "/" + NAME + " failed: " + e.getMessage();
        } catch (IllegalArgumentException e) {
            why = e.getMessage();
        }
        throw new IllegalStateException("the cluster's service range is unknown (" + why + "): give --service-cidr,"
                + " or publish networking.serviceSubnet in the " + KEY + " of the ConfigMap " + NAMESPACE + "/" + NAME
                + " with the Role and RoleBinding " + ROLE + " letting the nodes read it, as kubeadm does");
    }

    static Optional<String> serviceSubnet(String clusterConfiguration) {
        try {
            JsonNode subnet = YAML.readTree(clusterConfiguration).path("networking").path("serviceSubnet");
            // kubeadm allows a dual-stack pair "v4,v6": the proxy programs IPv4
            return subnet.isTextual() && !subnet.asText().isBlank()
                    ? Optional.of(subnet.asText().split(",")[0].strip()) : Optional.empty();
        } catch (IOException e) {
            throw new IllegalArgumentException("ConfigMap " + NAMESPACE + "/" + NAME + ": " + KEY
                    + " is not YAML: " + e.getMessage(), e);
        }
    }
}
