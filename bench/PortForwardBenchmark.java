import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Port-forward throughput of a running j8s server: one HTTP download of a {@code --mib} MiB file from a busybox
 * {@code httpd} in a pod (sent with sendfile, so the pod is not what limits the figures), read as fast as the client
 * can, through {@code kubectl port-forward} (kubectl 1.32's WebSocket tunnel, and
 * kubectl 1.27's SPDY/3.1 when that binary is there), next to the same download straight from the pod's IP (the peer)
 * in the same run; each way {@code --repeat} times, alternating, the median printed with the ratio to the peer.
 * Source-launched like {@code PodStartBenchmark.java}, whose helpers it reuses (run it from the repository root);
 * needs root and an image with busybox ({@code httpd}, {@code head}), as that benchmark's README builds it:
 *
 * <pre>java bench/PortForwardBenchmark.java KUBECONFIG --image REF [--mib 512] [--repeat 5]
 *     [--kubectl /usr/bin/kubectl] [--kubectl-spdy /usr/lib/google-cloud-sdk/bin/kubectl.1.27] [--pid PID]</pre>
 *
 * Not thread-safe; one run at a time. Talks only to the loopback server of the kubeconfig and to the pod.
 */
public final class PortForwardBenchmark {

    /** httpd serving a file of zeros ({@code %d}: its size), which it sends with sendfile(2). */
    static final String COMMAND = "busybox mkdir -p /www; busybox head -c %d /dev/zero > /www/zeros; "
            + "exec busybox httpd -f -p 8080 -h /www";
    static final Pattern POD_IP = Pattern.compile("\"podIP\":\"([0-9.]+)\"");

    private final ApiBenchmark api;
    private final Path kubeconfig;
    private final String ns;

    PortForwardBenchmark(ApiBenchmark.Access access, Path kubeconfig, String ns) {
        this.api = new ApiBenchmark(access);
        this.kubeconfig = kubeconfig;
        this.ns = ns;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java bench/PortForwardBenchmark.java KUBECONFIG --image REF [--mib 512]"
                    + " [--repeat 5] [--kubectl PATH] [--kubectl-spdy PATH]");
            System.exit(2);
        }
        Path kubeconfig = Path.of(args[0]);
        String image = PodStartBenchmark.option(args, "--image")
                .orElseThrow(() -> new IllegalArgumentException("--image is required"));
        int mib = ApiBenchmark.intOption(args, "--mib", 512);
        int repeat = ApiBenchmark.intOption(args, "--repeat", 5);
        Path kubectl = Path.of(PodStartBenchmark.option(args, "--kubectl").orElse("/usr/bin/kubectl"));
        Path spdy = Path.of(PodStartBenchmark.option(args, "--kubectl-spdy")
                .orElse("/usr/lib/google-cloud-sdk/bin/kubectl.1.27"));
        ApiBenchmark.Access access = ApiBenchmark.readKubeconfig(kubeconfig);
        String host = access.server().getHost();
        if (!host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("[::1]")) {
            throw new IllegalArgumentException("refusing to benchmark a server that is not on loopback: " + host);
        }
        String id = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        long pid = PodStartBenchmark.option(args, "--pid").map(Long::parseLong)
                .orElseGet(() -> PodStartBenchmark.serverPid(kubeconfig.toAbsolutePath().getParent()));
        new PortForwardBenchmark(access, kubeconfig, "pf-" + id).run(image, mib, repeat, kubectl, spdy, pid);
    }

    void run(String image, int mib, int repeat, Path kubectl, Path spdy, long pid) throws Exception {
        System.out.printf(Locale.ROOT, "j8s pid %d, image %s, %d cores, %d MiB per download, %d downloads per way%n",
                pid, image, Runtime.getRuntime().availableProcessors(), mib, repeat);
        api.createNamespace(ns);
        List<Forward> forwards = new ArrayList<>();
        try {
            long bytes = (long) mib << 20;
            String podIp = startPod(image, bytes);
            InetSocketAddress direct = new InetSocketAddress(InetAddress.getByName(podIp), 8080);
            List<String> names = new ArrayList<>(List.of("direct to pod IP " + podIp + " (the peer)"));
            List<InetSocketAddress> targets = new ArrayList<>(List.of(direct));
            for (Path binary : List.of(kubectl, spdy)) {
                if (!Files.isExecutable(binary)) {
                    System.out.println("skipping " + binary + ": not installed");
                    continue;
                }
                Forward forward = Forward.start(binary, kubeconfig, ns);
                forwards.add(forward);
                names.add("port-forward, " + binary.getFileName() + " " + forward.version());
                targets.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), forward.port()));
            }
            for (InetSocketAddress target : targets) {
                download(target, bytes); // warm-up: JIT, connections, page cache
            }
            double[][] rates = new double[targets.size()][repeat];
            long[] serverTicks = new long[targets.size()];
            long[] kubectlTicks = new long[targets.size()];
            for (int r = 0; r < repeat; r++) {
                for (int t = 0; t < targets.size(); t++) {
                    long server = ProbeBenchmark.ticks(pid)[0];
                    long client = t == 0 ? 0 : ProbeBenchmark.ticks(forwards.get(t - 1).process().pid())[0];
                    rates[t][r] = download(targets.get(t), bytes);
                    serverTicks[t] += ProbeBenchmark.ticks(pid)[0] - server;
                    kubectlTicks[t] += t == 0 ? 0
                            : ProbeBenchmark.ticks(forwards.get(t - 1).process().pid())[0] - client;
                }
            }
            double ticksPerSecond = PodStartBenchmark.getconfClkTck();
            double megabytes = repeat * bytes / 1e6;
            System.out.println();
            System.out.printf(Locale.ROOT, "%-50s %10s %10s %10s %6s %12s %12s%n", "download of " + mib + " MiB",
                    "median", "min", "max", "ratio", "j8s CPU", "kubectl CPU");
            double peer = median(rates[0]);
            for (int t = 0; t < targets.size(); t++) {
                double[] sorted = rates[t].clone();
                Arrays.sort(sorted);
                System.out.printf(Locale.ROOT, "%-50s %5.0f MB/s %5.0f MB/s %5.0f MB/s %6.2f %7.2f ms/MB %7.2f ms/MB%n",
                        names.get(t), median(rates[t]), sorted[0], sorted[sorted.length - 1], median(rates[t]) / peer,
                        1000 * serverTicks[t] / ticksPerSecond / megabytes,
                        1000 * kubectlTicks[t] / ticksPerSecond / megabytes);
            }
            System.out.println("(MB = 10^6 bytes; ratio = median through the forward / median direct; CPU = utime + "
                    + "stime of the j8s server and of kubectl per MB moved)");
        } finally {
            forwards.forEach(Forward::close);
            api.send("DELETE", "/api/v1/namespaces/" + ns, "application/json", null);
        }
    }

    /** Creates the pod and waits until it is Ready; its IP. */
    String startPod(String image, long bytes) throws Exception {
        String json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"},"
                + "\"spec\":{\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"main\",\"image\":\""
                + image + "\",\"imagePullPolicy\":\"IfNotPresent\",\"command\":[\"sh\",\"-c\",\""
                + COMMAND.formatted(bytes) + "\"],"
                + "\"readinessProbe\":{\"tcpSocket\":{\"port\":8080},\"periodSeconds\":1}}]}}";
        HttpResponse<byte[]> r = api.post("/api/v1/namespaces/" + ns + "/pods", json);
        if (r.statusCode() != 201) {
            throw new IllegalStateException("create pod: HTTP " + r.statusCode() + " "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            String pod = new String(api.get("/api/v1/namespaces/" + ns + "/pods/web", "application/json").body(),
                    StandardCharsets.UTF_8);
            Matcher ip = POD_IP.matcher(pod);
            if (ProbeBenchmark.CONDITION.matcher(pod).results().anyMatch(c -> c.group().contains("\"status\":\"True\""))
                    && ip.find()) {
                return ip.group(1);
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("pod web not Ready in 5 minutes");
    }

    /** One HTTP/1.0 download of the {@code bytes} of zeros from {@code target}, read at once; MB/s of the body. */
    static double download(InetSocketAddress target, long bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(target, 10_000);
            s.setSoTimeout(60_000);
            long start = System.nanoTime();
            s.getOutputStream().write("GET /zeros HTTP/1.0\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[256 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                total += n;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (total < bytes) {
                throw new IllegalStateException("only " + total + " of " + bytes + " bytes came from " + target);
            }
            return bytes / 1e6 / seconds;
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** One {@code kubectl port-forward pod/web LOCAL:8080} running until closed. */
    record Forward(Process process, int port, String version) implements AutoCloseable {
        static Forward start(Path kubectl, Path kubeconfig, String ns) throws Exception {
            int port;
            try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = free.getLocalPort();
            }
            String version = new String(new ProcessBuilder(kubectl.toString(), "version", "--client", "-o", "yaml")
                    .redirectErrorStream(true).start().getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .replaceAll("(?s).*gitVersion: (v[0-9.]+).*", "$1");
            ProcessBuilder builder = new ProcessBuilder(kubectl.toString(), "--kubeconfig", kubeconfig.toString(),
                    "-n", ns, "port-forward", "pod/web", port + ":8080").redirectErrorStream(true);
            builder.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
            Process process = builder.start();
            InputStream out = process.getInputStream();
            StringBuilder printed = new StringBuilder();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!printed.toString().contains("Forwarding from 127.0.0.1:" + port)) {
                int c = out.read();
                if (c < 0 || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("kubectl port-forward did not start: " + printed);
                }
                printed.append((char) c);
            }
            Thread.ofVirtual().start(() -> { // keeps kubectl's "Handling connection" lines from filling the pipe
                try {
                    out.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException e) {
                    // gone
                }
            });
            return new Forward(process, port, version);
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
