import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.Cluster;
import dev.j8s.apiserver.ApiCore;
import dev.j8s.apiserver.ApiServerConfig;
import dev.j8s.apiserver.admission.AdmissionOptions;
import dev.j8s.apiserver.authentication.ServiceAccountKeys;
import dev.j8s.apiserver.authentication.ServiceAccountTokens;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.controllers.Controllers;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.local.InProcessCluster;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.storage.SqliteStore;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * What authorizing the embedded kubelet's in-process calls costs: the calls a pod start makes (get a Secret its
 * pods mount, get a Pod, patch a pod's status, create an event) through {@code ApiCore.cluster(system:node:node1)}
 * (Node authorizer, NodeRestriction) next to the same calls through an unauthorized in-process cluster, over a
 * SQLite store in a temporary directory holding P pods bound to the node, each mounting its own Secret. No server,
 * no network; run from the repository root after {@code mvn package}:
 *
 * <pre>java -cp j8s/target/j8s.jar bench/KubeletCallsBenchmark.java [--pods 200] [--calls 20000] [--rounds 5]</pre>
 */
public final class KubeletCallsBenchmark {

    public static void main(String[] args) throws Exception {
        int pods = option(args, "--pods", 200);
        int calls = option(args, "--calls", 20000);
        int rounds = option(args, "--rounds", 5);
        Path dir = Files.createTempDirectory("j8s-kubelet-calls-");
        try (SqliteStore store = SqliteStore.open(dir.resolve("state.db"));
             ApiCore core = ApiCore.over(store, "bench-token", "10.96.0.0/12", Set.of(), AdmissionOptions.DEFAULT,
                     new ApiServerConfig.Identity(Optional.empty(), "", ServiceAccountKeys.generateEc(),
                             ServiceAccountTokens.DEFAULT_ISSUER, ApiServerConfig.Identity.DEFAULT_AUTHORIZATION_MODES),
                     Clock.systemUTC());
             Controllers controllers = new Controllers(core.objects(), "node1", "10.96.0.1", 6443, "", core.tokens())) {
            controllers.bootstrap();
            ObjectService objects = core.objects();
            List<String> uids = new ArrayList<>();
            for (int i = 0; i < pods; i++) {
                objects.create(type(objects, "secrets"), "default", json("{'apiVersion':'v1','kind':'Secret',"
                        + "'metadata':{'name':'s" + i + "'}}"), false);
                ObjectNode pod = objects.create(type(objects, "pods"), "default", json("{'apiVersion':'v1','kind':'Pod',"
                        + "'metadata':{'name':'p" + i + "'},'spec':{'nodeName':'node1','automountServiceAccountToken':false,"
                        + "'volumes':[{'name':'s','secret':{'secretName':'s" + i + "'}}],"
                        + "'containers':[{'name':'c','image':'i'}]}}"), false);
                uids.add(pod.at("/metadata/uid").asText());
            }
            Cluster authorized = core.cluster(UserInfo.node("node1"));
            Cluster unchecked = InProcessCluster.of(objects);
            System.out.printf(Locale.ROOT, "%d pods on node1, %d calls per operation and round, %d rounds, %d cores%n",
                    pods, calls, rounds, Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "%-34s %14s %14s %8s%n", "operation (median of rounds)", "node µs/call",
                    "unchecked µs", "ratio");
            measure("get a mounted Secret", calls, rounds, pods,
                    i -> authorized.secret("default", "s" + i), i -> unchecked.secret("default", "s" + i));
            measure("get a Pod of the node", calls, rounds, pods,
                    i -> authorized.pod("default", "p" + i), i -> unchecked.pod("default", "p" + i));
            measure("patch a Pod's status", calls / 10, rounds, pods,
                    i -> authorized.updatePodStatus("default", "p" + i, uids.get(i),
                            new PodStatusBuilder().withPhase(i % 2 == 0 ? "Running" : "Pending").build()),
                    i -> unchecked.updatePodStatus("default", "p" + i, uids.get(i),
                            new PodStatusBuilder().withPhase(i % 2 == 0 ? "Pending" : "Running").build()));
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void measure(String what, int calls, int rounds, int pods, IntConsumer node, IntConsumer unchecked) {
        double[] a = new double[rounds];
        double[] b = new double[rounds];
        for (int r = -1; r < rounds; r++) { // round -1 warms both paths up; the order alternates between rounds
            boolean nodeFirst = r % 2 == 0;
            long first = time(nodeFirst ? node : unchecked, calls, pods);
            long second = time(nodeFirst ? unchecked : node, calls, pods);
            if (r >= 0) {
                a[r] = (nodeFirst ? first : second) / 1000.0 / calls;
                b[r] = (nodeFirst ? second : first) / 1000.0 / calls;
            }
        }
        Arrays.sort(a);
        Arrays.sort(b);
        double ma = a[rounds / 2];
        double mb = b[rounds / 2];
        System.out.printf(Locale.ROOT, "%-34s %14.1f %14.1f %8.2f%n", what, ma, mb, ma / mb);
    }

    private static long time(IntConsumer call, int calls, int pods) {
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            call.accept(i % pods);
        }
        return System.nanoTime() - t0;
    }

    private static dev.j8s.apiserver.registry.ResourceType type(ObjectService objects, String plural) {
        return objects.resources().find("", "v1", plural).orElseThrow();
    }

    private static ObjectNode json(String compact) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(compact.replace('\'', '"'));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static int option(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
