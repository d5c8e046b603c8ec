package dev.j8s.apiserver.controllers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.ServiceAccountTokens;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.DeleteOptions;
import dev.j8s.apiserver.rest.ObjectService;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The tokens controller for legacy service-account token Secrets (upstream's
 * {@code pkg/controller/serviceaccount/tokens_controller.go}): a Secret of type
 * {@code kubernetes.io/service-account-token} annotated with its account's name gets {@code token},
 * {@code ca.crt}, {@code namespace} and the {@code kubernetes.io/service-account.uid} annotation; one whose account
 * is gone (or was recreated with another UID) is deleted. No Secret is made on its own (as upstream since 1.24).
 * Thread-safe.
 */
final class ServiceAccountTokenSecrets {

    static final String TYPE = "kubernetes.io/service-account-token";
    static final String NAME_ANNOTATION = "kubernetes.io/service-account.name";
    static final String UID_ANNOTATION = "kubernetes.io/service-account.uid";

    private final ObjectService objects;
    private final ServiceAccountTokens tokens;
    private final String caPem;

    ServiceAccountTokenSecrets(ObjectService objects, ServiceAccountTokens tokens, String caPem) {
        this.objects = objects;
        this.tokens = tokens;
        this.caPem = caPem;
    }

    /** Fills or removes one Secret. */
    void syncSecret(String namespace, String name) {
        Optional<ObjectNode> found = objects.store().get("secrets", namespace, name);
        if (found.isEmpty() || !Json.text(found.get(), "type").equals(TYPE)
                || found.get().path("metadata").hasNonNull("deletionTimestamp")) {
            return;
        }
        ObjectNode secret = found.get();
        ResourceType type = objects.resources().find("", "v1", "secrets").orElseThrow();
        String account = secret.path("metadata").path("annotations").path(NAME_ANNOTATION).asText("");
        Optional<ObjectNode> sa = objects.store().get("serviceaccounts", namespace, account);
        String wantedUid = secret.path("metadata").path("annotations").path(UID_ANNOTATION).asText("");
        try {
            if (sa.isEmpty() || (!wantedUid.isEmpty() && !wantedUid.equals(Json.text(sa.get(), "metadata.uid")))) {
                objects.delete(type, namespace, name, DeleteOptions.defaults());
                return;
            }
            String uid = Json.text(sa.get(), "metadata.uid");
            ObjectNode data = secret.path("data").isObject() ? (ObjectNode) secret.get("data").deepCopy() : Json.object();
            boolean complete = data.has("token") && data.has("ca.crt") && data.has("namespace")
                    && wantedUid.equals(uid);
            if (complete) {
                return;
            }
            ObjectNode updated = secret.deepCopy();
            Json.child(Json.child(updated, "metadata"), "annotations").put(UID_ANNOTATION, uid);
            if (!data.has("token")) {
                data.put("token", b64(tokens.issueLegacy(namespace, name, new ServiceAccountTokens.Ref(account, uid))));
            }
            data.put("ca.crt", b64(caPem));
            data.put("namespace", b64(namespace));
            updated.set("data", data);
            objects.update(type, namespace, name, updated, "", false);
        } catch (ApiError.NotFound | ApiError.Conflict e) {
            // changed meanwhile: its next event settles it
        }
    }

    /** Deletes the token Secrets of an account that was deleted. */
    void accountDeleted(String namespace, String account) {
        ResourceType type = objects.resources().find("", "v1", "secrets").orElseThrow();
        for (ObjectNode s : objects.store().list("secrets", namespace).items()) {
            if (Json.text(s, "type").equals(TYPE)
                    && s.path("metadata").path("annotations").path(NAME_ANNOTATION).asText("").equals(account)) {
                try {
                    objects.delete(type, namespace, Json.name(s), DeleteOptions.defaults());
                } catch (ApiError.NotFound e) {
                    // gone already
                }
            }
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
