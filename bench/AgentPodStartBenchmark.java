import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Pod start latency on {@code j8s agent} nodes (joined to an upstream kube-apiserver, or to a {@code j8s server})
 * beside an embedded node, in one run: pods with {@code nodeName} set (no scheduler on the way) are created one after
 * another on each target, alternating, and the latency is from the create request to {@code status.phase: Running}
 * seen on a watch of the namespace; every target's p50 is given as a ratio to the {@code --baseline} target's
 * (default {@code embedded}, else the last). Run from the repository root with
 * the j8s jar on the class path (for the fabric8 client):
 *
 * <pre>
 * java -cp j8s/target/j8s.jar bench/AgentPodStartBenchmark.java --image REF \
 *     --target agent=ADMIN_KUBECONFIG:NODE --target embedded=KUBECONFIG:NODE [--target ...] [--baseline LABEL]
 *     [--warmup 10] [--repeat 20]
 * </pre>
 */
public final class AgentPodStartBenchmark {

    record Target(String label, KubernetesClient client, String node, String namespace,
                  Map<String, CompletableFuture<Long>> running) {}

    public static void main(String[] args) throws Exception {
        String image = option(args, "--image", "");
        int warmup = Integer.parseInt(option(args, "--warmup", "10"));
        int repeat = Integer.parseInt(option(args, "--repeat", "20"));
        if (image.isEmpty()) {
            System.err.println("usage: java -cp j8s/target/j8s.jar bench/AgentPodStartBenchmark.java --image REF"
                    + " --target LABEL=KUBECONFIG:NODE... [--baseline LABEL] [--warmup 10] [--repeat 20]");
            System.exit(2);
        }
        String id = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--target")) {
                String spec = args[i + 1];
                String label = spec.substring(0, spec.indexOf('='));
                String file = spec.substring(spec.indexOf('=') + 1, spec.lastIndexOf(':'));
                String node = spec.substring(spec.lastIndexOf(':') + 1);
                Config config = Config.fromKubeconfig(Files.readString(Path.of(file)));
                String host = java.net.URI.create(config.getMasterUrl()).getHost();
                if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
                    throw new IllegalArgumentException("refusing to benchmark a server that is not on loopback: " + host);
                }
                KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                targets.add(new Target(label, client, node, "aps-" + id + "-" + label.toLowerCase(Locale.ROOT),
                        new ConcurrentHashMap<>()));
            }
        }
        System.out.printf(Locale.ROOT, "image %s, %d cores, warm-up %d and %d measured pods per target, alternating%n",
                image, Runtime.getRuntime().availableProcessors(), warmup, repeat);
        List<io.fabric8.kubernetes.client.Watch> watches = new ArrayList<>();
        try {
            for (Target t : targets) {
                prepare(t);
                watches.add(watch(t));
            }
            long[][] latencies = new long[targets.size()][repeat];
            for (int i = 0; i < warmup + repeat; i++) {
                for (int k = 0; k < targets.size(); k++) {
                    Target t = targets.get(k);
                    long nanos = start(t, "p" + i, image);
                    if (i >= warmup) {
                        latencies[k][i - warmup] = nanos;
                    }
                }
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "%-48s %5s %9s %9s %9s%n", "pod start (create -> Running on watch)", "n",
                    "p50 ms", "p99 ms", "max ms");
            for (int k = 0; k < targets.size(); k++) {
                Target t = targets.get(k);
                row(t.label() + " (node " + t.node() + ", " + t.client().getMasterUrl().getPort() + ")", latencies[k]);
            }
            int base = baseline(targets, option(args, "--baseline", "embedded"));
            for (int k = 0; k < targets.size(); k++) {
                if (k != base) {
                    System.out.printf(Locale.ROOT, "ratio %s p50 / %s p50: %.2f%n", targets.get(k).label(),
                            targets.get(base).label(), percentile(latencies[k], 50) / percentile(latencies[base], 50));
                }
            }
        } finally {
            watches.forEach(io.fabric8.kubernetes.client.Watch::close);
            for (Target t : targets) {
                try {
                    t.client().pods().inNamespace(t.namespace()).withGracePeriod(0).delete();
                    t.client().namespaces().withName(t.namespace()).delete();
                } catch (KubernetesClientException e) {
                    System.err.println("cleanup of " + t.namespace() + " failed: " + e.getMessage());
                }
                t.client().close();
            }
        }
    }

    /** The index of the target labelled {@code label}, the peer of every ratio; the last target when none is. */
    static int baseline(List<Target> targets, String label) {
        for (int k = 0; k < targets.size(); k++) {
            if (targets.get(k).label().equals(label)) {
                return k;
            }
        }
        return targets.size() - 1;
    }

    /** The namespace and its default service account (a cluster without a controller manager makes none). */
    static void prepare(Target t) throws InterruptedException {
        t.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(t.namespace())
                .endMetadata().build()).create();
        for (int i = 0; i < 50; i++) {
            if (t.client().serviceAccounts().inNamespace(t.namespace()).withName("default").get() != null) {
                return;
            }
            if (i == 10) {
                try {
                    t.client().serviceAccounts().inNamespace(t.namespace()).resource(new ServiceAccountBuilder()
                            .withNewMetadata().withName("default").endMetadata().build()).create();
                    return;
                } catch (KubernetesClientException e) {
                    // made meanwhile
                }
            }
            Thread.sleep(100);
        }
    }

    static io.fabric8.kubernetes.client.Watch watch(Target t) {
        return t.client().pods().inNamespace(t.namespace()).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase())) {
                    t.running().computeIfAbsent(pod.getMetadata().getName(), k -> new CompletableFuture<>())
                            .complete(System.nanoTime());
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    /** Creates a pod bound to the target's node, waits until it is seen Running, deletes it; the latency in ns. */
    static long start(Target t, String name, String image) throws Exception {
        CompletableFuture<Long> seen = t.running().computeIfAbsent(name, k -> new CompletableFuture<>());
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(t.namespace()).endMetadata()
                .withNewSpec().withNodeName(t.node()).withAutomountServiceAccountToken(false)
                .withTerminationGracePeriodSeconds(0L).withDnsPolicy("Default")
                .addNewContainer().withName("main").withImage(image).withImagePullPolicy("IfNotPresent")
                .withCommand("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done").endContainer()
                .endSpec().build();
        long sent = System.nanoTime();
        t.client().pods().inNamespace(t.namespace()).resource(pod).create();
        long at = seen.get(120, TimeUnit.SECONDS);
        t.client().pods().inNamespace(t.namespace()).withName(name).withGracePeriod(0).delete();
        t.client().pods().inNamespace(t.namespace()).withName(name).waitUntilCondition(p -> p == null, 60,
                TimeUnit.SECONDS);
        return at - sent;
    }

    static String option(String[] args, String name, String fallback) {
        int i = Arrays.asList(args).indexOf(name);
        return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
    }

    static double percentile(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    static void row(String name, long[] nanos) {
        System.out.printf(Locale.ROOT, "%-48s %5d %9.1f %9.1f %9.1f%n", name, nanos.length, percentile(nanos, 50),
                percentile(nanos, 99), percentile(nanos, 100));
    }
}
