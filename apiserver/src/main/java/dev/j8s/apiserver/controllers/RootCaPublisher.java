package dev.j8s.apiserver.controllers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.ObjectService;
import java.util.Optional;

/**
 * The root-ca-cert-publisher (upstream's {@code pkg/controller/certificates/rootcacertpublisher}): ConfigMap
 * {@code kube-root-ca.crt} holds the API server's CA as {@code ca.crt} in every namespace, with upstream's
 * description annotation; created with the namespace, made again when deleted, reset when edited. Thread-safe.
 */
final class RootCaPublisher {

    static final String NAME = "kube-root-ca.crt";
    static final String DESCRIPTION_ANNOTATION = "kubernetes.io/description";
    static final String DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using"
            + " internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is"
            + " guaranteed across distributions of Kubernetes clusters.";

    private final ObjectService objects;
    private final String caPem;

    RootCaPublisher(ObjectService objects, String caPem) {
        this.objects = objects;
        this.caPem = caPem;
    }

    /** Upstream's {@code syncNamespace}. */
    void sync(String namespace) {
        Optional<ObjectNode> ns = objects.store().get("namespaces", "", namespace);
        if (ns.isEmpty() || ns.get().path("metadata").hasNonNull("deletionTimestamp")) {
            return;
        }
        ResourceType type = objects.resources().find("", "v1", "configmaps").orElseThrow();
        Optional<ObjectNode> current = objects.store().get("configmaps", namespace, NAME);
        try {
            if (current.isEmpty()) {
                ObjectNode cm = Json.object();
                cm.put("apiVersion", "v1");
                cm.put("kind", "ConfigMap");
                ObjectNode meta = cm.putObject("metadata");
                meta.put("name", NAME);
                meta.put("namespace", namespace);
                meta.putObject("annotations").put(DESCRIPTION_ANNOTATION, DESCRIPTION);
                cm.putObject("data").put("ca.crt", caPem);
                objects.create(type, namespace, cm, false);
                return;
            }
            ObjectNode cm = current.get();
            ObjectNode data = Json.object();
            data.put("ca.crt", caPem);
            boolean described = !cm.path("metadata").path("annotations").path(DESCRIPTION_ANNOTATION).asText("").isEmpty();
            if (cm.path("data").equals(data) && described && !cm.has("binaryData")) {
                return;
            }
            ObjectNode updated = cm.deepCopy();
            updated.set("data", data);
            updated.remove("binaryData");
            ObjectNode annotations = Json.child(Json.child(updated, "metadata"), "annotations");
            if (!annotations.has(DESCRIPTION_ANNOTATION)) {
                annotations.put(DESCRIPTION_ANNOTATION, DESCRIPTION);
            }
            objects.update(type, namespace, NAME, updated, "", false);
        } catch (ApiError.NotFound | ApiError.AlreadyExists | ApiError.Conflict | ApiError.Forbidden e) {
            // the namespace went away or is terminating, or a concurrent write: the next event settles it
        }
    }
}
