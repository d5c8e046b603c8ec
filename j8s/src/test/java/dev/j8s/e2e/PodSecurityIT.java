package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pod Security admission with the real kubectl: the {@code pod-security.kubernetes.io} namespace labels refuse
 * (enforce) or warn about (warn) pods with upstream's messages, kubectl prints the warnings it gets as headers, a
 * wrong label is refused, a stricter enforce label names the pods already there, and {@code --pod-security-defaults}
 * sets the levels of unlabelled namespaces (by default enforce privileged and warn baseline).
 */
class PodSecurityIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("pod-security-node");

    /** A privileged pod; its image is never pulled in time to matter (nothing listens on port 1). */
    static String privilegedPod(String namespace, String name) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  containers:
                  - name: app
                    image: 127.0.0.1:1/none:1
                    securityContext:
                      privileged: true
                """.formatted(name, namespace);
    }

    static final String PRIVILEGED_DETAIL =
            "privileged (container \"app\" must not set securityContext.privileged=true)";

    @Test
    void aPrivilegedPodInANamespaceEnforcingBaselineIsRefusedWithUpstreamsMessage() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "namespace", "locked").ok();
        kubectl.run("label", "namespace", "locked", "pod-security.kubernetes.io/enforce=baseline").ok();

        Kubectl.Result refused = kubectl.runWithStdin(privilegedPod("locked", "priv"), "apply", "-f", "-").failed();

        assertThat(refused.stderr().strip()).isEqualTo("Error from server (Forbidden): error when creating \"STDIN\":"
                + " pods \"priv\" is forbidden: violates PodSecurity \"baseline:latest\": " + PRIVILEGED_DETAIL);
        assertThat(kubectl.run("get", "pods", "-n", "locked", "-o", "name").ok().stdout()).isEmpty();
    }

    @Test
    void anUnlabelledNamespaceWarnsBaselineAndKubectlShowsTheWarning() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "namespace", "open").ok();

        Kubectl.Result created = kubectl.runWithStdin(privilegedPod("open", "priv"), "apply", "-f", "-").ok();

        assertThat(created.stderr().strip()).isEqualTo("Warning: would violate PodSecurity \"baseline:latest\": "
                + PRIVILEGED_DETAIL);
        assertThat(created.stdout()).contains("pod/priv created");
        kubectl.run("delete", "namespace", "open", "--wait=false").ok();
    }

    @Test
    void aStricterEnforceLabelNamesThePodsItWouldRefuseAndAWrongLabelIsInvalid() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "namespace", "later").ok();
        kubectl.runWithStdin(privilegedPod("later", "old-priv"), "apply", "-f", "-").ok();

        Kubectl.Result labelled = kubectl.run("label", "namespace", "later",
                "pod-security.kubernetes.io/enforce=baseline").ok();
        assertThat(labelled.stderr().lines().toList()).containsExactly(
                "Warning: existing pods in namespace \"later\" violate the new PodSecurity enforce level"
                        + " \"baseline:latest\"",
                "Warning: old-priv: privileged");

        // kubectl prints upstream's Status (reason Invalid, no causes) as the name alone; the message is in the body
        Kubectl.Result wrong = kubectl.run("label", "namespace", "later", "--overwrite",
                "pod-security.kubernetes.io/enforce=strict").failed();
        assertThat(wrong.stderr().strip()).isEqualTo("The namespaces \"later\" is invalid");
        ApiClient.Response status = SERVERS.server().api().send("PATCH", "/api/v1/namespaces/later",
                "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"pod-security.kubernetes.io/enforce\":\"strict\"}}}".getBytes(
                        java.nio.charset.StandardCharsets.UTF_8));
        assertThat(status.status()).isEqualTo(422);
        assertThat(status.json().path("reason").asText()).isEqualTo("Invalid");
        assertThat(status.json().path("message").asText()).isEqualTo("metadata.labels[pod-security.kubernetes.io/"
                + "enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted");
        assertThat(kubectl.run("get", "namespace", "later", "-o",
                "jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}").ok().stdout()).isEqualTo("baseline");
        kubectl.run("delete", "namespace", "later", "--wait=false").ok();
    }

    @Test
    void theDefaultsFlagSetsTheLevelsOfUnlabelledNamespaces() {
        J8sServer strict = SERVERS.startServer("pod-security-node-2",
                dataDir -> List.of("--pod-security-defaults=enforce=baseline,warn=restricted"));
        Kubectl kubectl = Kubectl.dispatcher(strict.kubeconfig(), SERVERS.home());

        assertThat(kubectl.runWithStdin(privilegedPod("default", "priv"), "apply", "-f", "-").failed().stderr())
                .contains("pods \"priv\" is forbidden: violates PodSecurity \"baseline:latest\": " + PRIVILEGED_DETAIL);
        assertThat(kubectl.run("label", "namespace", "default", "pod-security.kubernetes.io/enforce=privileged").ok()
                .stderr()).isEmpty();
        Kubectl.Result created = kubectl.runWithStdin(privilegedPod("default", "priv"), "apply", "-f", "-").ok();
        assertThat(created.stderr()).contains("Warning: would violate PodSecurity \"restricted:latest\": "
                + PRIVILEGED_DETAIL + ", allowPrivilegeEscalation != false");
        kubectl.run("delete", "pod", "priv", "--grace-period=0", "--force").ok();
    }
}
