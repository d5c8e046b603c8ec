package dev.j8s.apiserver.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.DeleteOptions;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.testing.LocalCore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bootstrap RBAC policy, ClusterRole aggregation, the root CA publisher and legacy token Secrets. */
class IdentityControllersTest {

    private static final String RBAC = "rbac.authorization.k8s.io";

    @TempDir
    Path dir;

    private LocalCore local;
    private ObjectService objects;

    @BeforeEach
    void setUp() {
        local = LocalCore.open(dir, true);
        objects = local.core().objects();
    }

    @AfterEach
    void tearDown() {
        local.close();
    }

    private ResourceType type(String group, String plural) {
        return objects.resources().find(group, "v1", plural).orElseThrow();
    }

    private static ObjectNode json(String compact) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(compact.replace('\'', '"'));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static <T> T await(Supplier<Optional<T>> condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            Optional<T> v = condition.get();
            if (v.isPresent()) {
                return v.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not met within 10 s");
    }

    @Test
    void theAggregatedRolesHoldTheirPartsAndANewlyLabelledRoleJoinsViewEditAndAdmin() throws Exception {
        JsonNode view = objects.store().get("clusterroles." + RBAC, "", "view").orElseThrow();
        assertThat(view.path("rules").toString()).contains("\"pods\"").doesNotContain("\"secrets\"");
        JsonNode admin = objects.store().get("clusterroles." + RBAC, "", "admin").orElseThrow();
        assertThat(admin.path("rules").toString()).contains("\"localsubjectaccessreviews\"", "\"secrets\"", "\"pods/log\"");

        objects.create(type(RBAC, "clusterroles"), "", json("{'apiVersion':'rbac.authorization.k8s.io/v1',"
                + "'kind':'ClusterRole','metadata':{'name':'widgets-view','labels':{'" + "rbac.authorization.k8s.io/"
                + "aggregate-to-view':'true'}},'rules':[{'verbs':['get'],'apiGroups':['example.com'],"
                + "'resources':['widgets']}]}"), false);

        for (String role : new String[] {"view", "edit", "admin"}) {
            await(() -> objects.store().get("clusterroles." + RBAC, "", role)
                    .filter(r -> r.path("rules").toString().contains("\"widgets\"")));
        }
    }

    @Test
    void bootstrapRestoresMissingRulesAndSubjectsButLeavesOptedOutRoles() {
        ObjectNode basic = objects.store().get("clusterroles." + RBAC, "", "system:basic-user").orElseThrow();
        basic.putArray("rules");
        objects.update(type(RBAC, "clusterroles"), "", "system:basic-user", basic, "", false);
        ObjectNode discovery = objects.store().get("clusterrolebindings." + RBAC, "", "system:discovery").orElseThrow();
        discovery.remove("subjects");
        objects.update(type(RBAC, "clusterrolebindings"), "", "system:discovery", discovery, "", false);
        ObjectNode monitoring = objects.store().get("clusterroles." + RBAC, "", "system:monitoring").orElseThrow();
        ((ObjectNode) monitoring.at("/metadata/annotations")).put("rbac.authorization.kubernetes.io/autoupdate", "false");
        monitoring.putArray("rules");
        objects.update(type(RBAC, "clusterroles"), "", "system:monitoring", monitoring, "", false);

        new RbacBootstrap(objects).reconcile();

        assertThat(objects.store().get("clusterroles." + RBAC, "", "system:basic-user").orElseThrow()
                .path("rules").toString()).contains("selfsubjectreviews");
        assertThat(objects.store().get("clusterrolebindings." + RBAC, "", "system:discovery").orElseThrow()
                .path("subjects").toString()).contains("system:authenticated");
        assertThat(objects.store().get("clusterroles." + RBAC, "", "system:monitoring").orElseThrow()
                .path("rules").size()).isZero();
        long before = objects.store().revision();
        new RbacBootstrap(objects).reconcile();
        assertThat(objects.store().revision()).isEqualTo(before);
    }

    @Test
    void everyNamespaceGetsTheRootCaWhichComesBackWhenDeletedOrEdited() throws Exception {
        objects.create(type("", "namespaces"), "", json("{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'team'}}"), false);
        ObjectNode cm = await(() -> objects.store().get("configmaps", "team", "kube-root-ca.crt"));
        assertThat(cm.at("/data/ca.crt").asText()).isEqualTo(LocalCore.CA_PEM);
        assertThat(cm.at("/metadata/annotations/kubernetes.io~1description").asText()).startsWith(
                "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints");

        ObjectNode edited = cm.deepCopy();
        ((ObjectNode) edited.get("data")).put("ca.crt", "tampered");
        objects.update(type("", "configmaps"), "team", "kube-root-ca.crt", edited, "", false);
        await(() -> objects.store().get("configmaps", "team", "kube-root-ca.crt")
                .filter(c -> c.at("/data/ca.crt").asText().equals(LocalCore.CA_PEM)));
        objects.delete(type("", "configmaps"), "team", "kube-root-ca.crt", DeleteOptions.defaults());
        await(() -> objects.store().get("configmaps", "team", "kube-root-ca.crt"));
    }

    @Test
    void aServiceAccountTokenSecretIsFilledAndGoesWithItsAccount() throws Exception {
        objects.create(type("", "serviceaccounts"), "default", json("{'apiVersion':'v1','kind':'ServiceAccount',"
                + "'metadata':{'name':'legacy'}}"), false);
        objects.create(type("", "secrets"), "default", json("{'apiVersion':'v1','kind':'Secret','metadata':{'name':"
                + "'legacy-token','annotations':{'kubernetes.io/service-account.name':'legacy'}},"
                + "'type':'kubernetes.io/service-account-token'}"), false);

        ObjectNode secret = await(() -> objects.store().get("secrets", "default", "legacy-token")
                .filter(s -> s.at("/data/token").isTextual()));
        String token = new String(Base64.getDecoder().decode(secret.at("/data/token").asText()));
        assertThat(local.core().access().authenticator().tokenUser(token).orElseThrow().name())
                .isEqualTo("system:serviceaccount:default:legacy");
        assertThat(new String(Base64.getDecoder().decode(secret.at("/data/namespace").asText()))).isEqualTo("default");
        assertThat(secret.at("/metadata/annotations/kubernetes.io~1service-account.uid").asText()).isNotEmpty();

        objects.delete(type("", "serviceaccounts"), "default", "legacy", DeleteOptions.defaults());
        await(() -> objects.store().get("secrets", "default", "legacy-token").isEmpty() ? Optional.of(true) : Optional.empty());
        assertThat(local.core().access().authenticator().tokenUser(token)).isEmpty();
    }
}
