package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code pods/proxy} and {@code services/proxy} with the real kubectl: {@code get --raw} and {@code kubectl proxy}
 * reach a busybox {@code httpd} behind pod {@code web} and service {@code web} (port {@code http} 80 to the pod's
 * named port 8080), with the path, the query, the method and the body passed through, and upstream's errors; the
 * proxy, exec, attach and port-forward subresources authorized with upstream's verbs.
 */
class ProxySubresourcesIT {

    static final String SERVICE = "/api/v1/namespaces/default/services/web";
    static final String POD = "/api/v1/namespaces/default/pods/web";

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("proxy-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @BeforeAll
    static void startWeb() {
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
                    - name: web-port
                      containerPort: 8080
                    readinessProbe:
                      tcpSocket:
                        port: 8080
                      periodSeconds: 1
                    command:
                    - sh
                    - -c
                    - |
                      busybox mkdir -p /www/cgi-bin
                      echo hello-from-web > /www/index.html
                      printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho "method=$REQUEST_METHOD query=$QUERY_STRING"\\n[ -n "$CONTENT_LENGTH" ] && busybox head -c "$CONTENT_LENGTH"\\nexit 0\\n' > /www/cgi-bin/echo
                      busybox chmod +x /www/cgi-bin/echo
                      exec busybox httpd -f -p 8080 -h /www
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                spec:
                  selector:
                    app: web
                  ports:
                  - name: http
                    port: 80
                    targetPort: web-port
                """.formatted(REGISTRY.image("1.0")), "apply", "-f", "-").ok();
        Await.until(LocalRegistry.timeout(), "pod web is Ready",
                () -> PodQueries.field(kubectl, "web", "{.status.conditions[?(@.type==\"Ready\")].status}"),
                ready -> ready.equals("True"));
    }

    @Test
    void getRawThroughTheServiceProxyReturnsThePageServedBehindIt() {
        Kubectl.Result result = SERVERS.kubectl().run("get", "--raw", SERVICE + ":80/proxy/").ok();

        assertThat(result.stdout()).isEqualTo("hello-from-web\n");
    }

    @Test
    void thePodProxyPassesThePathAndTheQueryThrough() {
        Kubectl.Result result = SERVERS.kubectl().run("get", "--raw", POD + ":8080/proxy/cgi-bin/echo?x=1&y=two").ok();

        // kubectl adds its own timeout to the query (from --request-timeout): passed on as well
        assertThat(result.stdout()).startsWith("method=GET query=").endsWith("x=1&y=two\n");
    }

    @Test
    void aServicePortNumberThatTheServiceDoesNotHaveIsUnavailable() {
        Kubectl.Result result = SERVERS.kubectl().run("get", "--raw", SERVICE + ":81/proxy/").failed();

        assertThat(result.stderr()).isEqualTo(
                "Error from server (ServiceUnavailable): no service port 81 found for service \"web\"\n");
    }

    @Test
    void aPodPortNothingListensOnIsUnavailableWithTheDialError() {
        Kubectl.Result result = SERVERS.kubectl().run("get", "--raw", POD + ":9999/proxy/").failed();

        assertThat(result.stderr()).startsWith("Error from server (ServiceUnavailable): error trying to reach service: "
                + "dial tcp ").contains(":9999: connect: connection refused");
    }

    @Test
    void kubectlProxyReachesTheServiceByPortNameAndPassesMethodAndBodyThrough() throws Exception {
        try (Kubectl.Background proxy = SERVERS.kubectl().start("proxy", "--port=0")) {
            String started = proxy.awaitStdout(out -> out.contains("Starting to serve on 127.0.0.1:"),
                    Duration.ofSeconds(30), "Starting to serve on");
            int port = Integer.parseInt(started.replaceAll("(?s).*Starting to serve on 127\\.0\\.0\\.1:(\\d+).*", "$1"));
            // HTTP/1.1: an offer of h2c is an upgrade request, which kubectl proxy passes on as one and then refuses
            // the plain answer to ("invalid upgrade response: status code 200"), with upstream's server as with j8s
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER).build();
            String base = "http://127.0.0.1:" + port;

            HttpResponse<String> page = send(http, HttpRequest.newBuilder(URI.create(base + SERVICE + ":http/proxy/"))
                    .build());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).isEqualTo("hello-from-web\n");
            assertThat(page.headers().allValues("Date")).as("the server's Date only").hasSize(1);

            HttpResponse<String> posted = send(http, HttpRequest.newBuilder(URI.create(base + SERVICE
                    + ":http/proxy/cgi-bin/echo?via=kubectl-proxy"))
                    .POST(HttpRequest.BodyPublishers.ofString("a body")).build());
            assertThat(posted.statusCode()).isEqualTo(200);
            assertThat(posted.body()).isEqualTo("method=POST query=via=kubectl-proxy\na body");

            // the proxy's root without its slash is redirected to it, so that relative links resolve
            HttpResponse<String> root = send(http, HttpRequest.newBuilder(URI.create(base + SERVICE + ":http/proxy"))
                    .build());
            assertThat(root.statusCode()).isEqualTo(301);
            assertThat(root.headers().firstValue("Location")).hasValue(SERVICE + ":http/proxy/");
        }
    }

    @Test
    void eachStreamingSubresourceNeedsItsOwnVerbAsUpstreamAuthorizesIt() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "serviceaccount", "proxy-viewer").ok();
        kubectl.run("create", "rolebinding", "proxy-viewer", "--clusterrole=view",
                "--serviceaccount=default:proxy-viewer").ok();
        String as = "--as=system:serviceaccount:default:proxy-viewer";
        String user = "User \"system:serviceaccount:default:proxy-viewer\"";

        // view reads pods and services but none of their proxy, exec, attach or port-forward subresources
        assertThat(kubectl.run("get", "--raw", SERVICE + ":80/proxy/", as).failed().stderr()).isEqualTo(
                "Error from server (Forbidden): services \"web:80\" is forbidden: " + user
                        + " cannot get resource \"services/proxy\" in API group \"\" in the namespace \"default\"\n");
        assertThat(kubectl.run("get", "--raw", POD + ":8080/proxy/", as).failed().stderr()).contains(
                user + " cannot get resource \"pods/proxy\" in API group \"\" in the namespace \"default\"");
        // the WebSocket upgrade (a GET) is refused, and so is the SPDY fallback (a POST): both need create
        assertThat(kubectl.run("exec", "web", as, "--", "true").failed().stderr()).contains(
                user + " cannot create resource \"pods/exec\" in API group \"\" in the namespace \"default\"");
        assertThat(kubectl.run("attach", "web", as).failed().stderr()).contains(
                user + " cannot create resource \"pods/attach\" in API group \"\" in the namespace \"default\"");
        assertThat(kubectl.run("port-forward", "pod/web", "0:8080", as).failed().stderr()).contains(
                user + " cannot create resource \"pods/portforward\" in API group \"\" in the namespace \"default\"");

        kubectl.run("create", "rolebinding", "proxy-editor", "--clusterrole=edit",
                "--serviceaccount=default:proxy-viewer").ok();
        assertThat(kubectl.run("get", "--raw", SERVICE + ":80/proxy/", as).ok().stdout()).isEqualTo("hello-from-web\n");
        assertThat(kubectl.run("exec", "web", as, "--", "echo", "in").ok().stdout()).isEqualTo("in\n");
    }

    private static HttpResponse<String> send(HttpClient http, HttpRequest request) throws IOException,
            InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
