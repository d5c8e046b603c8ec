import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a user meets: a fresh {@code j8s server} (new data dir) from process start to ready, then one warm-up pod and
 * the first pods each timed from the create to {@code Ready} seen on a watch; with and without the JDK's
 * ahead-of-time cache, and next to {@code podman kube play} of the same pod in the same run. Source-launch from the
 * repository root (reuses {@code ApiBenchmark.java} and {@code PodStartBenchmark.java}); needs root, podman and the
 * pod start benchmark's image:
 *
 * <pre>java bench/FirstPodsBenchmark.java --image REF [--jar j8s/target/j8s.jar] [--rounds 3] [--pods 5]
 *     [--before-jar JAR] [--without-pool]</pre>
 *
 * <p>The cache is made first, unmeasured, as {@code bin/j8s} makes it: one server run recording
 * ({@code -XX:AOTMode=record}) the same workload, then {@code -XX:AOTMode=create}. Each round starts one server per
 * variant, alternating which goes first, on its own fresh data dir; each server pulls the image with its warm-up pod
 * and is reset afterwards. Podman runs with its own storage under the work dir (its default kube network,
 * 10.89.0.0/24, removed at the end if this run made it). {@code --before-jar} adds a third variant, another build
 * (e.g. the one before a change) with the same launcher settings and without the cache, measured in the same rounds
 * and compared with this build without the cache; {@code --without-pool} adds the
 * jar with the cache and no network namespaces made ahead ({@code -Dj8s.networkPool=0}). Not thread-safe; one run at
 * a time.
 */
public final class FirstPodsBenchmark {

    static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    static final List<String> JVM = List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
            "-Xlog:aot*=off,cds*=off");
    /** The heap settings {@code bin/j8s} adds (to every variant: builds are compared with the same launch). */
    static final List<String> LAUNCHER = List.of("-XX:+UseSerialGC", "-Xms32m", "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=30");
    static final String KUBE_NETWORK = "podman-default-kube-network";

    private final Path jar;
    private final java.util.Optional<Path> beforeJar;
    private final boolean withoutPool;
    private final String image;
    private final Path work;
    private final String id;
    private int servers;

    FirstPodsBenchmark(Path jar, java.util.Optional<Path> beforeJar, boolean withoutPool, String image, Path work,
            String id) {
        this.jar = jar;
        this.beforeJar = beforeJar;
        this.withoutPool = withoutPool;
        this.image = image;
        this.work = work;
        this.id = id;
    }

    /** One fresh server's figures: process start to ready, the warm-up pod and the measured pods, create to Ready. */
    /** A build and the JVM options to start it with. */
    record Variant(Path jar, List<String> jvm) {}

    record ServerRun(long readyNanos, long warmupNanos, long[] pods) {}

    public static void main(String[] args) throws Exception {
        String image = PodStartBenchmark.option(args(args), "--image")
                .orElseThrow(() -> new IllegalArgumentException("--image is required"));
        Path jar = Path.of(PodStartBenchmark.option(args(args), "--jar").orElse("j8s/target/j8s.jar")).toAbsolutePath();
        int rounds = ApiBenchmark.intOption(args(args), "--rounds", 3);
        int pods = ApiBenchmark.intOption(args(args), "--pods", 5);
        String id = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        Path work = Files.createDirectory(Path.of("/tmp", "fp-" + id)); // short: podman's run root must be
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        java.util.Optional<Path> before = PodStartBenchmark.option(args(args), "--before-jar").map(p -> Path.of(p).toAbsolutePath());
        boolean withoutPool = Arrays.asList(args).contains("--without-pool");
        new FirstPodsBenchmark(jar, before, withoutPool, image, work, id).run(rounds, pods);
    }

    /** The options of {@link ApiBenchmark#intOption} start after a positional argument; there is none here. */
    private static String[] args(String[] args) {
        String[] shifted = new String[args.length + 1];
        shifted[0] = "";
        System.arraycopy(args, 0, shifted, 1, args.length);
        return shifted;
    }

    void run(int rounds, int pods) throws Exception {
        System.out.printf(Locale.ROOT, "j8s %s, image %s, %d cores, %d rounds, 1 warm-up pod + %d pods per server%n",
                jar, image, Runtime.getRuntime().availableProcessors(), rounds, pods);
        Path config = work.resolve("j8s.aotconf");
        Path cache = work.resolve("j8s.aot");
        try {
            long t0 = System.nanoTime();
            serverRun(new Variant(jar, with(LAUNCHER, "-XX:AOTMode=record", "-XX:AOTConfiguration=" + config)), pods);
            PodStartBenchmark.exec(command(jar, with(LAUNCHER, "-XX:AOTMode=create", "-XX:AOTConfiguration=" + config,
                    "-XX:AOTCache=" + cache), "version").toArray(String[]::new));
            System.out.printf(Locale.ROOT, "AOT cache recorded by one server run and made in %.1f s: %d MB%n",
                    (System.nanoTime() - t0) / 1e9, Files.size(cache) >> 20);
            measure(rounds, pods, cache);
        } finally {
            PodStartBenchmark.exec("rm", "-rf", work.toString());
        }
    }

    private void measure(int rounds, int pods, Path cache) throws Exception {
        Map<String, Variant> variants = new LinkedHashMap<>();
        beforeJar.ifPresent(b -> variants.put("before, no AOT cache", new Variant(b, LAUNCHER)));
        variants.put("no AOT cache", new Variant(jar, LAUNCHER));
        variants.put("AOT cache", new Variant(jar, with(LAUNCHER, "-XX:AOTCache=" + cache)));
        if (withoutPool) {
            variants.put("AOT cache, no pool", new Variant(jar, with(LAUNCHER, "-XX:AOTCache=" + cache,
                    "-Dj8s.networkPool=0")));
        }
        Map<String, List<ServerRun>> results = new LinkedHashMap<>();
        variants.keySet().forEach(v -> results.put(v, new ArrayList<>()));
        List<long[]> podman = new ArrayList<>();
        boolean madeNetwork = !podmanNetworks().contains(KUBE_NETWORK);
        try {
            podman("pull", "-q", "--tls-verify=false", image);
            for (int r = 0; r < rounds; r++) {
                List<String> order = new ArrayList<>(variants.keySet());
                if (r % 2 == 1) {
                    order = order.reversed();
                }
                for (String v : order) {
                    results.get(v).add(serverRun(variants.get(v), pods));
                }
                podman.add(podmanPods(pods, r));
            }
        } finally {
            podman("pod", "rm", "-f", "-a");
            if (madeNetwork && podmanNetworks().contains(KUBE_NETWORK)) {
                podman("network", "rm", KUBE_NETWORK);
            }
            podman("rmi", "-a", "-f"); // unmounts and removes this run's podman storage
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "%-44s %5s %9s %9s %9s%n", "fresh server (process start -> ready)", "n", "p50 ms",
                "p99 ms", "max ms");
        for (var e : results.entrySet()) {
            PodStartBenchmark.row("time to ready, " + e.getKey(), e.getValue().stream().mapToLong(ServerRun::readyNanos).toArray());
        }
        System.out.printf(Locale.ROOT, "%-44s %5s %9s %9s %9s%n", "pods (create -> Ready on watch)", "n", "p50 ms",
                "p99 ms", "max ms");
        for (var e : results.entrySet()) {
            PodStartBenchmark.row("warm-up pod (pulls), " + e.getKey(),
                    e.getValue().stream().mapToLong(ServerRun::warmupNanos).toArray());
        }
        for (var e : results.entrySet()) {
            PodStartBenchmark.row("first " + pods + " pods, " + e.getKey(),
                    e.getValue().stream().flatMapToLong(s -> Arrays.stream(s.pods())).toArray());
        }
        long[] peer = podman.stream().flatMapToLong(Arrays::stream).toArray();
        PodStartBenchmark.row("podman kube play, " + pods + " pods after 1", peer);
        for (var e : results.entrySet()) {
            System.out.printf(Locale.ROOT, "%-20s per round, first %d pods ms: %s%n", e.getKey(), pods,
                    e.getValue().stream().map(s -> Arrays.toString(Arrays.stream(s.pods()).map(n -> n / 1_000_000).toArray()))
                            .toList());
        }
        double peerP50 = PodStartBenchmark.percentile(peer, 50);
        for (var e : results.entrySet()) {
            double p50 = PodStartBenchmark.percentile(e.getValue().stream().flatMapToLong(s -> Arrays.stream(s.pods())).toArray(), 50);
            System.out.printf(Locale.ROOT, "ratio first pods p50 / podman kube play p50, %s: %.2f%n", e.getKey(), p50 / peerP50);
        }
        if (results.containsKey("before, no AOT cache")) {
            double before = PodStartBenchmark.percentile(results.get("before, no AOT cache").stream()
                    .flatMapToLong(s -> Arrays.stream(s.pods())).toArray(), 50);
            double after = PodStartBenchmark.percentile(results.get("no AOT cache").stream()
                    .flatMapToLong(s -> Arrays.stream(s.pods())).toArray(), 50);
            System.out.printf(Locale.ROOT, "ratio first pods p50, this build / the build before, no AOT cache: %.2f%n",
                    after / before);
        }
        double readyNone = PodStartBenchmark.percentile(results.get("no AOT cache").stream().mapToLong(ServerRun::readyNanos).toArray(), 50);
        double readyAot = PodStartBenchmark.percentile(results.get("AOT cache").stream().mapToLong(ServerRun::readyNanos).toArray(), 50);
        System.out.printf(Locale.ROOT, "ratio time to ready with / without the AOT cache: %.2f%n", readyAot / readyNone);
    }

    private static List<String> with(List<String> options, String... more) {
        List<String> all = new ArrayList<>(options);
        all.addAll(List.of(more));
        return all;
    }

    private static List<String> command(Path jar, List<String> jvm, String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA));
        command.addAll(JVM);
        command.addAll(jvm);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Starts a server with {@code jvm} options on a fresh data dir, times it to ready (its "kubeconfig:" line), runs
     * one warm-up pod and {@code pods} pods one after another (each deleted before the next), then stops it and
     * resets what it put on the machine.
     */
    ServerRun serverRun(Variant variant, int pods) throws Exception {
        int n = servers++;
        Path dataDir = work.resolve("data-" + n);
        Path out = work.resolve("server-" + n + ".out");
        List<String> command = command(variant.jar(), variant.jvm(), "server", "--data-dir", dataDir.toString(), "--listen", "127.0.0.1:0");
        long start = System.nanoTime();
        Process server = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(work.resolve("server-" + n + ".err").toFile()).start();
        try {
            long ready = awaitReady(server, out, start);
            ApiBenchmark.Access access = ApiBenchmark.readKubeconfig(dataDir.resolve("kubeconfig"));
            String ns = "ps-" + id + "s" + n;
            PodStartBenchmark bench = new PodStartBenchmark(access, ns, true);
            new ApiBenchmark(access).createNamespace(ns);
            Thread watch = bench.openWatch();
            try {
                long warmup = bench.startReady(PodStartBenchmark.name(id + "s" + n, "warm", 0), image, Duration.ofSeconds(120));
                bench.delete(PodStartBenchmark.name(id + "s" + n, "warm", 0));
                long[] times = new long[pods];
                for (int i = 0; i < pods; i++) {
                    String pod = PodStartBenchmark.name(id + "s" + n, "first", i);
                    times[i] = bench.startReady(pod, image, Duration.ofSeconds(60));
                    bench.delete(pod);
                }
                return new ServerRun(ready, warmup, times);
            } finally {
                watch.interrupt();
            }
        } finally {
            server.destroy(); // SIGTERM: a clean stop (and, recording, the AOT configuration written)
            if (!server.waitFor(120, TimeUnit.SECONDS)) {
                server.destroyForcibly();
                server.waitFor();
            }
            PodStartBenchmark.exec(command(variant.jar(), List.of(), "reset", "--data-dir", dataDir.toString(), "--delete-data")
                    .toArray(String[]::new));
        }
    }

    private static long awaitReady(Process server, Path out, long start) throws Exception {
        long deadline = start + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (Files.readString(out, StandardCharsets.UTF_8).contains("\nkubeconfig: ")) {
                return System.nanoTime() - start;
            }
            if (!server.isAlive()) {
                throw new IllegalStateException("server exited " + server.exitValue() + ": " + Files.readString(out));
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("server not ready within 2 minutes");
    }

    /**
     * The peer: {@code podman kube play} of the same pod (one warm-up, then {@code pods}), each timed from starting
     * the command to its return (podman returns once the pod's containers run; the busybox container has no probe,
     * so running is ready), each removed with {@code kube down} before the next.
     */
    long[] podmanPods(int pods, int round) throws Exception {
        long[] times = new long[pods];
        for (int i = -1; i < pods; i++) {
            String name = "fp-" + id + "-" + round + "-" + (i + 1);
            Path yaml = work.resolve(name + ".yaml");
            Files.writeString(yaml, "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n"
                    + "  terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n    image: " + image + "\n"
                    + "    command: [sh, -c, \"" + PodStartBenchmark.COMMAND + "\"]\n");
            long start = System.nanoTime();
            podman("kube", "play", "--tls-verify=false", yaml.toString());
            long took = System.nanoTime() - start;
            podman("kube", "down", yaml.toString());
            if (i >= 0) {
                times[i] = took;
            }
        }
        return times;
    }

    private void podman(String... args) throws IOException, InterruptedException {
        PodStartBenchmark.exec(podmanCommand(args));
    }

    private List<String> podmanNetworks() throws IOException, InterruptedException {
        return List.of(PodStartBenchmark.output(podmanCommand("network", "ls", "--format", "{{.Name}}")).split("\n"));
    }

    /** Podman with its own storage under the work dir and ulimits this machine's hard limits allow. */
    private String[] podmanCommand(String... args) throws IOException {
        Path conf = work.resolve("containers.conf");
        if (!Files.exists(conf)) {
            Files.writeString(conf, "[containers]\ndefault_ulimits = [\"nproc=4096:4096\",\"nofile=1024:1024\"]\n");
        }
        List<String> command = new ArrayList<>(List.of("env", "CONTAINERS_CONF=" + conf, "podman", "--root",
                work.resolve("podman-root").toString(), "--runroot", work.resolve("podman-run").toString()));
        command.addAll(List.of(args));
        return command.toArray(String[]::new);
    }
}
