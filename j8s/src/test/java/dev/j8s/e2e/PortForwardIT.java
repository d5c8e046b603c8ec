package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kubectl port-forward} against real pods: a busybox {@code httpd} behind pod {@code web} and service
 * {@code web} (port 80 to 8080) serves 100 sequential and 20 concurrent requests through one forward, with kubectl
 * 1.32 (the WebSocket tunnel) and 1.27 (SPDY); a forward to a port nothing listens on prints upstream's error and ends
 * that kubectl as upstream's does, while other forwards go on; and 1 GiB downloaded through a forward by a client
 * slower than the pod grows the server by less than 32 MiB.
 *
 * <p>Local ports are picked free when the test runs (other test runs share this machine). The server pre-touches its
 * initial heap, so its resident size grows only when the heap or native memory does.
 */
class PortForwardIT {

    static final long DOWNLOAD = 1L << 30;
    static final long MAX_GROWTH = 32L << 20;
    /** The slow client's pace: well below what a forward moves here, so the client is what holds the pod back. */
    static final long CLIENT_BYTES_PER_SECOND = 40L << 20;

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("portforward-node", List.of(),
            List.of("-XX:+AlwaysPreTouch"));

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @BeforeAll
    static void startWeb() throws IOException {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                  labels:
                    app: web
                spec:
                  containers:
                  - name: web
                    image: %s
                    ports:
                    - containerPort: 8080
                    command:
                    - sh
                    - -c
                    - |
                      busybox mkdir -p /www/cgi-bin
                      echo hello-from-web > /www/index.html
                      printf '#!/bin/sh\\necho Content-Type: application/octet-stream\\necho\\nexec busybox head -c %d /dev/zero\\n' > /www/cgi-bin/big
                      busybox chmod +x /www/cgi-bin/big
                      exec busybox httpd -f -p 8080 -h /www
                """.formatted(REGISTRY.image("1.0"), DOWNLOAD), "apply", "-f", "-").ok();
        kubectl.run("expose", "pod", "web", "--name", "web", "--port", "80", "--target-port", "8080").ok();
        PodQueries.awaitRunning(kubectl, "web");
        // the paths are loaded and compiled before anything is measured, and httpd is known to listen
        try (Forward forward = Forward.start(kubectl, "pod/web", 8080)) {
            Await.until(Duration.ofSeconds(30), "httpd answers through a forward", () -> getOrProblem(forward.port(), "/")
                    + "\nkubectl said: " + forward.background().stderr(), body -> body.startsWith("hello-from-web\n"));
        }
    }

    @Test
    void kubectl132ForwardsAPodPortForSequentialAndConcurrentRequests() throws Exception {
        servesSequentialAndConcurrentRequests(SERVERS.kubectl(), "pod/web", 8080);
    }

    @Test
    void kubectl127ForwardsAPodPortForSequentialAndConcurrentRequests() throws Exception {
        servesSequentialAndConcurrentRequests(SERVERS.kubectl("1.27"), "pod/web", 8080);
    }

    @Test
    void kubectl132ForwardsAServicePortToItsPod() throws Exception {
        servesSequentialAndConcurrentRequests(SERVERS.kubectl(), "svc/web", 80);
    }

    @Test
    void kubectl127ForwardsAServicePortToItsPod() throws Exception {
        servesSequentialAndConcurrentRequests(SERVERS.kubectl("1.27"), "svc/web", 80);
    }

    private static void servesSequentialAndConcurrentRequests(Kubectl kubectl, String target, int remote)
            throws Exception {
        try (Forward forward = Forward.start(kubectl, target, remote);
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100; i++) {
                assertThat(get(forward.port(), "/index.html?n=" + i)).as("request %d", i).isEqualTo("hello-from-web\n");
            }
            List<Callable<String>> requests = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                requests.add(() -> get(forward.port(), "/index.html"));
            }
            List<String> answers = new ArrayList<>();
            for (Future<String> answer : clients.invokeAll(requests, 60, TimeUnit.SECONDS)) {
                answers.add(answer.get());
            }
            assertThat(answers).hasSize(20).allMatch(body -> body.equals("hello-from-web\n"));
            assertThat(forward.background().stdout())
                    .contains("Forwarding from 127.0.0.1:" + forward.port() + " -> 8080")
                    .contains("Handling connection for " + forward.port());
            assertThat(forward.background().isAlive()).isTrue();
        }
    }

    @Test
    void aForwardToAClosedPortPrintsUpstreamsErrorWhileOtherForwardsGoOn() throws Exception {
        closedPort(SERVERS.kubectl());
    }

    @Test
    void kubectl127ForwardToAClosedPortPrintsUpstreamsError() throws Exception {
        closedPort(SERVERS.kubectl("1.27"));
    }

    private static void closedPort(Kubectl kubectl) throws Exception {
        try (Forward open = Forward.start(kubectl, "pod/web", 8080);
                Forward closed = Forward.start(kubectl, "pod/web", 9999)) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), closed.port())) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(s.getInputStream().read()).as("nothing comes back from a closed port").isEqualTo(-1);
            }
            Await.until(Duration.ofSeconds(20), "kubectl port-forward to 9999 ends", closed.background()::isAlive,
                    alive -> !alive);
            // upstream's kubelet text (containerd's dial error), which kubectl prints before ending the session
            assertThat(closed.background().stderr())
                    .contains("an error occurred forwarding " + closed.port() + " -> 9999: error forwarding port 9999 "
                            + "to pod ")
                    .contains("failed to connect to localhost:9999 inside namespace")
                    .contains("IPv4: dial tcp4 127.0.0.1:9999: connect: connection refused")
                    .contains("error: lost connection to pod");
            assertThat(get(open.port(), "/index.html")).as("another forward goes on").isEqualTo("hello-from-web\n");
        }
    }

    @Test
    void aGibibyteDownloadedSlowlyThroughATunnelledForwardGrowsTheServerByLessThan32MiB() throws Exception {
        slowDownload(SERVERS.kubectl());
    }

    @Test
    void aGibibyteDownloadedSlowlyThroughASpdyForwardGrowsTheServerByLessThan32MiB() throws Exception {
        slowDownload(SERVERS.kubectl("1.27"));
    }

    private static void slowDownload(Kubectl kubectl) throws Exception {
        J8sServer server = SERVERS.server();
        try (Forward forward = Forward.start(kubectl, "pod/web", 8080);
                Socket s = new Socket(InetAddress.getLoopbackAddress(), forward.port())) {
            get(forward.port(), "/index.html");
            long before = server.residentBytes();
            AtomicLong maxGrowth = new AtomicLong();
            s.setReceiveBufferSize(64 * 1024);
            s.setSoTimeout(60_000);
            s.getOutputStream().write("GET /cgi-bin/big HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            long read = 0;
            long start = System.nanoTime();
            long lastSample = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                read += n;
                long due = start + read * 1_000_000_000L / CLIENT_BYTES_PER_SECOND;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Duration.ofNanos(wait));
                }
                if (read - lastSample > (32L << 20)) {
                    lastSample = read;
                    maxGrowth.accumulateAndGet(server.residentBytes() - before, Math::max);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("port-forward download with %s: %d MiB in %.1f s (%.1f MiB/s), server resident growth "
                    + "at most %.1f MiB%n", kubectl.binary().getFileName(), read >> 20, seconds, (read >> 20) / seconds,
                    maxGrowth.get() / 1048576.0);

            assertThat(read).as("the whole download and its headers").isGreaterThan(DOWNLOAD);
            assertThat(maxGrowth.get()).as("resident growth of the server while %d MiB went through", read >> 20)
                    .isLessThan(MAX_GROWTH);
            assertThat(forward.background().isAlive()).isTrue();
        }
    }

    /** An HTTP/1.0 GET through the forward on {@code port}; the body. */
    static String get(int port, String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.").contains(" 200 OK\r\n");
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    /** The body, or what went wrong. */
    private static String getOrProblem(int port, String path) {
        try {
            return get(port, path);
        } catch (IOException | AssertionError e) {
            return e.toString();
        }
    }


    /** A local port nothing listens on right now. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** One {@code kubectl port-forward TARGET LOCAL:REMOTE} on a local port picked free, running until closed. */
    record Forward(Kubectl.Background background, int port) implements AutoCloseable {

        static Forward start(Kubectl kubectl, String target, int remote) throws IOException {
            int port = freePort();
            Kubectl.Background background = kubectl.start("port-forward", target, port + ":" + remote);
            background.awaitStdout(out -> out.contains("Forwarding from 127.0.0.1:" + port), Duration.ofSeconds(30),
                    "Forwarding from 127.0.0.1:" + port);
            return new Forward(background, port);
        }

        @Override
        public void close() {
            background.close();
        }
    }
}
