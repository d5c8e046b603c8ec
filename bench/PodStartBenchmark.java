import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Pod start latency of a running j8s server (API create → phase Running seen on a watch) for single pods
 * and a burst, next to the floor of the same container started by {@code bench/pod-start-floor.sh} (ip netns, CNI,
 * overlay, conmon, runc; no API) from the same OCI image; then the server's CPU use while idle with the burst running.
 * Source-launch, no dependencies (reuses {@code ApiBenchmark.java} of this directory for kubeconfig and TLS):
 *
 * <pre>java bench/PodStartBenchmark.java KUBECONFIG --image REF --oci-layout DIR:TAG
 *     [--warmup 50] [--repeat 10] [--burst 50] [--idle-seconds 30] [--settle-seconds 60] [--pid PID]
 *     [--no-token-volume]</pre>
 *
 * <p>Pods get their service-account token volume as upstream gives it; {@code --no-token-volume} sets
 * {@code automountServiceAccountToken: false} to measure without it.
 *
 * Not thread-safe; one run at a time. Talks only to the loopback server of the kubeconfig; needs root for runc.
 */
public final class PodStartBenchmark {

    static final String COMMAND = "trap 'exit 0' TERM; while true; do sleep 1; done";
    static final Pattern NAME = Pattern.compile("\"name\":\"(ps-[a-z0-9]+-[a-z]+-\\d+)\"");
    /** The pod's {@code Ready} condition in a watch event's JSON, whatever the order of its fields. */
    static final Pattern READY_CONDITION = Pattern.compile("\\{[^{}]*\"type\":\"Ready\"[^{}]*\\}");

    private final ApiBenchmark api;
    private final HttpClient http;
    private final ApiBenchmark.Access access;
    private final String ns;
    /** Whether pods get their service-account token volume (the default, as upstream); off to measure without it. */
    private final boolean tokenVolume;
    private final Map<String, CompletableFuture<Long>> running = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Long>> deleted = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Long>> ready = new ConcurrentHashMap<>();

    PodStartBenchmark(ApiBenchmark.Access access, String ns, boolean tokenVolume) {
        this.tokenVolume = tokenVolume;
        this.access = access;
        this.api = new ApiBenchmark(access);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(ApiBenchmark.trusting(access.caPem())).connectTimeout(Duration.ofSeconds(10)).build();
        this.ns = ns;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java bench/PodStartBenchmark.java KUBECONFIG --image REF --oci-layout DIR:TAG"
                    + " [--warmup 50] [--repeat 10] [--burst 50] [--idle-seconds 30] [--settle-seconds 60] [--pid PID]"
                    + " [--no-token-volume]");
            System.exit(2);
        }
        Path kubeconfig = Path.of(args[0]);
        String image = option(args, "--image").orElseThrow(() -> new IllegalArgumentException("--image is required"));
        String layout = option(args, "--oci-layout").orElseThrow(() -> new IllegalArgumentException("--oci-layout is required"));
        int repeat = ApiBenchmark.intOption(args, "--repeat", 10);
        int warmup = ApiBenchmark.intOption(args, "--warmup", 50);
        int burst = ApiBenchmark.intOption(args, "--burst", 50);
        int idleSeconds = ApiBenchmark.intOption(args, "--idle-seconds", 30);
        int settleSeconds = ApiBenchmark.intOption(args, "--settle-seconds", 60);
        ApiBenchmark.Access access = ApiBenchmark.readKubeconfig(kubeconfig);
        String host = access.server().getHost();
        if (!host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("[::1]")) {
            throw new IllegalArgumentException("refusing to benchmark a server that is not on loopback: " + host);
        }
        long pid = option(args, "--pid").map(Long::parseLong).orElseGet(() -> serverPid(kubeconfig.toAbsolutePath().getParent()));
        String id = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        boolean tokenVolume = !Arrays.asList(args).contains("--no-token-volume");
        new PodStartBenchmark(access, "ps-" + id, tokenVolume).run(id, image, layout, warmup, repeat, burst, idleSeconds, settleSeconds, pid);
    }

    void run(String id, String image, String layout, int warmup, int repeat, int burst, int idleSeconds, int settleSeconds, long pid)
            throws Exception {
        System.out.printf(Locale.ROOT, "j8s pid %d, image %s, %d cores%n", pid, image, Runtime.getRuntime().availableProcessors());
        api.createNamespace(ns);
        Thread watcher = openWatch();
        try {
            // Unmeasured: pulls the image if it is not on the node yet and warms both JVMs' paths.
            for (int i = 0; i < warmup; i++) {
                start(name(id, "warm", i), image, Duration.ofSeconds(120));
                delete(name(id, "warm", i));
            }
            long[] single = new long[repeat];
            long singleCpuBefore = cpuTicks(pid);
            for (int i = 0; i < repeat; i++) {
                single[i] = start(name(id, "one", i), image, Duration.ofSeconds(60));
                delete(name(id, "one", i));
            }
            long singleCpuTicks = cpuTicks(pid) - singleCpuBefore;
            long[] floor = scriptFloor(layout, repeat, id);

            long[] sent = new long[burst];
            long burstStart = System.nanoTime();
            List<Thread> creators = new ArrayList<>();
            for (int i = 0; i < burst; i++) {
                int n = i;
                creators.add(Thread.ofVirtual().start(() -> {
                    String pod = name(id, "burst", n);
                    running.computeIfAbsent(pod, k -> new CompletableFuture<>());
                    sent[n] = System.nanoTime();
                    create(pod, image);
                }));
            }
            for (Thread t : creators) {
                t.join();
            }
            long[] burstLatency = new long[burst];
            long lastRunning = burstStart;
            int runningCount = 0;
            for (int i = 0; i < burst; i++) {
                try {
                    long at = running.get(name(id, "burst", i)).get(Math.max(1, 120_000_000_000L - (System.nanoTime() - burstStart)),
                            TimeUnit.NANOSECONDS);
                    burstLatency[i] = at - sent[i];
                    lastRunning = Math.max(lastRunning, at);
                    runningCount++;
                } catch (java.util.concurrent.TimeoutException e) {
                    burstLatency[i] = Long.MAX_VALUE;
                }
            }
            double burstSeconds = (lastRunning - burstStart) / 1e9;

            // Let the burst settle first: the first status syncs, events and the pods' first
            // restarts-free minute happen right after it; idle means the steady state after that.
            Thread.sleep(settleSeconds * 1000L);
            long ticks = getconfClkTck();
            long cpuBefore = cpuTicks(pid);
            long wallBefore = System.nanoTime();
            Thread.sleep(idleSeconds * 1000L);
            long cpuTicks = cpuTicks(pid) - cpuBefore;
            double wall = (System.nanoTime() - wallBefore) / 1e9;

            double floorP50 = percentile(floor, 50);
            System.out.println();
            System.out.printf(Locale.ROOT, "%-44s %5s %9s %9s %9s%n", "pod start (create -> Running on watch)", "n", "p50 ms",
                    "p99 ms", "max ms");
            row("single pod, sequential (delete between)", single);
            row("burst of " + burst + ", each from its own create", burstLatency);
            row("floor: netns + CNI + overlay + conmon + runc", floor);
            System.out.printf(Locale.ROOT, "ratio single p50 / floor p50: %.2f%n", percentile(single, 50) / floorP50);
            System.out.printf(Locale.ROOT, "j8s CPU per single pod (create, run, delete; its own threads, not its children): %.0f ms%n",
                    1000.0 * singleCpuTicks / ticks / repeat);
            System.out.printf(Locale.ROOT, "ratio burst p50 / floor p50: %.1f%n", percentile(burstLatency, 50) / floorP50);
            System.out.printf(Locale.ROOT, "burst: %d of %d Running, last %.2f s after the first create: %s%n", runningCount,
                    burst, burstSeconds, runningCount == burst && burstSeconds <= 10 ? "all within 10 s" : "NOT all within 10 s");
            System.out.printf(Locale.ROOT, "j8s idle CPU with %d running pods: %d ticks (%d/s) in %.1f s = %.2f%% of one core%n",
                    runningCount, cpuTicks, ticks, wall, 100.0 * cpuTicks / ticks / wall);
        } finally {
            watcher.interrupt();
            api.send("DELETE", "/api/v1/namespaces/" + ns + "/pods?gracePeriodSeconds=0", "application/json", null);
            api.send("DELETE", "/api/v1/namespaces/" + ns, "application/json", null);
        }
    }

    /** Opens the watch of the namespace's pods that every measurement reads; interrupt the thread to end it. */
    Thread openWatch() throws InterruptedException {
        CountDownLatch open = new CountDownLatch(1);
        Thread watcher = Thread.ofVirtual().name("bench-watch").start(() -> watch(open));
        if (!open.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("watch did not open within 30 s");
        }
        Thread.sleep(200);
        return watcher;
    }

    static String name(String id, String kind, int i) {
        return "ps-" + id + "-" + kind + "-" + i;
    }

    /** Creates the pod and returns the nanoseconds from sending the create to seeing Running on the watch. */
    long start(String pod, String image, Duration timeout) throws Exception {
        CompletableFuture<Long> seen = running.computeIfAbsent(pod, k -> new CompletableFuture<>());
        long sent = System.nanoTime();
        create(pod, image);
        return seen.get(timeout.toMillis(), TimeUnit.MILLISECONDS) - sent;
    }

    /** Creates the pod and returns the nanoseconds from sending the create to seeing it Ready on the watch. */
    long startReady(String pod, String image, Duration timeout) throws Exception {
        CompletableFuture<Long> seen = ready.computeIfAbsent(pod, k -> new CompletableFuture<>());
        long sent = System.nanoTime();
        create(pod, image);
        return seen.get(timeout.toMillis(), TimeUnit.MILLISECONDS) - sent;
    }

    void create(String pod, String image) {
        String json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + pod + "\"},\"spec\":{"
                + (tokenVolume ? "" : "\"automountServiceAccountToken\":false,")
                + "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"main\",\"image\":\"" + image + "\","
                + "\"imagePullPolicy\":\"IfNotPresent\",\"command\":[\"sh\",\"-c\",\"" + COMMAND + "\"]}]}}";
        try {
            HttpResponse<byte[]> r = api.post("/api/v1/namespaces/" + ns + "/pods", json);
            if (r.statusCode() != 201) {
                throw new IllegalStateException("create " + pod + ": HTTP " + r.statusCode() + " "
                        + new String(r.body(), StandardCharsets.UTF_8));
            }
        } catch (Exception e) {
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
    }

    void delete(String pod) throws Exception {
        CompletableFuture<Long> gone = deleted.computeIfAbsent(pod, k -> new CompletableFuture<>());
        api.send("DELETE", "/api/v1/namespaces/" + ns + "/pods/" + pod + "?gracePeriodSeconds=0", "application/json", null);
        gone.get(60, TimeUnit.SECONDS);
    }

    private void watch(CountDownLatch open) {
        HttpRequest request = api.request("/api/v1/namespaces/" + ns + "/pods?watch=true&timeoutSeconds=1800", "application/json")
                .timeout(Duration.ofMinutes(31)).GET().build();
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
                        deleted.computeIfAbsent(m.group(1), k -> new CompletableFuture<>()).complete(now);
                    } else if (line.contains("\"phase\":\"Running\"")) {
                        running.computeIfAbsent(m.group(1), k -> new CompletableFuture<>()).complete(now);
                        Matcher r = READY_CONDITION.matcher(line);
                        if (r.find() && r.group().contains("\"status\":\"True\"")) {
                            ready.computeIfAbsent(m.group(1), k -> new CompletableFuture<>()).complete(now);
                        }
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

    /**
     * The floor, as the issue defines it: the same command in the same image started by
     * {@code bench/pod-start-floor.sh} with plain {@code ip netns}, the CNI loopback and bridge plugins (host-local
     * IPAM, masquerade, as j8s configures them), an overlay rootfs over the image unpacked once (unmeasured) by
     * {@code umoci unpack} from the same OCI layout, conmon running {@code runc create}, then {@code runc start}. The
     * figure is the script's own wall time from {@code ip netns add} to {@code runc start} returning; the teardown
     * between runs is not measured.
     */
    static long[] scriptFloor(String layout, int repeat, String id) throws Exception {
        Path script = Path.of("bench", "pod-start-floor.sh").toAbsolutePath();
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("run from the repository root: " + script + " not found");
        }
        Path work = Files.createTempDirectory("podstart-floor-");
        Path bundle = work.resolve("bundle");
        Path floor = work.resolve("floor");
        try {
            exec("umoci", "unpack", "--image", layout, bundle.toString());
            Path config = bundle.resolve("config.json");
            String spec = Files.readString(config);
            String args = "\"args\": [\"sh\", \"-c\", \"" + COMMAND + "\"]";
            String template = spec.replaceFirst("\"args\"\\s*:\\s*\\[[^\\]]*\\]", Matcher.quoteReplacement(args))
                    .replaceFirst("\"terminal\"\\s*:\\s*true", "\"terminal\": false")
                    .replaceFirst("\"root\"\\s*:\\s*\\{\\s*\"path\"\\s*:\\s*\"rootfs\"", "\"root\": {\"path\": \"@ROOTFS@\"")
                    .replaceFirst("\\{\\s*\"type\"\\s*:\\s*\"network\"\\s*\\}", "{\"type\": \"network\", \"path\": \"@NETNS@\"}");
            if (!template.contains("@ROOTFS@") || !template.contains("@NETNS@") || !template.contains(COMMAND)) {
                throw new IllegalStateException("unexpected runtime spec layout in " + config);
            }
            Path templateFile = work.resolve("config.tmpl");
            Files.writeString(templateFile, template);
            exec(script.toString(), "setup", floor.toString(), bundle.resolve("rootfs").toString(), templateFile.toString());
            long[] nanos = new long[repeat];
            for (int i = 0; i < repeat; i++) {
                String container = "psf-" + id + "-" + i;
                try {
                    nanos[i] = Long.parseLong(output(script.toString(), "up", floor.toString(), container).strip()) * 1000;
                } finally {
                    exec(script.toString(), "down", floor.toString(), container);
                }
            }
            return nanos;
        } finally {
            exec(script.toString(), "teardown", floor.toString());
            exec("rm", "-rf", work.toString());
        }
    }

    static String output(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + ": exit " + p.exitValue());
        }
        return out;
    }

    static void exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + ": exit " + p.exitValue());
        }
    }

    /** utime + stime of the process (fields 14 and 15 of /proc/PID/stat, after the parenthesised name). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static long getconfClkTck() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        p.waitFor();
        return Long.parseLong(out);
    }

    /** The j8s server process whose {@code --data-dir} is the kubeconfig's directory. */
    static long serverPid(Path dataDir) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    List<String> argv = Arrays.asList(new String(Files.readAllBytes(p.resolve("cmdline")),
                            StandardCharsets.UTF_8).split("\0"));
                    int i = argv.indexOf("--data-dir");
                    return argv.contains("server") && i >= 0 && i + 1 < argv.size()
                            && Path.of(argv.get(i + 1)).toAbsolutePath().normalize().equals(dataDir.normalize());
                } catch (IOException e) {
                    return false;
                }
            }).mapToLong(p -> Long.parseLong(p.getFileName().toString())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no j8s server with --data-dir " + dataDir + ": pass --pid"));
        } catch (IOException e) {
            throw new IllegalStateException("list /proc", e);
        }
    }

    static Optional<String> option(String[] args, String name) {
        for (int i = 1; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Optional.of(args[i + 1]);
            }
        }
        return Optional.empty();
    }

    static double percentile(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        long v = sorted[Math.max(0, Math.min(sorted.length - 1, index))];
        return v == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : v / 1e6;
    }

    static void row(String name, long[] nanos) {
        System.out.printf(Locale.ROOT, "%-44s %5d %9.1f %9.1f %9.1f%n", name, nanos.length, percentile(nanos, 50),
                percentile(nanos, 99), percentile(nanos, 100));
    }
}
