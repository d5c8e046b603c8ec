import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Deployment scaled from 0 to N replicas on a running j8s server (image present): the time until N pods are
 * Ready (seen on a watch), the API writes per pod (store revisions spent), and the server's CPU; next to the same
 * N pods created directly (the peer: the same pods without the controllers, so the difference in CPU and writes is
 * what the Deployment and ReplicaSet controllers cost) and to the pod-start floor of {@code pod-start-floor.sh}.
 * Source-launch, no dependencies (reuses {@code ApiBenchmark.java} and {@code PodStartBenchmark.java}):
 *
 * <pre>java bench/DeploymentScaleBenchmark.java KUBECONFIG --image REF --oci-layout DIR:TAG
 *     [--replicas 100] [--rounds 2] [--floor-repeat 10] [--pid PID]</pre>
 *
 * Not thread-safe; one run at a time. Talks only to the loopback server of the kubeconfig; needs root for runc.
 */
public final class DeploymentScaleBenchmark {

    /** Waits without a loop of its own: sh sleeps in the background and traps SIGTERM. */
    static final String COMMAND = "trap 'exit 0' TERM; sleep 3600 & wait";
    /** A pod's own name (a Deployment pod's owner, {@code dep-<hash>}, has no second suffix). */
    static final Pattern NAME = Pattern.compile("\"name\":\"(dep-[a-z0-9]+-[a-z0-9]{5}|bare-[a-z0-9-]+)\"");
    static final Pattern READY = Pattern.compile("\\{[^{}]*\"type\":\"Ready\"[^{}]*}");
    static final Pattern RESOURCE_VERSION = Pattern.compile("\"resourceVersion\":\"(\\d+)\"");

    private final ApiBenchmark api;
    private final ApiBenchmark.Access access;
    private final HttpClient http;
    private final String ns;
    private final long pid;
    private final Map<String, Long> readyAt = new ConcurrentHashMap<>();
    /** Pods seen on the watch and not yet seen DELETED. */
    private final Map<String, Boolean> live = new ConcurrentHashMap<>();

    DeploymentScaleBenchmark(ApiBenchmark.Access access, String ns, long pid) {
        this.access = access;
        this.api = new ApiBenchmark(access);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(ApiBenchmark.trusting(access.caPem())).connectTimeout(Duration.ofSeconds(10)).build();
        this.ns = ns;
        this.pid = pid;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java bench/DeploymentScaleBenchmark.java KUBECONFIG --image REF --oci-layout DIR:TAG"
                    + " [--replicas 100] [--rounds 2] [--floor-repeat 10] [--pid PID]");
            System.exit(2);
        }
        Path kubeconfig = Path.of(args[0]);
        String image = PodStartBenchmark.option(args, "--image")
                .orElseThrow(() -> new IllegalArgumentException("--image is required"));
        String layout = PodStartBenchmark.option(args, "--oci-layout")
                .orElseThrow(() -> new IllegalArgumentException("--oci-layout is required"));
        int replicas = ApiBenchmark.intOption(args, "--replicas", 100);
        int rounds = ApiBenchmark.intOption(args, "--rounds", 2);
        int floorRepeat = ApiBenchmark.intOption(args, "--floor-repeat", 10);
        ApiBenchmark.Access access = ApiBenchmark.readKubeconfig(kubeconfig);
        String host = access.server().getHost();
        if (!host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("[::1]")) {
            throw new IllegalArgumentException("refusing to benchmark a server that is not on loopback: " + host);
        }
        long pid = PodStartBenchmark.option(args, "--pid").map(Long::parseLong)
                .orElseGet(() -> PodStartBenchmark.serverPid(kubeconfig.toAbsolutePath().getParent()));
        String id = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        new DeploymentScaleBenchmark(access, "ds-" + id, pid).run(id, image, layout, replicas, rounds, floorRepeat);
    }

    /** One measured scale-up: wall time to all ready, p50/p99 of each pod's ready time, writes and CPU. */
    record Round(double seconds, double podP50, double podP99, long writes, long cpuTicks, double deploymentSeconds) {}

    void run(String id, String image, String layout, int replicas, int rounds, int floorRepeat) throws Exception {
        long ticks = PodStartBenchmark.getconfClkTck();
        System.out.printf(Locale.ROOT, "j8s pid %d, image %s, %d replicas, %d rounds, %d cores%n", pid, image, replicas,
                rounds, Runtime.getRuntime().availableProcessors());
        api.createNamespace(ns);
        CountDownLatch open = new CountDownLatch(1);
        Thread watcher = Thread.ofVirtual().name("bench-watch").start(() -> watch(open));
        if (!open.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("watch did not open within 30 s");
        }
        try {
            createDeployment("dep", image);
            // Unmeasured warm-up: pulls the image if needed, warms the JITs of every path below.
            scaleAndWait("dep", 10);
            scaleAndWait("dep", 0);
            bare(id + "w", image, 10);
            deleteBare(id + "w", 10);

            List<Round> peer = new ArrayList<>();
            List<Round> deployment = new ArrayList<>();
            List<Long> httpCreateTicks = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                httpCreateTicks.add(httpCreates(id + "h" + r, image, replicas));
                peer.add(bare(id + r, image, replicas));
                deleteBare(id + r, replicas);
                deployment.add(scaleAndWait("dep", replicas));
                scaleAndWait("dep", 0);
            }
            long[] floor = PodStartBenchmark.scriptFloor(layout, floorRepeat, id);
            double floorP50 = PodStartBenchmark.percentile(floor, 50);

            System.out.println();
            System.out.printf(Locale.ROOT, "%-46s %8s %9s %9s %12s %12s%n", "0 -> " + replicas + " pods, image present",
                    "all s", "pod p50", "pod p99", "writes/pod", "j8s CPU/pod");
            for (int r = 0; r < rounds; r++) {
                line("Deployment scaled (round " + (r + 1) + ")", deployment.get(r), replicas, ticks);
                line("bare pods created at once (round " + (r + 1) + ")", peer.get(r), replicas, ticks);
            }
            Round d = best(deployment);
            Round p = best(peer);
            System.out.printf(Locale.ROOT, "Deployment: readyReplicas=%d in the Deployment's status %.2f s after the scale%n",
                    replicas, d.deploymentSeconds());
            System.out.printf(Locale.ROOT, "floor: netns + CNI + overlay + conmon + runc, p50 of %d: %.1f ms, x %d = %.2f s%n",
                    floorRepeat, floorP50, replicas, floorP50 * replicas / 1000);
            System.out.printf(Locale.ROOT, "ratio all-ready / (%d x floor p50): Deployment %.2f, bare pods %.2f%n", replicas,
                    d.seconds() / (floorP50 * replicas / 1000), p.seconds() / (floorP50 * replicas / 1000));
            System.out.printf(Locale.ROOT, "ratio Deployment / bare pods: time %.2f, writes %.2f, CPU %.2f%n",
                    d.seconds() / p.seconds(), (double) d.writes() / p.writes(), (double) d.cpuTicks() / p.cpuTicks());
            System.out.printf(Locale.ROOT, "controllers (Deployment + ReplicaSet + GC + their API calls) over bare pods:"
                    + " %.1f writes/pod%n", (double) (d.writes() - p.writes()) / replicas);
            // The bare pods' CPU includes their HTTPS creates (TLS, JSON, the HTTP handler), which the controllers'
            // in-process creates do not: measured alone (pods bound to no node, so nothing runs them) and added back.
            long[] controllerNanos = new long[rounds];
            for (int r = 0; r < rounds; r++) {
                controllerNanos[r] = 1_000_000_000L * (deployment.get(r).cpuTicks() - peer.get(r).cpuTicks()
                        + httpCreateTicks.get(r)) / ticks / replicas;
                System.out.printf(Locale.ROOT, "round %d: HTTPS creates of %d unscheduled pods %.1f ms CPU/pod; controllers"
                        + " = Deployment - bare + HTTPS creates = %.1f ms CPU/pod%n", r + 1, replicas,
                        1000.0 * httpCreateTicks.get(r) / ticks / replicas, controllerNanos[r] / 1e6);
            }
            System.out.printf(Locale.ROOT, "controllers' CPU per pod, median of %d rounds: %.1f ms (the whole server's per "
                    + "Deployment pod: %.1f ms)%n", rounds, PodStartBenchmark.percentile(controllerNanos, 50),
                    1000.0 * d.cpuTicks() / ticks / replicas);
        } finally {
            watcher.interrupt();
            api.send("DELETE", "/apis/apps/v1/namespaces/" + ns + "/deployments/dep", "application/json", null);
            api.send("DELETE", "/api/v1/namespaces/" + ns + "/pods?gracePeriodSeconds=0", "application/json", null);
            api.send("DELETE", "/api/v1/namespaces/" + ns, "application/json", null);
        }
    }

    /** The round with the shortest time (the machine is shared: the least disturbed one). */
    static Round best(List<Round> rounds) {
        return rounds.stream().min((a, b) -> Double.compare(a.seconds(), b.seconds())).orElseThrow();
    }

    static void line(String name, Round r, int replicas, long ticks) {
        System.out.printf(Locale.ROOT, "%-46s %8.2f %8.0fms %8.0fms %12.1f %10.1fms%n", name, r.seconds(), r.podP50(),
                r.podP99(), (double) r.writes() / replicas, 1000.0 * r.cpuTicks() / ticks / replicas);
    }

    void createDeployment(String name, String image) throws Exception {
        String json = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\"},"
                + "\"spec\":{\"replicas\":0,\"selector\":{\"matchLabels\":{\"app\":\"" + name + "\"}},"
                + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"" + name + "\"}},\"spec\":{"
                + "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"main\",\"image\":\"" + image + "\","
                + "\"imagePullPolicy\":\"IfNotPresent\",\"command\":[\"sh\",\"-c\",\"" + COMMAND + "\"]}]}}}}";
        HttpResponse<byte[]> r = api.post("/apis/apps/v1/namespaces/" + ns + "/deployments", json);
        if (r.statusCode() != 201) {
            throw new IllegalStateException("create deployment: HTTP " + r.statusCode() + " " + body(r));
        }
    }

    /** Scales through the scale subresource (as kubectl scale) and waits until the pods match; the figures. */
    Round scaleAndWait(String name, int replicas) throws Exception {
        long revisionBefore = revision();
        long cpuBefore = PodStartBenchmark.cpuTicks(pid);
        readyAt.clear();
        long start = System.nanoTime();
        HttpRequest request = api.request("/apis/apps/v1/namespaces/" + ns + "/deployments/" + name + "/scale",
                "application/json").timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"spec\":{\"replicas\":" + replicas + "}}")).build();
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("scale: HTTP " + r.statusCode() + " " + body(r));
        }
        long deadline = start + TimeUnit.SECONDS.toNanos(300);
        if (replicas == 0) {
            while (livePods() > 0) {
                check(deadline, "pods of " + name + " gone");
                Thread.sleep(100);
            }
            return null;
        }
        while (readyCount(start) < replicas) {
            check(deadline, replicas + " pods of " + name + " ready");
            Thread.sleep(5);
        }
        long allReady = System.nanoTime();
        long cpu = PodStartBenchmark.cpuTicks(pid) - cpuBefore;
        long writes = revision() - revisionBefore;
        while (!deploymentReady(name, replicas)) {
            check(deadline, "the Deployment's status to show " + replicas + " ready");
            Thread.sleep(5);
        }
        long statusReady = System.nanoTime();
        return new Round((allReady - start) / 1e9, percentileSince(start, 50), percentileSince(start, 99), writes, cpu,
                (statusReady - start) / 1e9);
    }

    /** The peer: the same pods created directly, all at once. */
    Round bare(String id, String image, int count) throws Exception {
        long revisionBefore = revision();
        long cpuBefore = PodStartBenchmark.cpuTicks(pid);
        readyAt.clear();
        long start = System.nanoTime();
        createPods(id, image, count, "\"terminationGracePeriodSeconds\":1");
        long deadline = start + TimeUnit.SECONDS.toNanos(300);
        while (readyCount(start) < count) {
            check(deadline, count + " bare pods ready");
            Thread.sleep(5);
        }
        long allReady = System.nanoTime();
        long cpu = PodStartBenchmark.cpuTicks(pid) - cpuBefore;
        long writes = revision() - revisionBefore;
        return new Round((allReady - start) / 1e9, percentileSince(start, 50), percentileSince(start, 99), writes, cpu,
                (allReady - start) / 1e9);
    }

    /** CPU ticks of the server for {@code count} HTTPS pod creates, of pods bound to a node that does not exist. */
    long httpCreates(String id, String image, int count) throws Exception {
        long cpuBefore = PodStartBenchmark.cpuTicks(pid);
        createPods(id, image, count, "\"nodeName\":\"bench-no-such-node\"");
        long ticks = PodStartBenchmark.cpuTicks(pid) - cpuBefore;
        deleteBare(id, count);
        return ticks;
    }

    /** Creates pods {@code bare-<id>-<i>} all at once, each over its own request; {@code spec} comes first. */
    void createPods(String id, String image, int count, String spec) throws InterruptedException {
        List<Thread> creators = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String pod = "bare-" + id + "-" + i;
            creators.add(Thread.ofVirtual().start(() -> {
                String json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + pod + "\"},\"spec\":{"
                        + spec + ",\"containers\":[{\"name\":\"main\",\"image\":\"" + image
                        + "\",\"imagePullPolicy\":\"IfNotPresent\",\"command\":[\"sh\",\"-c\",\"" + COMMAND + "\"]}]}}";
                try {
                    HttpResponse<byte[]> r = api.post("/api/v1/namespaces/" + ns + "/pods", json);
                    if (r.statusCode() != 201) {
                        throw new IllegalStateException("create " + pod + ": HTTP " + r.statusCode() + " " + body(r));
                    }
                } catch (Exception e) {
                    throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : creators) {
            t.join();
        }
    }

    void deleteBare(String id, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            api.send("DELETE", "/api/v1/namespaces/" + ns + "/pods/bare-" + id + "-" + i + "?gracePeriodSeconds=1",
                    "application/json", null);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (livePods() > 0) {
            check(deadline, "bare pods gone");
            Thread.sleep(100);
        }
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("not within 300 s: " + what);
        }
    }

    private long readyCount(long since) {
        return readyAt.values().stream().filter(t -> t >= since).count();
    }

    private double percentileSince(long start, double p) {
        long[] latencies = readyAt.values().stream().filter(t -> t >= start).mapToLong(t -> t - start).toArray();
        return PodStartBenchmark.percentile(latencies, p);
    }

    /** Pods of the namespace not yet seen deleted. */
    private long livePods() {
        return live.size();
    }

    private boolean deploymentReady(String name, int replicas) throws Exception {
        String d = body(api.get("/apis/apps/v1/namespaces/" + ns + "/deployments/" + name, "application/json"));
        return d.contains("\"readyReplicas\":" + replicas + ",") || d.contains("\"readyReplicas\":" + replicas + "}");
    }

    /** The store's revision: the resourceVersion of a list is the latest write. */
    private long revision() throws Exception {
        String list = body(api.get("/api/v1/namespaces/" + ns + "/configmaps", "application/json"));
        Matcher m = RESOURCE_VERSION.matcher(list);
        if (!m.find()) {
            throw new IllegalStateException("no resourceVersion in " + list);
        }
        return Long.parseLong(m.group(1));
    }

    private static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private void watch(CountDownLatch open) {
        HttpRequest request = api.request("/api/v1/namespaces/" + ns + "/pods?watch=true&timeoutSeconds=3600",
                "application/json").timeout(Duration.ofMinutes(61)).GET().build();
        try {
            HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("watch answered " + response.statusCode());
            }
            open.countDown();
            try (Stream<String> lines = response.body()) {
                lines.forEach(line -> {
                    long now = System.nanoTime();
                    Matcher m = NAME.matcher(line);
                    if (!m.find()) {
                        return;
                    }
                    if (line.startsWith("{\"type\":\"DELETED\"")) {
                        live.remove(m.group(1));
                        return;
                    }
                    live.put(m.group(1), true);
                    if (line.contains("\"deletionTimestamp\"")) {
                        return;
                    }
                    Matcher ready = READY.matcher(line);
                    if (ready.find() && ready.group().contains("\"status\":\"True\"")) {
                        readyAt.putIfAbsent(m.group(1), now);
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            if (!Thread.currentThread().isInterrupted()) {
                System.err.println("watch failed: " + e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
