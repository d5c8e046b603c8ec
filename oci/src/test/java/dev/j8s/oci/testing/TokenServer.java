package dev.j8s.oci.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A Docker token service (distribution {@code docs/spec/auth/token.md}) on 127.0.0.1 issuing ES256 JWTs with an
 * {@code x5c} header, signed by a key keytool generates; alice:s3cret gets pull and push, anonymous gets no
 * access. Records the scope of every request. Thread-safe.
 */
public final class TokenServer implements AutoCloseable {
    public static final String SERVICE = "j8s-registry";
    public static final String ISSUER = "j8s-test-issuer";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final PrivateKey key;
    private final Certificate cert;
    public final Path certPem;
    public final List<String> requests = new CopyOnWriteArrayList<>();

    public TokenServer(Path dir) throws Exception {
        Path ks = dir.resolve("token.p12");
        Tools.run(dir, "/usr/bin/keytool", "-genkeypair", "-alias", "tok", "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA", "-dname", "CN=j8s-token", "-validity", "2", "-keystore", ks.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        key = (PrivateKey) store.getKey("tok", "changeit".toCharArray());
        cert = store.getCertificate("tok");
        certPem = dir.resolve("token-cert.pem");
        Files.writeString(certPem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/token", this::handle);
        server.start();
    }

    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** The registry's {@code auth:} section for this server. */
    public String authYaml() {
        return """
                auth:
                  token:
                    realm: %s
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(realm(), SERVICE, ISSUER, certPem);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String user = "";
            if (auth != null) {
                String pair = new String(Base64.getDecoder().decode(auth.substring("Basic ".length())), StandardCharsets.UTF_8);
                if (!pair.equals("alice:s3cret")) {
                    requests.add("denied");
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
                user = "alice";
            }
            List<String> scopes = new ArrayList<>();
            String q = ex.getRequestURI().getRawQuery();
            for (String kv : q == null ? new String[0] : q.split("&")) {
                if (kv.startsWith("scope=")) {
                    scopes.add(URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8));
                }
            }
            requests.add((user.isEmpty() ? "anonymous" : user) + " " + String.join(" ", scopes));
            byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().put("token", jwt(user, scopes))
                    .put("expires_in", 300).put("issued_at", Instant.now().toString()));
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        } catch (Exception e) {
            ex.sendResponseHeaders(500, -1);
        }
    }

    private String jwt(String user, List<String> scopes) throws Exception {
        ObjectNode header = JSON.createObjectNode().put("alg", "ES256").put("typ", "JWT");
        header.putArray("x5c").add(Base64.getEncoder().encodeToString(cert.getEncoded()));
        long now = Instant.now().getEpochSecond();
        ObjectNode claims = JSON.createObjectNode().put("iss", ISSUER).put("sub", user).put("aud", SERVICE)
                .put("exp", now + 300).put("nbf", now - 10).put("iat", now - 10).put("jti", UUID.randomUUID().toString());
        ArrayNode access = claims.putArray("access");
        if (!user.isEmpty()) {
            for (String s : scopes) {
                String[] p = s.split(":");
                if (p.length >= 3 && p[0].equals("repository")) {
                    String name = String.join(":", java.util.Arrays.copyOfRange(p, 1, p.length - 1));
                    ObjectNode a = access.addObject().put("type", "repository").put("name", name);
                    ArrayNode actions = a.putArray("actions");
                    for (String action : p[p.length - 1].split(",")) {
                        actions.add(action);
                    }
                }
            }
        }
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(JSON.writeValueAsBytes(header)) + "." + b64.encodeToString(JSON.writeValueAsBytes(claims));
        Signature sig = Signature.getInstance("SHA256withECDSAinP1363Format");
        sig.initSign(key);
        sig.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(sig.sign());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
