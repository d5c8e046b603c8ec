package dev.j8s.kubelet.credentials;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Shared fixtures: secret values every test uses (and the leak test greps for), pods, secrets, scripts. */
final class TestSecrets {
    static final String SECRET_PASS = "pod-secret-pa55:word";
    static final String SECRET_PASS_2 = "second-secret-pa55";
    static final String NODE_PASS = "node-file-pa55";
    static final String NODE_TOKEN = "node-identity-tok3n";
    static final String HELPER_PASS = "helper-pass-s3cr3t";
    static final String HELPER_TOKEN = "helper-identity-token-s3cr3t";
    static final String PLUGIN_PASS = "plugin-pa55-value";
    static final String GCR_TOKEN = "ya29.gcr-access-tok3n";

    /** Every secret value above plus their base64 auth forms, for the leak checks. */
    static final List<String> ALL = List.of(SECRET_PASS, SECRET_PASS_2, NODE_PASS, NODE_TOKEN, HELPER_PASS,
            HELPER_TOKEN, PLUGIN_PASS, GCR_TOKEN, auth("alice", SECRET_PASS), auth("bob", SECRET_PASS_2),
            auth("node", NODE_PASS));

    /** Every string the tests saw produced (messages, toString, events, explain output). */
    static final List<String> PRODUCED = new CopyOnWriteArrayList<>();

    private TestSecrets() {}

    static String auth(String user, String pass) {
        return Base64.getEncoder().encodeToString((user + ":" + pass).getBytes(StandardCharsets.UTF_8));
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String produced(String s) {
        PRODUCED.add(s);
        return s;
    }

    static Secret dockerConfigJson(String name, String uid, String json) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace("team-a").withUid(uid).endMetadata()
                .withType(PodCredentials.TYPE_DOCKER_CONFIG_JSON).withData(Map.of(".dockerconfigjson", b64(json)))
                .build();
    }

    static Secret secret(String name, String type, String key, String content) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace("team-a").withUid("uid-" + name)
                .endMetadata().withType(type).withData(Map.of(key, b64(content))).build();
    }

    static Pod pod(String namespace, String... pullSecrets) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName("app").withNamespace(namespace).withUid("pod-uid")
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("registry.example.com/team/app:1")
                .endContainer().endSpec();
        for (String s : pullSecrets) {
            b.editSpec().addNewImagePullSecret(s).endSpec();
        }
        return b.build();
    }

    /** An in-memory secret store keyed by namespace/name. */
    static final class Secrets implements SecretSource {
        final Map<String, Secret> byKey = new HashMap<>();

        Secrets put(String namespace, Secret s) {
            byKey.put(namespace + "/" + s.getMetadata().getName(), s);
            return this;
        }

        @Override
        public Optional<Secret> get(String namespace, String name) {
            return Optional.ofNullable(byKey.get(namespace + "/" + name));
        }
    }

    /** Copies a test script from the resources into {@code dir} as an executable named {@code name}. */
    static Path script(String resource, Path dir, String name) throws IOException {
        Path target = dir.resolve(name);
        try (InputStream in = TestSecrets.class.getResourceAsStream("/credentials/" + resource)) {
            Files.copy(in, target);
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        return target;
    }
}
