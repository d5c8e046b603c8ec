package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two servers side by side, each with its own data directory, port, CA and token, share nothing. */
class TwoServersIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.perTest();

    @Test
    void objectsCreatedInOneServerAreAbsentFromTheOther() {
        J8sServer a = SERVERS.startServer("node-a");
        J8sServer b = SERVERS.startServer("node-b");
        Kubectl kubectlA = Kubectl.dispatcher(a.kubeconfig(), SERVERS.home());
        Kubectl kubectlB = Kubectl.dispatcher(b.kubeconfig(), SERVERS.home());

        assertThat(a.access().port()).isNotEqualTo(b.access().port());
        assertThat(a.access().token()).isNotEqualTo(b.access().token());
        assertThat(kubectlA.run("create", "configmap", "only-in-a", "--from-literal=k=a").ok().stdout())
                .isEqualTo("configmap/only-in-a created\n");
        assertThat(kubectlB.run("create", "configmap", "only-in-b", "--from-literal=k=b").ok().stdout())
                .isEqualTo("configmap/only-in-b created\n");

        assertThat(kubectlB.run("get", "configmap", "only-in-a").failed().stderr())
                .isEqualTo("Error from server (NotFound): configmaps \"only-in-a\" not found\n");
        assertThat(kubectlA.run("get", "configmap", "only-in-b").failed().stderr())
                .isEqualTo("Error from server (NotFound): configmaps \"only-in-b\" not found\n");
        assertThat(kubectlA.run("get", "configmap", "only-in-a", "-o", "jsonpath={.data.k}").ok().stdout()).isEqualTo("a");
        assertThat(kubectlA.run("get", "nodes", "-o", "name").ok().stdout()).isEqualTo("node/node-a\n");
        assertThat(kubectlB.run("get", "nodes", "-o", "name").ok().stdout()).isEqualTo("node/node-b\n");
        ApiClient aTokenOnB = ApiClient.of(new ClusterAccess(b.access().server(), b.access().caPem(), a.access().token()));
        assertThat(aTokenOnB.get("/api/v1/namespaces/default/configmaps").status()).isEqualTo(401);
    }
}
