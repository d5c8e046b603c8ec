import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throughput and latency benchmark of a running j8s API server over its real HTTPS path (TLS,
 * bearer token), with no dependencies so that it runs in source-launch mode:
 *
 * <pre>java bench/ApiBenchmark.java /path/to/kubeconfig [--pods 1000] [--concurrency 8] [--lists 10] [--warmup-creates 1000]
 *     [--warmup-settled [--settle-batch 1000] [--settle-below 10] [--settle-max 30000]] [--pid PID]</pre>
 *
 * It measures, in one run: GET /version (the floor of the HTTP+TLS+auth path, the peer figure), pod
 * creation, list as JSON and as a Table (kubectl's Accept header), and a watch that must see the ADDED
 * event of every pod created after it started. Every request loop is bounded; it only talks to the
 * server named in the kubeconfig, which must be on loopback.
 */
public final class ApiBenchmark {

    static final String TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,"
            + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    record Access(URI server, String caPem, String token) {}

    record Stats(String name, int count, double seconds, long[] nanos, String note) {
        double opsPerSecond() {
            return count / seconds;
        }

        double percentileMillis(double p) {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
        }

        String row() {
            return String.format(Locale.ROOT, "%-34s %6d %10.1f %9.2f %9.2f %9.2f  %s", name, count, opsPerSecond(),
                    percentileMillis(50), percentileMillis(99), percentileMillis(100), note);
        }
    }

    private final HttpClient http;
    private final Access access;

    /** The server's pid when it runs on this machine (its CPU per operation is printed), else -1. */
    private final long serverPid;
    /** Server CPU seconds per operation of each measured step, by name, when the pid is known. */
    private final Map<String, Double> serverCpu = new ConcurrentHashMap<>();
    /** The same per operation split by the server's threads: the JIT compilers, GC and VM thread, the rest. */
    private final Map<String, double[]> serverCpuSplit = new ConcurrentHashMap<>();

    ApiBenchmark(Access access) {
        this(access, -1);
    }

    ApiBenchmark(Access access, long serverPid) {
        this.access = access;
        this.serverPid = serverPid;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(trusting(access.caPem()))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /**
     * How the create path is warmed before the measured steps: a fixed number of creates (a young server, the
     * recipe's figure), or batches of creates until the JIT compiler threads' share of the server's CPU over a batch
     * falls below a threshold (a server whose JIT has settled, as one that has run for hours), up to a cap.
     */
    sealed interface Warmup {
        record Fixed(int creates) implements Warmup {}

        record Settled(int batch, int belowPercent, int maxCreates) implements Warmup {}
    }

    static final String USAGE = "usage: java bench/ApiBenchmark.java KUBECONFIG [--pods N] [--concurrency C] [--lists R]"
            + " [--warmup-creates W | --warmup-settled [--settle-batch B] [--settle-below PERCENT] [--settle-max M]]"
            + " [--pid PID]";

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args[0].equals("--help") || args[0].equals("-h")) {
            System.err.println(USAGE);
            System.exit(args.length < 1 ? 2 : 0);
        }
        Path kubeconfig = Path.of(args[0]);
        int pods = intOption(args, "--pods", 1000);
        int concurrency = intOption(args, "--concurrency", 8);
        int lists = intOption(args, "--lists", 10);
        boolean settled = Arrays.asList(args).subList(1, args.length).contains("--warmup-settled");
        Warmup warmup = settled
                ? new Warmup.Settled(intOption(args, "--settle-batch", 1000), intOption(args, "--settle-below", 10),
                        intOption(args, "--settle-max", 30_000))
                : new Warmup.Fixed(intOption(args, "--warmup-creates", 1000));
        Access access = readKubeconfig(kubeconfig);
        String host = access.server().getHost();
        if (!host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("[::1]")) {
            throw new IllegalArgumentException("refusing to benchmark a server that is not on loopback: " + host);
        }
        long pid = -1;
        try {
            pid = PodStartBenchmark.option(args, "--pid").map(Long::parseLong)
                    .orElseGet(() -> PodStartBenchmark.serverPid(kubeconfig.toAbsolutePath().getParent()));
        } catch (IllegalStateException e) {
            System.out.println("no server CPU figures: " + e.getMessage());
        }
        if (settled && pid <= 0) {
            throw new IllegalArgumentException("--warmup-settled reads the server's threads: the server must run on "
                    + "this machine (found by the kubeconfig's data dir, or --pid)");
        }
        new ApiBenchmark(access, pid).run(pods, concurrency, lists, warmup);
    }

    void run(int pods, int concurrency, int lists, Warmup warmup) throws Exception {
        String suffix = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        String listNs = "bench-" + suffix;
        String watchNs = "bench-w-" + suffix;
        String warmNs = "bench-warm-" + suffix;
        createNamespace(listNs);
        createNamespace(watchNs);
        createNamespace(warmNs);
        System.out.printf(Locale.ROOT, "j8s API benchmark against %s: %d pods, concurrency %d, %d list runs%n",
                access.server(), pods, concurrency, lists);
        System.out.printf(Locale.ROOT, "JVM %s, %d CPUs%n%n", Runtime.version(), Runtime.getRuntime().availableProcessors());

        // Warm-up (JIT on both sides, TLS connections), not measured: /version and a read that goes to storage.
        concurrently("warm-up", 2000, concurrency, i -> i % 2 == 0 ? get("/version", "application/json")
                : get("/api/v1/namespaces/" + listNs + "/serviceaccounts/default", "application/json"), "");
        // The create path (admission, storage, watch fan-out to the controllers) compiled too, in its own namespace.
        System.out.println(warmUpCreates(warmNs, concurrency, warmup));
        System.out.println();

        List<Stats> results = new ArrayList<>();
        Stats version = concurrently("GET /version (floor)", pods, concurrency,
                i -> get("/version", "application/json"), "peer figure: HTTP+TLS+auth, no storage");
        results.add(version);
        Stats create = concurrently("POST pod (create)", pods, concurrency,
                i -> post("/api/v1/namespaces/" + listNs + "/pods", pod("bpod-" + i)), "201 expected");
        results.add(create);
        Stats getOne = concurrently("GET pod (single)", pods, concurrency,
                i -> get("/api/v1/namespaces/" + listNs + "/pods/bpod-" + i, "application/json"), "");
        results.add(getOne);
        AtomicReference<Integer> jsonBytes = new AtomicReference<>(0);
        Stats listJson = concurrently("LIST pods JSON (" + pods + " items)", lists, 1, i -> {
            HttpResponse<byte[]> r = get("/api/v1/namespaces/" + listNs + "/pods", "application/json");
            jsonBytes.set(r.body().length);
            return r;
        }, "");
        AtomicReference<Integer> tableBytes = new AtomicReference<>(0);
        Stats listTable = concurrently("LIST pods Table (" + pods + " rows)", lists, 1, i -> {
            HttpResponse<byte[]> r = get("/api/v1/namespaces/" + listNs + "/pods", TABLE_ACCEPT);
            tableBytes.set(r.body().length);
            if (!new String(r.body(), 0, Math.min(200, r.body().length), StandardCharsets.UTF_8).contains("\"Table\"")) {
                throw new IllegalStateException("not a Table: " + new String(r.body(), 0, 200, StandardCharsets.UTF_8));
            }
            return r;
        }, "");
        results.add(new Stats(listJson.name(), listJson.count(), listJson.seconds(), listJson.nanos(),
                String.format(Locale.ROOT, "%.1f MiB per list", jsonBytes.get() / 1048576.0)));
        results.add(new Stats(listTable.name(), listTable.count(), listTable.seconds(), listTable.nanos(),
                String.format(Locale.ROOT, "%.1f MiB per list", tableBytes.get() / 1048576.0)));
        results.add(watch(watchNs, pods, concurrency));
        Stats versionAfter = concurrently("GET /version (floor, again)", pods, concurrency,
                i -> get("/version", "application/json"), "the same floor measured after the load");
        results.add(versionAfter);

        System.out.printf(Locale.ROOT, "%-34s %6s %10s %9s %9s %9s%n", "operation", "count", "ops/s", "p50 ms", "p99 ms",
                "max ms");
        results.forEach(r -> System.out.println(r.row()));
        System.out.println();
        Stats floorRun = versionAfter.percentileMillis(50) < version.percentileMillis(50) ? versionAfter : version;
        double floor = floorRun.percentileMillis(50);
        System.out.printf(Locale.ROOT, "p50 relative to the GET /version floor (%.2f ms): create x%.1f, get x%.1f, "
                        + "list JSON x%.0f, list Table x%.0f%n", floor,
                create.percentileMillis(50) / floor, getOne.percentileMillis(50) / floor,
                listJson.percentileMillis(50) / floor, listTable.percentileMillis(50) / floor);
        // the throughput floor is the faster of the two /version runs (the p50 floor above is the lower latency):
        // dividing by the other run's ops/s made the ratio swing with whichever run the load hit
        double floorOps = Math.max(version.opsPerSecond(), versionAfter.opsPerSecond());
        System.out.printf(Locale.ROOT, "throughput relative to GET /version (%.1f/s, the faster floor run): create "
                        + "%.0f%%, get %.0f%%%n", floorOps, 100 * create.opsPerSecond() / floorOps,
                100 * getOne.opsPerSecond() / floorOps);
        if (serverPid > 0) {
            // CPU time is what a loaded machine moves least: the share of the cores the server gets does not change it.
            double versionCpu = Math.min(serverCpu.get(version.name()), serverCpu.get(versionAfter.name()));
            System.out.printf(Locale.ROOT, "server CPU per operation (pid %d, utime+stime): GET /version %.3f ms, "
                            + "POST pod %.3f ms, GET pod %.3f ms, WATCH create+event %.3f ms; POST pod / GET /version x%.1f%n",
                    serverPid, 1e3 * versionCpu, 1e3 * serverCpu.get(create.name()), 1e3 * serverCpu.get(getOne.name()),
                    1e3 * serverCpu.getOrDefault("watch creates", Double.NaN),
                    serverCpu.get(create.name()) / versionCpu);
            double[] split = serverCpuSplit.get(create.name());
            System.out.printf(Locale.ROOT, "server CPU of POST pod by thread: JIT compilers %.3f ms, GC and VM thread "
                    + "%.3f ms, the rest (requests, watches, controllers) %.3f ms%n", 1e3 * split[0], 1e3 * split[1],
                    1e3 * split[2]);
        }

        // Best effort: the namespaces are left to the server's namespace controller.
        send("DELETE", "/api/v1/namespaces/" + listNs, "application/json", null);
        send("DELETE", "/api/v1/namespaces/" + watchNs, "application/json", null);
        send("DELETE", "/api/v1/namespaces/" + warmNs, "application/json", null);
    }

    /**
     * Creates the warm-up pods in {@code ns} and returns the line that says which warm-up the run had. A settled
     * warm-up prints each batch's server CPU and the JIT compiler threads' share of it as it goes.
     */
    String warmUpCreates(String ns, int concurrency, Warmup warmup) throws Exception {
        return switch (warmup) {
            case Warmup.Fixed(int creates) -> {
                concurrently("warm-up creates", creates, concurrency,
                        i -> post("/api/v1/namespaces/" + ns + "/pods", pod("warm-" + i)), "");
                yield String.format(Locale.ROOT, "warm-up: fixed, %d creates (a young server)", creates);
            }
            case Warmup.Settled(int batch, int belowPercent, int maxCreates) -> {
                int done = 0;
                double share = Double.NaN;
                for (int b = 1; done < maxCreates; b++) {
                    int offset = done;
                    int count = Math.min(batch, maxCreates - done);
                    String step = "warm-up creates, batch " + b;
                    concurrently(step, count, concurrency,
                            i -> post("/api/v1/namespaces/" + ns + "/pods", pod("warm-" + (offset + i))), "");
                    done += count;
                    double cpu = serverCpu.get(step);
                    double jit = serverCpuSplit.get(step)[0];
                    share = cpu > 0 ? jit / cpu : 0;
                    System.out.printf(Locale.ROOT, "warm-up batch %d: %d creates (%d in all), server CPU %.3f ms per "
                            + "create, JIT compilers %.0f%% of it%n", b, count, done, 1e3 * cpu, 100 * share);
                    if (100 * share < belowPercent) {
                        yield String.format(Locale.ROOT, "warm-up: until the JIT settled, %d creates (batches of %d; "
                                + "the JIT compilers' share of the last batch %.0f%% < %d%%)", done, batch,
                                100 * share, belowPercent);
                    }
                }
                yield String.format(Locale.ROOT, "warm-up: until the JIT settled, NOT SETTLED: stopped at the cap of "
                        + "%d creates (batches of %d; the JIT compilers' share of the last batch %.0f%%, not below "
                        + "%d%%)", done, batch, 100 * share, belowPercent);
            }
        };
    }

    /** Starts a watch on an empty namespace, creates {@code pods} pods, and waits for all ADDED events. */
    Stats watch(String ns, int pods, int concurrency) throws Exception {
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> seen = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(pods);
        CountDownLatch open = new CountDownLatch(1);
        Pattern name = Pattern.compile("\"name\":\"(wpod-\\d+)\"");
        HttpRequest request = request("/api/v1/namespaces/" + ns + "/pods?watch=true&timeoutSeconds=300",
                "application/json").timeout(Duration.ofMinutes(6)).GET().build();
        Thread reader = Thread.ofVirtual().name("bench-watch").start(() -> {
            try {
                HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("watch answered " + response.statusCode());
                }
                open.countDown();
                try (Stream<String> lines = response.body()) {
                    lines.forEach(line -> {
                        if (!line.contains("\"type\":\"ADDED\"")) {
                            return;
                        }
                        Matcher m = name.matcher(line);
                        if (m.find() && seen.putIfAbsent(m.group(1), System.nanoTime()) == null) {
                            all.countDown();
                        }
                        if (all.getCount() == 0) {
                            throw new StopWatching();
                        }
                    });
                }
            } catch (StopWatching done) {
                // every event seen
            } catch (IOException | RuntimeException e) {
                System.err.println("watch failed: " + e);
                open.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        if (!open.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("watch did not open within 30 s");
        }
        // The response headers arrive when the server registers the watch; give it a moment to be live.
        Thread.sleep(200);
        long start = System.nanoTime();
        concurrently("watch creates", pods, concurrency, i -> {
            String podName = "wpod-" + i;
            sent.put(podName, System.nanoTime());
            return post("/api/v1/namespaces/" + ns + "/pods", pod(podName));
        }, "");
        boolean complete = all.await(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        reader.interrupt();
        long[] delays = seen.entrySet().stream()
                .mapToLong(e -> e.getValue() - sent.getOrDefault(e.getKey(), e.getValue())).toArray();
        if (delays.length == 0) {
            delays = new long[] {0};
        }
        return new Stats("WATCH ADDED (create->event)", seen.size(), seconds, delays,
                (complete ? "all " : "ONLY " + seen.size() + " of ") + pods + " ADDED events seen; ops/s = events/s "
                        + "from first create to last event");
    }

    private static final class StopWatching extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StopWatching() {
            super(null, null, false, false);
        }
    }

    interface Call {
        HttpResponse<byte[]> call(int i) throws Exception;
    }

    Stats concurrently(String name, int count, int concurrency, Call call, String note) throws Exception {
        long[] nanos = new long[count];
        AtomicInteger next = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        long cpuBefore = serverCpuTicks();
        long[] splitBefore = serverCpuByThread();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(concurrency, Thread.ofVirtual().factory())) {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                workers.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < count && failure.get() == null) {
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<byte[]> response = call.call(i);
                            if (response.statusCode() / 100 != 2) {
                                failure.compareAndSet(null, name + " #" + i + ": HTTP " + response.statusCode() + " "
                                        + new String(response.body(), StandardCharsets.UTF_8));
                            }
                        } catch (Exception e) {
                            failure.compareAndSet(null, name + " #" + i + ": " + e);
                        }
                        nanos[i] = System.nanoTime() - t0;
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(10, TimeUnit.MINUTES);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        recordServerCpu(name, cpuBefore, count);
        recordServerCpuSplit(name, splitBefore, count);
        if (failure.get() != null) {
            throw new IllegalStateException("benchmark step failed: " + failure.get());
        }
        return new Stats(name, count, seconds, nanos, note);
    }

    long serverCpuTicks() throws IOException {
        return serverPid > 0 ? PodStartBenchmark.cpuTicks(serverPid) : 0;
    }

    void recordServerCpu(String name, long ticksBefore, int count) throws IOException, InterruptedException {
        if (serverPid > 0) {
            serverCpu.put(name, (serverCpuTicks() - ticksBefore) / (double) PodStartBenchmark.getconfClkTck() / count);
        }
    }

    /**
     * The server's CPU ticks so far of its JIT compiler threads and of its GC and VM threads (by their names in
     * {@code /proc/PID/task/TID/stat}), or zeros without a pid. Threads that ended are in neither.
     */
    long[] serverCpuByThread() throws IOException {
        long[] ticks = new long[2];
        if (serverPid <= 0) {
            return ticks;
        }
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(serverPid), "task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                    ticks[0] += t;
                } else if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.equals("VM Thread")) {
                    ticks[1] += t;
                }
            }
        }
        return ticks;
    }

    void recordServerCpuSplit(String name, long[] before, int count) throws IOException, InterruptedException {
        if (serverPid > 0) {
            long[] after = serverCpuByThread();
            double tick = PodStartBenchmark.getconfClkTck();
            double jit = (after[0] - before[0]) / tick / count;
            double gc = (after[1] - before[1]) / tick / count;
            // the rest from the process's total (recordServerCpu), which keeps the time of threads that ended
            serverCpuSplit.put(name, new double[] {jit, gc, serverCpu.get(name) - jit - gc});
        }
    }

    static String pod(String name) {
        // nodeName points at no real node, so that no kubelet tries to run 2000 pods; the API path is the same.
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"app\":\"bench\"}},"
                + "\"spec\":{\"nodeName\":\"bench-no-such-node\",\"containers\":[{\"name\":\"c\",\"image\":\"registry.invalid/bench:1\","
                + "\"ports\":[{\"containerPort\":80}]}]}}";
    }

    void createNamespace(String name) throws Exception {
        HttpResponse<byte[]> r = post("/api/v1/namespaces",
                "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}");
        if (r.statusCode() != 201) {
            throw new IllegalStateException("create namespace " + name + ": HTTP " + r.statusCode() + " "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
        // The default ServiceAccount must exist before pods pass ServiceAccount admission.
        for (int i = 0; i < 100; i++) {
            if (get("/api/v1/namespaces/" + name + "/serviceaccounts/default", "application/json").statusCode() == 200) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no default ServiceAccount in " + name + " after 10 s");
    }

    HttpResponse<byte[]> get(String path, String accept) throws Exception {
        return send("GET", path, accept, null);
    }

    HttpResponse<byte[]> post(String path, String json) throws Exception {
        return send("POST", path, "application/json", json);
    }

    HttpResponse<byte[]> send(String method, String path, String accept, String json) throws Exception {
        HttpRequest.Builder builder = request(path, accept).timeout(Duration.ofSeconds(60));
        if (json == null) {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            builder.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpRequest.Builder request(String path, String accept) {
        return HttpRequest.newBuilder(access.server().resolve(path))
                .header("Accept", accept)
                .header("Authorization", "Bearer " + access.token());
    }

    static int intOption(String[] args, String name, int fallback) {
        for (int i = 1; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                int value = Integer.parseInt(args[i + 1]);
                if (value < 1 || value > 100_000) {
                    throw new IllegalArgumentException(name + " must be between 1 and 100000");
                }
                return value;
            }
        }
        return fallback;
    }

    /** Reads server, certificate-authority-data and token from a j8s kubeconfig (one cluster, one user). */
    static Access readKubeconfig(Path file) throws IOException {
        String text = Files.readString(file);
        String server = field(text, "server", file);
        String ca = field(text, "certificate-authority-data", file);
        String token = field(text, "token", file);
        return new Access(URI.create(server), new String(Base64.getMimeDecoder().decode(ca), StandardCharsets.US_ASCII),
                token);
    }

    static String field(String yaml, String key, Path file) {
        Matcher m = Pattern.compile("(?m)^\\s*-?\\s*" + Pattern.quote(key) + ":\\s*\"?([^\"\\s]+)\"?\\s*$").matcher(yaml);
        if (!m.find()) {
            throw new IllegalArgumentException("no " + key + " in " + file);
        }
        return m.group(1);
    }

    static SSLContext trusting(String caPem) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
                trust.setCertificateEntry("ca-" + i++, cert);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("trust the kubeconfig's CA", e);
        }
    }
}
