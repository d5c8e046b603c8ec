package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Identity and RBAC through the real kubectl: service-account tokens from {@code kubectl create token} used with
 * {@code --token} within their bindings (upstream's 403 text outside them), {@code kubectl auth whoami} and
 * {@code can-i} (with {@code --list}), a user certificate from {@code j8s kubeconfig --user} bound in one namespace,
 * escalation prevention, ClusterRole aggregation, the OIDC documents verifying a token, the node identity's limits,
 * and no token or key in the server's log, events or answers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdentityIT {

    private static final String NODE = "identity-node";

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared(NODE);

    /** Every credential the tests handled, which must appear nowhere the server writes. */
    private static final List<String> SECRETS = new ArrayList<>();
    /** Every answer the tests saw, checked for those credentials at the end. */
    private static final List<String> ANSWERS = new ArrayList<>();

    private static Kubectl.Result seen(Kubectl.Result r) {
        ANSWERS.add(r.stdout());
        ANSWERS.add(r.stderr());
        return r;
    }

    private static String token(String serviceAccount, String... more) {
        List<String> args = new ArrayList<>(List.of("create", "token", serviceAccount));
        args.addAll(List.of(more));
        String token = SERVERS.kubectl().run(args.toArray(String[]::new)).ok().stdout();
        SECRETS.add(token);
        return token;
    }

    private static JsonNode claims(String token) throws Exception {
        return dev.j8s.apiserver.json.Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    }

    @Test
    @Order(1)
    void aCreatedTokenWorksWithKubectlWithinItsServiceAccountsBinding() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "serviceaccount", "reader").ok();
        String token = token("reader", "--duration=10m");
        assertThat(token).doesNotEndWith("\n");
        JsonNode claims = claims(token);
        assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(600);
        assertThat(claims.path("sub").asText()).isEqualTo("system:serviceaccount:default:reader");
        assertThat(claims.path("aud").toString()).isEqualTo("[\"https://kubernetes.default.svc.cluster.local\"]");

        assertThat(seen(kubectl.run("--token=" + token, "get", "pods")).failed().stderr()).contains(
                "Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:default:reader\" cannot"
                        + " list resource \"pods\" in API group \"\" in the namespace \"default\"");
        kubectl.run("create", "rolebinding", "reader-view", "--clusterrole=view", "--serviceaccount=default:reader").ok();
        seen(kubectl.run("--token=" + token, "get", "pods")).ok();
        assertThat(seen(kubectl.run("--token=" + token, "create", "configmap", "x")).failed().stderr()).contains(
                "configmaps is forbidden: User \"system:serviceaccount:default:reader\" cannot create resource"
                        + " \"configmaps\" in API group \"\" in the namespace \"default\"");

        assertThat(seen(kubectl.run("create", "token", "reader", "--duration=1m")).failed().stderr()).contains(
                "error: failed to create token: TokenRequest.authentication.k8s.io \"\" is invalid:"
                        + " spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes");
    }

    @Test
    @Order(2)
    void whoamiAndCanIAnswerForTheAdminTheTokenAndImpersonation() {
        Kubectl kubectl = SERVERS.kubectl();
        assertThat(kubectl.run("auth", "whoami").ok().stdout()).contains("system:admin")
                .contains("[system:masters system:authenticated]");
        String token = token("reader");
        String whoami = seen(kubectl.run("--token=" + token, "auth", "whoami")).ok().stdout();
        assertThat(whoami).contains("system:serviceaccount:default:reader")
                .contains("[system:serviceaccounts system:serviceaccounts:default system:authenticated]")
                .contains("authentication.kubernetes.io/credential-id");

        assertThat(kubectl.run("auth", "can-i", "list", "pods", "--as=system:serviceaccount:default:reader").ok()
                .stdout().strip()).isEqualTo("yes");
        Kubectl.Result no = kubectl.run("auth", "can-i", "delete", "pods", "--as=system:serviceaccount:default:reader");
        assertThat(no.exitCode()).isEqualTo(1);
        assertThat(no.stdout().strip()).isEqualTo("no");
        List<List<String>> rows = kubectl.run("auth", "can-i", "--list", "--as=system:serviceaccount:default:reader")
                .ok().cells();
        assertThat(rows.getFirst()).containsExactly("Resources", "Non-Resource URLs", "Resource Names", "Verbs");
        assertThat(rows).contains(List.of("pods", "[]", "[]", "[get list watch]"),
                List.of("selfsubjectreviews.authentication.k8s.io", "[]", "[]", "[create]"),
                List.of("[/openid/v1/jwks]", "[]", "[get]"));
        assertThat(rows).noneMatch(r -> r.getFirst().equals("secrets"));
    }

    @Test
    @Order(3)
    void aUserCertificateInGroupDevBoundToEditInOneNamespaceCannotReadSecretsInAnother() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "namespace", "team").ok();
        kubectl.run("create", "rolebinding", "dev-edit", "-n", "team", "--clusterrole=edit", "--group=dev").ok();
        J8sServer.Cli issued = J8sServer.cli("kubeconfig", "--data-dir", SERVERS.server().dataDir().toString(),
                "--user", "dave", "--group", "dev");
        assertThat(issued.exitCode()).as(issued.stderr()).isZero();
        Path daveConfig = Files.writeString(SERVERS.home().resolve("dave.kubeconfig"), issued.stdout());
        String key = issued.stdout().lines().filter(l -> l.contains("client-key-data")).findFirst().orElseThrow()
                .split(":")[1].strip();
        SECRETS.add(key);
        Kubectl dave = kubectl.withKubeconfig(daveConfig);

        assertThat(dave.run("auth", "whoami").ok().stdout()).contains("dave").contains("[dev system:authenticated]");
        kubectl.run("create", "secret", "generic", "s", "-n", "team", "--from-literal=k=v").ok();
        dave.run("get", "secret", "s", "-n", "team").ok();
        assertThat(seen(dave.run("get", "secrets", "-n", "default")).failed().stderr())
                .contains("Error from server (Forbidden): secrets is forbidden: User \"dave\" cannot list resource"
                        + " \"secrets\" in API group \"\" in the namespace \"default\"");
    }

    @Test
    @Order(4)
    void aRoleThatMayCreateRoleBindingsCannotBindAdminWithoutHoldingIt() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "role", "rb-creator", "-n", "team", "--verb=create",
                "--resource=rolebindings.rbac.authorization.k8s.io").ok();
        kubectl.run("create", "rolebinding", "alice-rb", "-n", "team", "--role=rb-creator", "--user=alice").ok();
        Kubectl.Result refused = seen(kubectl.run("create", "rolebinding", "try", "-n", "team", "--clusterrole=admin",
                "--user=bob", "--as=alice"));
        assertThat(refused.failed().stderr()).contains("error: failed to create rolebinding: rolebindings.rbac."
                + "authorization.k8s.io \"try\" is forbidden: user \"alice\" (groups=[\"system:authenticated\"]) is"
                + " attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"bindings\"],"
                + " Verbs:[\"get\" \"list\" \"watch\"]}");
        kubectl.run("create", "clusterrole", "bind-admin", "--verb=bind", "--resource=clusterroles",
                "--resource-name=admin").ok();
        kubectl.run("create", "rolebinding", "alice-bind", "-n", "team", "--clusterrole=bind-admin", "--user=alice").ok();
        kubectl.run("create", "rolebinding", "try", "-n", "team", "--clusterrole=admin", "--user=bob", "--as=alice").ok();
        assertThat(kubectl.run("auth", "can-i", "delete", "secrets", "-n", "team", "--as=bob").ok().stdout().strip())
                .isEqualTo("yes");
    }

    @Test
    @Order(5)
    void aClusterRoleLabelledAggregateToViewJoinsViewEditAndAdmin() {
        Kubectl kubectl = SERVERS.kubectl();
        SERVERS.kubectl().runWithStdin("""
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: widgets-view
                  labels:
                    rbac.authorization.k8s.io/aggregate-to-view: "true"
                rules:
                - apiGroups: ["example.com"]
                  resources: ["widgets"]
                  verbs: ["get", "list", "watch"]
                """, "apply", "-f", "-").ok();
        for (String role : List.of("view", "edit", "admin")) {
            Await.until(Duration.ofSeconds(10), role + " aggregates widgets",
                    () -> kubectl.run("get", "clusterrole", role, "-o", "jsonpath={.rules[*].resources}").ok().stdout(),
                    out -> out.contains("widgets"));
        }
        assertThat(kubectl.run("get", "clusterrolebinding", "system:node", "-o", "wide").ok().stdout())
                .contains("ClusterRole/system:node");
    }

    @Test
    @Order(6)
    void theOidcDocumentsVerifyATokenAndAreForServiceAccountsOnly() throws Exception {
        ApiClient api = SERVERS.server().api();
        String token = token("reader");
        ApiClient asReader = api.withToken(token);
        JsonNode config = asReader.get("/.well-known/openid-configuration").json();
        assertThat(config.path("issuer").asText()).isEqualTo("https://kubernetes.default.svc.cluster.local");
        assertThat(config.path("jwks_uri").asText()).endsWith("/openid/v1/jwks");
        ApiClient.Response jwksResponse = asReader.get("/openid/v1/jwks");
        assertThat(jwksResponse.headers().firstValue("Content-Type")).contains("application/jwk-set+json");
        JsonNode jwk = jwksResponse.json().path("keys").get(0);
        JsonNode header = dev.j8s.apiserver.json.Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
        assertThat(jwk.path("kid").asText()).isEqualTo(header.path("kid").asText());
        PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("n").asText())),
                new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("e").asText()))));
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initVerify(key);
        String[] parts = token.split("\\.");
        rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(rs256.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();

        assertThat(api.withoutToken().get("/openid/v1/jwks").status()).isEqualTo(401);
        assertThat(api.withoutToken().get("/version").status()).isEqualTo(200);
        assertThat(api.withToken("not-a-token").get("/version").status()).isEqualTo(401);
    }

    @Test
    @Order(7)
    void theNodeIdentityReadsOnlyWhatItsPodsReference() {
        Kubectl kubectl = SERVERS.kubectl();
        String asNode = "--as=system:node:" + NODE;
        assertThat(seen(kubectl.run("get", "secret", "s", "-n", "team", asNode, "--as-group=system:nodes")).failed()
                .stderr()).contains("Error from server (Forbidden): secrets \"s\" is forbidden: User \"system:node:"
                + NODE + "\" cannot get resource \"secrets\" in API group \"\" in the namespace \"team\": no relationship"
                + " found between node '" + NODE + "' and this object");
        // the nodes' service proxies read every Node through j8s:node-proxier (system:node-proxier bound to
        // system:nodes, as an agent's proxy runs with its node's identity); without it the Node authorizer allows a
        // node its own Node object only
        kubectl.run("get", "nodes", asNode, "--as-group=system:nodes").ok();
        kubectl.run("delete", "clusterrolebinding", "j8s:node-proxier").ok();
        try {
            assertThat(kubectl.run("get", "nodes", asNode, "--as-group=system:nodes").failed().stderr())
                    .contains("nodes is forbidden: User \"system:node:" + NODE + "\" cannot list resource \"nodes\" in"
                            + " API group \"\" at the cluster scope: node '" + NODE + "' cannot read all nodes, only its"
                            + " own Node object");
            kubectl.run("get", "node", NODE, asNode, "--as-group=system:nodes").ok();
        } finally {
            kubectl.run("create", "clusterrolebinding", "j8s:node-proxier", "--clusterrole=system:node-proxier",
                    "--group=system:nodes").ok();
        }
    }

    /** An openssl-made key and PEM certificate request for {@code subject}, in the test's home; the request's bytes. */
    private static byte[] opensslRequest(String name, String subject) throws Exception {
        Path key = SERVERS.home().resolve(name + ".key");
        Path request = SERVERS.home().resolve(name + ".csr");
        Process openssl = new ProcessBuilder("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-subj", subject, "-keyout", key.toString(),
                "-out", request.toString()).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(openssl.waitFor()).as(output).isZero();
        SECRETS.add(Files.readString(key).lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat));
        return Files.readAllBytes(request);
    }

    private static String csrManifest(String name, byte[] request, String signer, String usages) {
        return """
                apiVersion: certificates.k8s.io/v1
                kind: CertificateSigningRequest
                metadata:
                  name: %s
                spec:
                  request: %s
                  signerName: %s
                  expirationSeconds: 86400
                  usages: [%s]
                """.formatted(name, Base64.getEncoder().encodeToString(request), signer, usages);
    }

    @Test
    @Order(8)
    void kubectlListsApprovesAndDeniesCertificateSigningRequestsOnlyForThoseAllowedToApprove() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        byte[] carol = opensslRequest("carol", "/CN=carol/O=dev");
        kubectl.runWithStdin(csrManifest("carol", carol, "kubernetes.io/kube-apiserver-client", "client auth"),
                "create", "-f", "-").ok();
        kubectl.runWithStdin(csrManifest("mallory", opensslRequest("mallory", "/CN=mallory/O=system:masters"),
                "kubernetes.io/kube-apiserver-client", "client auth"), "create", "-f", "-").ok();
        assertThat(kubectl.runWithStdin(csrManifest("short", carol, "example.com/signer", "client auth")
                .replace("86400", "60"), "create", "-f", "-").failed().stderr())
                .contains("The CertificateSigningRequest \"short\" is invalid: spec.expirationSeconds: Invalid value: 60:"
                        + " may not specify a duration less than 600 seconds (10 minutes)");

        List<List<String>> rows = kubectl.run("get", "csr").ok().cells();
        assertThat(rows.getFirst()).containsExactly("NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION",
                "CONDITION");
        assertThat(rows).anySatisfy(r -> assertThat(r).startsWith("carol").endsWith(
                "kubernetes.io/kube-apiserver-client", "system:admin", "24h", "Pending"));

        // dave may read requests and write their approval, but not approve for this signer
        kubectl.runWithStdin("""
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: csr-approval-writer
                rules:
                - apiGroups: [certificates.k8s.io]
                  resources: [certificatesigningrequests]
                  verbs: [get, list]
                - apiGroups: [certificates.k8s.io]
                  resources: [certificatesigningrequests/approval]
                  verbs: [update]
                """, "create", "-f", "-").ok();
        kubectl.run("create", "clusterrolebinding", "dave-csr", "--clusterrole=csr-approval-writer", "--user=dave").ok();
        Kubectl dave = kubectl.withKubeconfig(SERVERS.home().resolve("dave.kubeconfig"));
        assertThat(seen(dave.run("certificate", "approve", "carol")).failed().stderr()).contains(
                "certificatesigningrequests.certificates.k8s.io \"carol\" is forbidden: user not permitted to approve"
                        + " requests with signerName \"kubernetes.io/kube-apiserver-client\"");

        assertThat(kubectl.run("certificate", "approve", "carol").ok().stdout())
                .contains("certificatesigningrequest.certificates.k8s.io/carol approved");
        assertThat(kubectl.run("certificate", "deny", "mallory").ok().stdout())
                .contains("certificatesigningrequest.certificates.k8s.io/mallory denied");
        JsonNode approved = dev.j8s.apiserver.json.Json.MAPPER.readTree(
                kubectl.run("get", "csr", "carol", "-o", "json").ok().stdout());
        assertThat(approved.at("/status/conditions/0/type").asText()).isEqualTo("Approved");
        assertThat(approved.at("/status/conditions/0/reason").asText()).isEqualTo("KubectlApprove");
        assertThat(approved.at("/spec/username").asText()).isEqualTo("system:admin");
        assertThat(kubectl.run("get", "csr", "mallory").ok().cells().get(1)).last().isEqualTo("Denied");

        // the signer issues carol's certificate with the CA of the kubeconfig; it authenticates her as carol in dev
        Await.until(Duration.ofSeconds(20), "carol's certificate issued",
                () -> kubectl.run("get", "csr", "carol").ok().cells().get(1), r -> r.getLast().equals("Approved,Issued"));
        String certificatePem = new String(Base64.getDecoder().decode(kubectl.run("get", "csr", "carol", "-o",
                "jsonpath={.status.certificate}").ok().stdout().strip()), StandardCharsets.US_ASCII);
        ClusterAccess access = ClusterAccess.read(SERVERS.server().kubeconfig());
        var factory = java.security.cert.CertificateFactory.getInstance("X.509");
        var ca = (java.security.cert.X509Certificate) factory.generateCertificate(
                new java.io.ByteArrayInputStream(access.caPem().getBytes(StandardCharsets.US_ASCII)));
        var issued = (java.security.cert.X509Certificate) factory.generateCertificate(
                new java.io.ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)));
        issued.verify(ca.getPublicKey());
        assertThat(issued.getSubjectX500Principal().getName()).isEqualTo("O=dev,CN=carol");
        assertThat(Duration.between(issued.getNotBefore().toInstant(), issued.getNotAfter().toInstant()))
                .isEqualTo(Duration.ofHours(24)); // from 5 min ago to 24 h less the backdate
        Path carolConfig = SERVERS.home().resolve("carol.kubeconfig");
        dev.j8s.kubeconfig.Kubeconfig.withClientCertificate("carol", access.server(), access.caPem(), certificatePem,
                Files.readString(SERVERS.home().resolve("carol.key")), "team").writeTo(carolConfig);
        assertThat(kubectl.withKubeconfig(carolConfig).run("auth", "whoami").ok().stdout()).contains("carol")
                .contains("[dev system:authenticated]");
        kubectl.withKubeconfig(carolConfig).run("get", "secrets", "-n", "team").ok(); // dev may edit in team
        assertThat(kubectl.run("describe", "csr", "carol").ok().stdout()).containsPattern("Requesting User:\\s+system:admin")
                .containsPattern("Signer:\\s+kubernetes.io/kube-apiserver-client")
                .containsPattern("Status:\\s+Approved,Issued").containsPattern("Common Name:\\s+carol")
                .containsPattern("Organization:\\s+dev");
    }

    private static String createToken(String... flags) {
        List<String> args = new ArrayList<>(List.of("token", "create", "--data-dir",
                SERVERS.server().dataDir().toString()));
        args.addAll(List.of(flags));
        J8sServer.Cli created = J8sServer.cli(args.toArray(String[]::new));
        assertThat(created.exitCode()).as(created.stderr()).isZero();
        return created.stdout().strip();
    }

    @Test
    @Order(9)
    void aBootstrapTokenMayOnlyAskForANodeCertificateWhichIsApprovedAndSignedAndThenIdentifiesTheNode()
            throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        String token = createToken("--ttl", "1h");
        SECRETS.add(token);
        assertThat(token).matches("[a-z0-9]{6}\\.[a-z0-9]{16}");
        String id = token.substring(0, 6);
        Kubectl.Result whoami = seen(kubectl.run("--token=" + token, "auth", "whoami")).ok();
        assertThat(whoami.stdout()).contains("system:bootstrap:" + id)
                .contains("[system:bootstrappers system:authenticated]");
        assertThat(seen(kubectl.run("--token=" + token, "get", "pods")).failed().stderr()).contains(
                "pods is forbidden: User \"system:bootstrap:" + id + "\" cannot list resource \"pods\"");
        assertThat(seen(kubectl.run("--token=" + token, "get", "secrets", "-n", "kube-system")).failed().stderr())
                .contains("secrets is forbidden: User \"system:bootstrap:" + id + "\"");

        kubectl.runWithStdin(csrManifest("node-csr-joiner", opensslRequest("joiner", "/O=system:nodes/CN=system:node:joiner"),
                "kubernetes.io/kube-apiserver-client-kubelet", "digital signature, client auth"),
                "--token=" + token, "create", "-f", "-").ok();
        List<String> row = Await.until(Duration.ofSeconds(20), "the node's request approved and issued",
                () -> kubectl.run("get", "csr", "node-csr-joiner").ok().cells().get(1),
                r -> r.getLast().equals("Approved,Issued"));
        assertThat(row).contains("system:bootstrap:" + id);
        JsonNode approved = Await.json(kubectl.run("get", "csr", "node-csr-joiner", "-o", "json").ok());
        assertThat(approved.at("/status/conditions/0/reason").asText()).isEqualTo("AutoApproved");
        assertThat(approved.at("/status/conditions/0/message").asText())
                .isEqualTo("Auto approving kubelet client certificate after SubjectAccessReview.");
        // the token reads its own request back, as the joining kubelet waits for it
        seen(kubectl.run("--token=" + token, "get", "csr", "node-csr-joiner")).ok();

        ClusterAccess access = ClusterAccess.read(SERVERS.server().kubeconfig());
        Path nodeConfig = SERVERS.home().resolve("joiner.kubeconfig");
        dev.j8s.kubeconfig.Kubeconfig.withClientCertificate("joiner", access.server(), access.caPem(),
                new String(Base64.getDecoder().decode(approved.at("/status/certificate").asText()),
                        StandardCharsets.US_ASCII), Files.readString(SERVERS.home().resolve("joiner.key")), "default")
                .writeTo(nodeConfig);
        assertThat(kubectl.withKubeconfig(nodeConfig).run("auth", "whoami").ok().stdout())
                .contains("system:node:joiner").contains("[system:nodes system:authenticated]");
    }

    @Test
    @Order(10)
    void theJoinCommandNamesABootstrapKubeconfigAndAnExpiredTokenIsRefused() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        String join = createToken("--print-join-command");
        assertThat(join).matches("j8s agent --bootstrap-kubeconfig \\S+ --kubeconfig /var/lib/j8s-agent/kubelet.kubeconfig");
        Path bootstrap = Path.of(join.split(" ")[3]);
        assertThat(Files.getPosixFilePermissions(bootstrap))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String yaml = Files.readString(bootstrap);
        String token = yaml.lines().filter(l -> l.strip().startsWith("token:")).findFirst().orElseThrow()
                .split(":", 2)[1].strip();
        SECRETS.add(token);
        assertThat(seen(kubectl.withKubeconfig(bootstrap).run("auth", "whoami")).ok().stdout())
                .contains("system:bootstrap:" + token.substring(0, 6));

        String shortLived = createToken("--ttl", "2s");
        SECRETS.add(shortLived);
        Kubectl.Result refused = Await.until(Duration.ofSeconds(20), "the 2 s token expired",
                () -> seen(kubectl.run("--token=" + shortLived, "auth", "whoami")), r -> r.exitCode() != 0);
        assertThat(refused.stderr()).contains("Unauthorized");
    }

    @Test
    @Order(20)
    void noTokenOrKeyAppearsInTheServersLogEventsOrAnswers() throws Exception {
        Path pki = SERVERS.server().dataDir().resolve("pki");
        SECRETS.add(SERVERS.server().access().token());
        for (String file : List.of("sa.key", "ca.key", "server.key")) {
            String pem = Files.readString(pki.resolve(file));
            SECRETS.add(pem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow());
        }
        SERVERS.kubectl().run("get", "pods", "--token=wrong-" + SECRETS.getFirst().substring(0, 20)).failed();
        String events = SERVERS.kubectl().run("get", "events", "-A", "-o", "yaml").ok().stdout();
        String log = SERVERS.server().logs();
        for (String secret : SECRETS) {
            String probe = secret.length() > 40 ? secret.substring(secret.length() - 40) : secret;
            assertThat(log).as("server log").doesNotContain(probe);
            assertThat(events).as("events").doesNotContain(probe);
            for (String answer : ANSWERS) {
                assertThat(answer).as("an answer").doesNotContain(probe);
            }
        }
        assertThat(SECRETS).hasSizeGreaterThan(5);
    }
}
