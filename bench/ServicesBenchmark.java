import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service proxy and the cluster DNS of a running j8s server: (1) endpoint change → rule applied, the time from
 * sending an EndpointSlice update to seeing its address in the instance's nftables table, next to the time one
 * {@code nft list table} takes (the floor of observing it) and to the API round trip of the update alone; (2) DNS
 * queries per second from the host to the kube-dns address (an in-zone A, an in-zone NXDOMAIN), next to a UDP echo
 * server in this JVM on loopback (the floor of a UDP round trip from Java). Source-launch, no dependencies (reuses
 * {@code ApiBenchmark.java} of this directory for kubeconfig and TLS):
 *
 * <pre>java bench/ServicesBenchmark.java KUBECONFIG [--changes 100] [--queries 20000] [--concurrency 4]</pre>
 *
 * The changes are made twice: 300 ms apart (an isolated change, what a rollout step or a probe flip causes), then
 * back to back (the proxy applies at most one transaction per 250 ms, so those wait for their turn).
 *
 * The DNS part needs the pod network's gateway (the server answers there once a pod has run); it is skipped when
 * kube-dns does not answer. Needs root for nft. Talks only to the loopback server of the kubeconfig and to this
 * machine's service addresses. Not thread-safe; one run at a time.
 */
public final class ServicesBenchmark {

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java bench/ServicesBenchmark.java KUBECONFIG [--changes 100] [--queries 20000]"
                    + " [--concurrency 4]");
            System.exit(2);
        }
        ApiBenchmark.Access access = ApiBenchmark.readKubeconfig(Path.of(args[0]));
        ApiBenchmark api = new ApiBenchmark(access);
        int changes = ApiBenchmark.intOption(args, "--changes", 100);
        int queries = ApiBenchmark.intOption(args, "--queries", 20000);
        int concurrency = ApiBenchmark.intOption(args, "--concurrency", 4);
        String id = Long.toString(System.nanoTime() % 1_000_000, 36);
        String name = "bench-svc-" + id;
        List<ApiBenchmark.Stats> rows = new ArrayList<>();

        // a selectorless service and the slice the benchmark rewrites (its addresses are never contacted)
        check(api.post("/api/v1/namespaces/default/services", "{\"apiVersion\":\"v1\",\"kind\":\"Service\","
                + "\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"ports\":[{\"port\":80}]}}"), 201);
        String svc = new String(api.get("/api/v1/namespaces/default/services/" + name, "application/json").body(),
                StandardCharsets.UTF_8);
        Matcher ip = Pattern.compile("\"clusterIP\":\"([0-9.]+)\"").matcher(svc);
        if (!ip.find()) {
            throw new IllegalStateException("no clusterIP in " + svc);
        }
        String clusterIp = ip.group(1);
        String slicePath = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";
        check(api.post(slicePath, slice(name, 0)), 201);
        try {
            String table = awaitTable(clusterIp);
            // isolated changes (more than the proxy's 250 ms minimum sync period apart), then back to back
            int n = 0;
            for (int gap : new int[] {300, 0}) {
                long[] applied = new long[changes];
                long[] update = new long[changes];
                long[] observe = new long[changes];
                long start = System.nanoTime();
                for (int i = 0; i < changes; i++) {
                    Thread.sleep(gap);
                    n++;
                    long t0 = System.nanoTime();
                    check(api.send("PUT", slicePath + "/" + name, "application/json", slice(name, n)), 200);
                    update[i] = System.nanoTime() - t0;
                    String want = "dnat to " + address(n) + ":80";
                    while (true) {
                        long o0 = System.nanoTime();
                        String rules = nft("list", "table", "ip", table);
                        observe[i] = System.nanoTime() - o0;
                        if (rules.contains(want)) {
                            break;
                        }
                        if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(30)) {
                            throw new IllegalStateException("rule for " + want + " not applied within 30 s");
                        }
                    }
                    applied[i] = System.nanoTime() - t0;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                rows.add(new ApiBenchmark.Stats(gap > 0 ? "slice update → rule applied" : "  same, back to back",
                        changes, seconds, applied, gap > 0 ? "PUT sent → address seen in nft list, " + gap
                                + " ms apart" : "rate-limited by the 250 ms minimum sync period"));
                if (gap > 0) {
                    rows.add(new ApiBenchmark.Stats("  slice PUT alone", changes, seconds, update, "API round trip"));
                    rows.add(new ApiBenchmark.Stats("  one nft list table", changes, seconds, observe,
                            "observation floor (last poll)"));
                }
            }
        } finally {
            api.send("DELETE", "/api/v1/namespaces/default/services/" + name, "application/json", null);
            api.send("DELETE", slicePath + "/" + name, "application/json", null);
        }

        String dns = dnsServiceIp(api);
        InetSocketAddress server = new InetSocketAddress(InetAddress.ofLiteral(dns), 53);
        if (query(server, "kubernetes.default.svc.cluster.local", Duration.ofSeconds(2)) < 0) {
            System.out.println("kube-dns at " + dns + " does not answer (no pod has run yet?): DNS part skipped");
        } else {
            rows.add(dnsLoad("DNS A kubernetes.default (in zone)", server, "kubernetes.default.svc.cluster.local",
                    queries, concurrency));
            rows.add(dnsLoad("DNS A nope.default (NXDOMAIN)", server, "nope.default.svc.cluster.local", queries,
                    concurrency));
            try (DatagramChannel echo = DatagramChannel.open().bind(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                Thread echoer = Thread.ofPlatform().daemon().start(() -> {
                    ByteBuffer b = ByteBuffer.allocate(512);
                    try {
                        while (true) {
                            b.clear();
                            var from = echo.receive(b);
                            echo.send(b.flip(), from);
                        }
                    } catch (Exception e) {
                        // closed
                    }
                });
                rows.add(dnsLoad("UDP echo in this JVM (floor)", (InetSocketAddress) echo.getLocalAddress(),
                        "kubernetes.default.svc.cluster.local", queries, concurrency));
                echoer.interrupt();
            }
        }
        System.out.println(String.format(Locale.ROOT, "%-34s %6s %10s %9s %9s %9s", "operation", "n", "ops/s",
                "p50 ms", "p99 ms", "max ms"));
        rows.forEach(r -> System.out.println(r.row()));
        if (rows.size() >= 7) {
            System.out.println(String.format(Locale.ROOT, "DNS in-zone qps / UDP echo qps = %.2f",
                    rows.get(4).opsPerSecond() / rows.get(6).opsPerSecond()));
        }
        System.out.println(String.format(Locale.ROOT, "rule applied p50 / (PUT p50 + nft list p50) = %.2f",
                rows.get(0).percentileMillis(50) / (rows.get(1).percentileMillis(50) + rows.get(2).percentileMillis(50))));
    }

    static String address(int n) {
        return "198.51.100." + (n % 250 + 1);
    }

    static String slice(String name, int n) {
        return "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"" + name
                + "\",\"labels\":{\"kubernetes.io/service-name\":\"" + name + "\"}},\"addressType\":\"IPv4\","
                + "\"ports\":[{\"name\":\"\",\"port\":80,\"protocol\":\"TCP\"}],\"endpoints\":[{\"addresses\":[\""
                + address(n) + "\"],\"conditions\":{\"ready\":true}}]}";
    }

    static void check(HttpResponse<byte[]> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException("HTTP " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        }
    }

    static String nft(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("nft"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    /** The instance's services table: the one whose rules hold the service's address. */
    static String awaitTable(String clusterIp) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (String line : nft("list", "tables").split("\n")) {
                if (line.startsWith("table ip ") && line.endsWith("-services")) {
                    String table = line.substring("table ip ".length());
                    if (nft("list", "table", "ip", table).contains(clusterIp)) {
                        return table;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no services table holds " + clusterIp + " after 30 s");
    }

    static String dnsServiceIp(ApiBenchmark api) throws Exception {
        String svc = new String(api.get("/api/v1/namespaces/kube-system/services/kube-dns", "application/json").body(),
                StandardCharsets.UTF_8);
        Matcher ip = Pattern.compile("\"clusterIP\":\"([0-9.]+)\"").matcher(svc);
        if (!ip.find()) {
            throw new IllegalStateException("no kube-dns service: " + svc);
        }
        return ip.group(1);
    }

    /** A DNS query for {@code name} A, with recursion desired (RFC 1035 §4.1). */
    static byte[] queryBytes(int id, String name) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0);
        for (String label : name.split("\\.")) {
            b.put((byte) label.length()).put(label.getBytes(StandardCharsets.US_ASCII));
        }
        b.put((byte) 0).putShort((short) 1).putShort((short) 1);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    /** One query's round trip in nanoseconds, or -1 without an answer in time. */
    static long query(InetSocketAddress server, String name, Duration timeout) throws Exception {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
            s.connect(server);
            s.setSoTimeout((int) timeout.toMillis());
            byte[] q = queryBytes(1, name);
            long t0 = System.nanoTime();
            s.send(new java.net.DatagramPacket(q, q.length));
            s.receive(new java.net.DatagramPacket(new byte[1500], 1500));
            return System.nanoTime() - t0;
        } catch (java.net.SocketTimeoutException e) {
            return -1;
        }
    }

    static ApiBenchmark.Stats dnsLoad(String label, InetSocketAddress server, String name, int total, int workers)
            throws Exception {
        long[] nanos = new long[total];
        int per = total / workers;
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(workers)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int from = w * per;
                futures.add(pool.submit(() -> {
                    try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
                        s.connect(server);
                        s.setSoTimeout(2000);
                        var packet = new java.net.DatagramPacket(new byte[1500], 1500);
                        for (int i = from; i < from + per; i++) {
                            byte[] q = queryBytes(i & 0xffff, name);
                            long t0 = System.nanoTime();
                            s.send(new java.net.DatagramPacket(q, q.length));
                            s.receive(packet);
                            nanos[i] = System.nanoTime() - t0;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.MINUTES);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] done = java.util.Arrays.copyOf(nanos, per * workers);
        return new ApiBenchmark.Stats(label, done.length, seconds, done, workers + " clients");
    }
}
