package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a pod gets of its service account through the real kubectl and busybox: the {@code kube-api-access} volume
 * mounted read-only with the namespace, the cluster CA and a token bound to the pod (a year long, stale after
 * 3607 s) that the host's kubectl can use within the account's binding until the pod is deleted (then 401);
 * {@code automountServiceAccountToken} on the account and the pod; the token file's mode and owner for a pod
 * with a {@code runAsUser} or an {@code fsGroup}.
 */
class PodIdentityIT {

    private static final String MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("pod-identity-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    private static Path pod(String name, String serviceAccount, String extra) {
        return SERVERS.file(name + ".yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                spec:
                  serviceAccountName: %s
                  terminationGracePeriodSeconds: 1
                %s
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "echo started; sleep 3600"]
                """.formatted(name, serviceAccount, extra, REGISTRY.image("1.0")));
    }

    private static void awaitStarted(Kubectl kubectl, String pod) {
        VolumesIT.awaitLogs(kubectl, pod, "main", "started");
    }

    @Test
    void aPodsTokenIsBoundToItAndServesTheHostsKubectlUntilThePodIsDeleted() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "serviceaccount", "viewer").ok();
        kubectl.run("create", "rolebinding", "viewer-view", "--clusterrole=view", "--serviceaccount=default:viewer").ok();
        kubectl.run("apply", "-f", pod("bound", "viewer", "").toString()).ok();
        awaitStarted(kubectl, "bound");

        assertThat(kubectl.run("exec", "bound", "--", "cat", MOUNT + "/namespace").ok().stdout()).isEqualTo("default");
        assertThat(kubectl.run("exec", "bound", "--", "cat", MOUNT + "/ca.crt").ok().stdout())
                .startsWith("-----BEGIN CERTIFICATE-----");
        String listing = kubectl.run("exec", "bound", "--", "busybox", "ls", "-la", MOUNT).ok().stdout();
        assertThat(listing).contains("..data ->").contains("token -> ..data/token");
        assertThat(kubectl.run("exec", "bound", "--", "sh", "-c", "echo x > " + MOUNT + "/token").exitCode())
                .as("the token volume is read-only").isNotZero();
        String describe = kubectl.run("describe", "pod", "bound").ok().stdout();
        assertThat(describe).containsPattern(MOUNT + " from kube-api-access-[a-z0-9]{5} \\(ro\\)")
                .contains("Type:                    Projected (a volume that contains injected data from multiple sources)")
                .contains("TokenExpirationSeconds:  3607").contains("ConfigMapName:           kube-root-ca.crt")
                .contains("DownwardAPI:             true");

        String token = kubectl.run("exec", "bound", "--", "cat", MOUNT + "/token").ok().stdout();
        JsonNode claims = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        long iat = claims.path("iat").asLong();
        assertThat(claims.at("/kubernetes.io/pod/name").asText()).isEqualTo("bound");
        assertThat(claims.at("/kubernetes.io/node/name").asText()).isEqualTo("pod-identity-node");
        assertThat(claims.path("exp").asLong() - iat).isEqualTo(365L * 24 * 3600);
        assertThat(claims.at("/kubernetes.io/warnafter").asLong() - iat).isEqualTo(3607);

        assertThat(kubectl.run("--token=" + token, "get", "pods", "-o", "name").ok().stdout()).contains("pod/bound");
        assertThat(kubectl.run("--token=" + token, "delete", "pod", "bound").failed().stderr())
                .contains("pods \"bound\" is forbidden: User \"system:serviceaccount:default:viewer\" cannot delete"
                        + " resource \"pods\" in API group \"\" in the namespace \"default\"");

        kubectl.run("delete", "pod", "bound", "--wait=true").ok();
        assertThat(kubectl.run("--token=" + token, "get", "pods").failed().stderr())
                .contains("error: You must be logged in to the server (Unauthorized)");
    }

    @Test
    void automountIsTheAccountsChoiceUnlessThePodMakesIt() {
        Kubectl kubectl = SERVERS.kubectl();
        SERVERS.kubectl().runWithStdin("""
                apiVersion: v1
                kind: ServiceAccount
                metadata:
                  name: quiet
                automountServiceAccountToken: false
                """, "apply", "-f", "-").ok();
        kubectl.run("apply", "-f", pod("quiet", "quiet", "").toString()).ok();
        kubectl.run("apply", "-f", pod("loud", "quiet", "  automountServiceAccountToken: true").toString()).ok();
        awaitStarted(kubectl, "quiet");
        awaitStarted(kubectl, "loud");

        assertThat(kubectl.run("get", "pod", "quiet", "-o", "jsonpath={.spec.volumes}").ok().stdout()).isEmpty();
        assertThat(kubectl.run("exec", "quiet", "--", "sh", "-c", "test -e " + MOUNT).exitCode()).isNotZero();
        assertThat(kubectl.run("exec", "loud", "--", "cat", MOUNT + "/namespace").ok().stdout()).isEqualTo("default");
        kubectl.run("delete", "pod", "quiet", "loud").ok();
    }

    @Test
    void theTokenFileBelongsToTheContainersUserOrGroup() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("apply", "-f", pod("user", "default", "  securityContext:\n    runAsUser: 1000").toString()).ok();
        kubectl.run("apply", "-f", pod("group", "default", "  securityContext:\n    fsGroup: 2000").toString()).ok();
        awaitStarted(kubectl, "user");
        awaitStarted(kubectl, "group");

        assertThat(kubectl.run("exec", "user", "--", "busybox", "stat", "-L", "-c", "%a %u", MOUNT + "/token").ok()
                .stdout().strip()).isEqualTo("600 1000");
        assertThat(kubectl.run("exec", "user", "--", "cat", MOUNT + "/token").ok().stdout()).startsWith("ey");
        assertThat(kubectl.run("exec", "group", "--", "busybox", "stat", "-L", "-c", "%a %u %g", MOUNT + "/token").ok()
                .stdout().strip()).isEqualTo("640 0 2000");
        assertThat(kubectl.run("exec", "group", "--", "busybox", "stat", "-L", "-c", "%a", MOUNT + "/namespace").ok()
                .stdout().strip()).isEqualTo("644");
        kubectl.run("delete", "pod", "user", "group").ok();
    }

    @Test
    void aPodOfAServiceAccountThatDoesNotExistIsRefused() {
        Kubectl kubectl = SERVERS.kubectl();
        assertThat(kubectl.run("apply", "-f", pod("orphan", "missing", "").toString()).failed().stderr())
                .contains("pods \"orphan\" is forbidden: error looking up service account default/missing:"
                        + " serviceaccount \"missing\" not found");
        Await.until(Duration.ofSeconds(5), "nothing was created",
                () -> kubectl.run("get", "pods", "-o", "name").ok().stdout(), out -> !out.contains("orphan"));
    }
}
