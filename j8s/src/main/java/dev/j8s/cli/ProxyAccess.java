package dev.j8s.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.api.FabricClients;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether the service proxy's credentials may read what it watches cluster-wide (list and watch on Services, on
 * EndpointSlices or Endpoints, and on Nodes, which {@code system:node-proxier} grants), asked once at the agent's
 * start with SelfSubjectAccessReviews: without them the proxy would retry forever with every Service dark. Stateless
 * and thread-safe.
 */
final class ProxyAccess {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One resource the proxy reads: its group and plural. */
    record Resource(String group, String plural) {
        String display() {
            return group.isEmpty() ? plural : plural + "." + group;
        }
    }

    private ProxyAccess() {
    }

    /**
     * Refuses to start a proxy whose credentials ({@code kubeconfig}) may not read what it needs.
     *
     * @param nodeCredentials whether they are the node's own ({@code system:node:<node>}), to name in the binding
     * @throws IllegalStateException naming what is denied and the ClusterRoleBinding to create
     */
    static void check(Path kubeconfig, boolean slices, String node, boolean nodeCredentials) {
        List<String> denied = denied(kubeconfig, needed(slices));
        if (!denied.isEmpty()) {
            throw new IllegalStateException(refusal(denied, node, nodeCredentials ? "system:node:" + node : ""));
        }
    }

    /** What the proxy lists and watches, endpoints as {@code slices} says. */
    static List<Resource> needed(boolean slices) {
        return List.of(new Resource("", "services"),
                slices ? new Resource("discovery.k8s.io", "endpointslices") : new Resource("", "endpoints"),
                new Resource("", "nodes"));
    }

    /**
     * The {@code verb resource} pairs the credentials of {@code kubeconfig} may not do, as the cluster answers;
     * empty when all are allowed.
     */
    static List<String> denied(Path kubeconfig, List<Resource> resources) {
        List<String> denied = new ArrayList<>();
        try (KubernetesClient client = FabricClients.connect(kubeconfig)) {
            for (Resource resource : resources) {
                for (String verb : List.of("list", "watch")) {
                    if (!allowed(client, verb, resource)) {
                        denied.add(verb + " " + resource.display());
                    }
                }
            }
        }
        return denied;
    }

    private static boolean allowed(KubernetesClient client, String verb, Resource resource) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("verb", verb);
        attributes.put("group", resource.group());
        attributes.put("resource", resource.plural());
        GenericKubernetesResource review = new GenericKubernetesResourceBuilder()
                .withApiVersion("authorization.k8s.io/v1").withKind("SelfSubjectAccessReview").withNewMetadata()
                .endMetadata().addToAdditionalProperties("spec", Map.of("resourceAttributes", attributes)).build();
        try {
            GenericKubernetesResource answer = client.genericKubernetesResources("authorization.k8s.io/v1",
                    "SelfSubjectAccessReview").resource(review).create();
            JsonNode status = JSON.valueToTree(answer.getAdditionalProperties().getOrDefault("status", Map.of()));
            return status.path("allowed").asBoolean(false);
        } catch (KubernetesClientException e) {
            throw new IllegalStateException("ask the cluster whether the service proxy may " + verb + " "
                    + resource.display() + " (SelfSubjectAccessReview): " + e.getMessage(), e);
        }
    }

    /**
     * The refusal for {@code denied}: what is missing and the binding that grants it ({@code user} is the
     * credentials' user when known, else empty).
     */
    static String refusal(List<String> denied, String node, String user) {
        String subject = user.isEmpty() ? "--user=<the user of the proxy's kubeconfig>" : "--user=" + user;
        return "the service proxy's credentials may not " + String.join(", ", denied) + " cluster-wide; bind the"
                + " ClusterRole system:node-proxier to them (as kube-proxy's are): kubectl create clusterrolebinding "
                + node + "-proxier --clusterrole=system:node-proxier " + subject
                + ", or give the agent --proxy-kubeconfig with credentials that have it";
    }
}
