import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What probes cost a running j8s server: the server's CPU with N pods that each carry an httpGet readiness probe and a
 * tcpSocket liveness probe every second, next to the same N pods without probes measured in the same run (the peer);
 * then, separately, M pods with an exec readiness probe every second (each a {@code runc exec}). Source-launched like
 * {@code PodStartBenchmark.java}, whose helpers it reuses (run it from the repository root); needs root and an image
 * with busybox ({@code httpd}), as that benchmark's README builds it:
 *
 * <pre>java bench/ProbeBenchmark.java KUBECONFIG --image REF [--pods 100] [--exec-pods 20] [--settle-seconds 30]
 *     [--seconds 60] [--pid PID]</pre>
 *
 * Not thread-safe; one run at a time. Talks only to the loopback server of the kubeconfig.
 */
public final class ProbeBenchmark {

    static final String COMMAND = "mkdir -p /www; echo ok > /www/healthz; httpd -p 8080 -h /www; "
            + "trap 'exit 0' TERM; while true; do sleep 1; done";
    /** A pod condition object; the Ready ones with status True are counted. */
    static final Pattern CONDITION = Pattern.compile("\\{[^{}]*\"type\":\"Ready\"[^{}]*\\}");

    private final ApiBenchmark api;
    private final String ns;

    ProbeBenchmark(ApiBenchmark.Access access, String ns) {
        this.api = new ApiBenchmark(access);
        this.ns = ns;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java bench/ProbeBenchmark.java KUBECONFIG --image REF [--pods 100]"
                    + " [--exec-pods 20] [--settle-seconds 30] [--seconds 60] [--pid PID]");
            System.exit(2);
        }
        Path kubeconfig = Path.of(args[0]);
        String image = PodStartBenchmark.option(args, "--image")
                .orElseThrow(() -> new IllegalArgumentException("--image is required"));
        int pods = ApiBenchmark.intOption(args, "--pods", 100);
        int execPods = ApiBenchmark.intOption(args, "--exec-pods", 20);
        int settle = ApiBenchmark.intOption(args, "--settle-seconds", 30);
        int seconds = ApiBenchmark.intOption(args, "--seconds", 60);
        ApiBenchmark.Access access = ApiBenchmark.readKubeconfig(kubeconfig);
        String host = access.server().getHost();
        if (!host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("[::1]")) {
            throw new IllegalArgumentException("refusing to benchmark a server that is not on loopback: " + host);
        }
        long pid = PodStartBenchmark.option(args, "--pid").map(Long::parseLong)
                .orElseGet(() -> PodStartBenchmark.serverPid(kubeconfig.toAbsolutePath().getParent()));
        String id = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        new ProbeBenchmark(access, "pb-" + id).run(image, pods, execPods, settle, seconds, pid);
    }

    /** The server's CPU over a window: its own threads, and the children it waited for (runc, conmon...). */
    record Cpu(double ownCore, double childrenCore, double seconds) {}

    void run(String image, int pods, int execPods, int settle, int seconds, long pid) throws Exception {
        System.out.printf(Locale.ROOT, "j8s pid %d, image %s, %d cores, %d pods, probes every 1 s%n", pid, image,
                Runtime.getRuntime().availableProcessors(), pods);
        api.createNamespace(ns);
        try {
            start(pods, image, "plain", "");
            Cpu plain = measure(pid, settle, seconds);
            deleteAll();

            String network = ",\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":8080},\"periodSeconds\":1},"
                    + "\"livenessProbe\":{\"tcpSocket\":{\"port\":8080},\"periodSeconds\":1}";
            start(pods, image, "net", network);
            Cpu probed = measure(pid, settle, seconds);
            deleteAll();

            String exec = ",\"readinessProbe\":{\"exec\":{\"command\":[\"cat\",\"/www/healthz\"]},\"periodSeconds\":1}";
            start(execPods, image, "exec", exec);
            Cpu execProbed = measure(pid, settle, seconds);
            deleteAll();

            double probesPerSecond = 2.0 * pods;
            double added = probed.ownCore() - plain.ownCore();
            System.out.println();
            System.out.printf(Locale.ROOT, "%-58s %12s %12s%n", "j8s server CPU, % of one core, over " + seconds + " s",
                    "own threads", "children");
            System.out.printf(Locale.ROOT, "%-58s %11.2f%% %11.2f%%%n", pods + " pods, no probes (the peer)",
                    100 * plain.ownCore(), 100 * plain.childrenCore());
            System.out.printf(Locale.ROOT, "%-58s %11.2f%% %11.2f%%%n", pods + " pods, httpGet + tcpSocket each every 1 s",
                    100 * probed.ownCore(), 100 * probed.childrenCore());
            System.out.printf(Locale.ROOT, "%-58s %11.2f%% %11.2f%%%n", execPods + " pods, exec every 1 s (runc exec)",
                    100 * execProbed.ownCore(), 100 * execProbed.childrenCore());
            System.out.printf(Locale.ROOT, "network probes: %.0f/s, %.2f%% of one core with them (%s 5%%), %.2f%% added by "
                    + "them, %.0f µs of server CPU per probe%n", probesPerSecond, 100 * probed.ownCore(),
                    probed.ownCore() < 0.05 ? "under" : "NOT under", 100 * added, 1e6 * Math.max(0, added) / probesPerSecond);
            System.out.printf(Locale.ROOT, "ratio with probes / without (own threads): %.2f%n",
                    probed.ownCore() / Math.max(1e-9, plain.ownCore()));
            System.out.printf(Locale.ROOT, "exec probes: %d/s, %.0f µs of server CPU and %.0f µs in runc per probe%n",
                    execPods, 1e6 * Math.max(0, execProbed.ownCore() - plain.ownCore() * execPods / pods) / execPods,
                    1e6 * execProbed.childrenCore() / execPods);
        } finally {
            deleteAll();
            api.send("DELETE", "/api/v1/namespaces/" + ns, "application/json", null);
        }
    }

    /** Creates {@code n} pods named {@code <kind>-<i>} with {@code probes} and waits until every one is Ready. */
    void start(int n, String image, String kind, String probes) throws Exception {
        for (int i = 0; i < n; i++) {
            String json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + kind + "-" + i + "\"},"
                    + "\"spec\":{\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"main\",\"image\":\""
                    + image + "\",\"imagePullPolicy\":\"IfNotPresent\",\"command\":[\"sh\",\"-c\",\"" + COMMAND + "\"]"
                    + probes + "}]}}";
            HttpResponse<byte[]> r = api.post("/api/v1/namespaces/" + ns + "/pods", json);
            if (r.statusCode() != 201) {
                throw new IllegalStateException("create " + kind + "-" + i + ": HTTP " + r.statusCode() + " "
                        + new String(r.body(), StandardCharsets.UTF_8));
            }
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        int ready = 0;
        while (ready < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + ready + " of " + n + " " + kind + " pods Ready in 5 minutes");
            }
            Thread.sleep(1000);
            String list = new String(api.get("/api/v1/namespaces/" + ns + "/pods", "application/json").body(),
                    StandardCharsets.UTF_8);
            Matcher m = CONDITION.matcher(list);
            ready = 0;
            while (m.find()) {
                if (m.group().contains("\"status\":\"True\"")) {
                    ready++;
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d %s pods Ready%n", n, kind);
    }

    /** Waits {@code settle} seconds, then the server's CPU over {@code seconds}. */
    static Cpu measure(long pid, int settle, int seconds) throws Exception {
        Thread.sleep(settle * 1000L);
        long ticks = PodStartBenchmark.getconfClkTck();
        long[] before = ticks(pid);
        long wallBefore = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long[] after = ticks(pid);
        double wall = (System.nanoTime() - wallBefore) / 1e9;
        return new Cpu((after[0] - before[0]) / (double) ticks / wall, (after[1] - before[1]) / (double) ticks / wall,
                wall);
    }

    /** utime+stime, and cutime+cstime (fields 14-17 of /proc/PID/stat). */
    static long[] ticks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14])};
    }

    void deleteAll() throws Exception {
        api.send("DELETE", "/api/v1/namespaces/" + ns + "/pods?gracePeriodSeconds=1", "application/json", null);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            String list = new String(api.get("/api/v1/namespaces/" + ns + "/pods", "application/json").body(),
                    StandardCharsets.UTF_8);
            if (!list.contains("\"name\":\"")) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("pods of " + ns + " not gone in 5 minutes");
    }
}
