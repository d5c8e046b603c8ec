package dev.j8s.oci.registry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.oci.manifest.Descriptor;
import dev.j8s.oci.manifest.Manifest;
import dev.j8s.oci.manifest.Manifests;
import dev.j8s.oci.manifest.MediaTypes;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.store.ContentException;
import dev.j8s.oci.store.VerifyingInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;

/**
 * A Distribution API v2 client for pulling: manifests and blobs with challenge-driven anonymous, Basic and
 * Bearer-token auth; redirects followed by this code ({@code Redirect.NEVER}) with no credentials on any hop
 * whose origin differs from the registry's; a realm policy against credential leaks and SSRF; bounded,
 * stall-guarded, digest-verified reads; retries with back-off and {@code Range} resume.
 *
 * <p>Thread-safe; share one instance. Follows the distribution spec ({@code docs/spec/api.md},
 * {@code docs/spec/auth/token.md}) and containerd's {@code core/remotes/docker}.
 */
public final class RegistryClient {
    private static final System.Logger LOG = System.getLogger(RegistryClient.class.getName());
    /** Socket read size of java.net.http; its 16 KiB default costs a selector wake-up per 16 KiB of a blob. */
    static final String HTTP_BUFSIZE_PROPERTY = "jdk.httpclient.bufsize";

    static {
        // Read once when java.net.http initializes, so this must run before the first HttpClient of the process
        // (this class is the only HttpClient user in j8s's main code). An explicit -D setting wins.
        if (System.getProperty(HTTP_BUFSIZE_PROPERTY) == null) {
            System.setProperty(HTTP_BUFSIZE_PROPERTY, Integer.toString(256 * 1024));
        }
    }

    /** Registry bodies (blobs above all) are read ahead by up to 16 socket reads: at most 4 MiB per stream. */
    private static final HttpResponse.BodyHandler<InputStream> BODY = ReadAheadBody.handler(16);
    static final int MAX_REDIRECTS = 5;
    /** How long a request may wait for its response's head. */
    static final Duration HEAD_TIMEOUT = Duration.ofSeconds(60);
    static final int MAX_SMALL_BODY = 64 * 1024;
    /** The overall deadline of a body that is not a blob (manifest, token, redirect or error), on top of the stall rule. */
    static final Duration SMALL_BODY_DEADLINE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build());

    /** {@code jdk} fetches blobs with java.net.http too (as before {@link Http1Get}); read at every blob request. */
    static final String BLOB_HTTP_PROPERTY = "j8s.oci.blobHttp";

    private final HttpClient http;
    private final Http1Get blobHttp;
    private final CredentialSupplier credentials;
    private final RegistryOptions options;
    private final Map<String, Challenge> challenges;
    private final Map<String, Token> tokens;

    private record Token(String value, Instant expires) {
        @Override
        public String toString() {
            return "Token[<redacted>, expires=" + expires + "]";
        }
    }

    public RegistryClient(CredentialSupplier credentials, RegistryOptions options) {
        this(credentials, options, defaultTls());
    }

    /** With the TLS context {@code tls} (trust material) for both HTTP clients. */
    RegistryClient(CredentialSupplier credentials, RegistryOptions options, SSLContext tls) {
        this.credentials = credentials;
        this.options = options;
        this.challenges = new ConcurrentHashMap<>();
        this.tokens = new ConcurrentHashMap<>();
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(options.connectTimeout())
                .sslContext(tls)
                .build();
        this.blobHttp = new Http1Get(tls, options.connectTimeout());
    }

    private static SSLContext defaultTls() {
        try {
            return SSLContext.getDefault(); // what java.net.http uses when given none
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default TLS context", e);
        }
    }

    private RegistryClient(RegistryClient shared, CredentialSupplier credentials) {
        this.credentials = credentials;
        this.options = shared.options;
        this.http = shared.http;
        this.blobHttp = shared.blobHttp;
        this.challenges = shared.challenges;
        this.tokens = shared.tokens;
    }

    /**
     * A client that uses {@code other} credentials but shares this client's connection pool and, through it,
     * its challenge and token caches. Tokens are cached per registry, scope and credential fingerprint (the
     * identity plus a hash of the secret), so a view never reuses a token obtained with different secrets.
     */
    public RegistryClient withCredentials(CredentialSupplier other) {
        return new RegistryClient(this, other);
    }

    /** Fetches the manifest or index named by the reference's digest or tag ({@code latest} if neither). */
    public Manifest fetchManifest(ImageReference ref) {
        return fetchManifest(ref, ref.manifestReference());
    }

    /**
     * Fetches a manifest or index by tag or digest (≤ 4 MiB); when fetched by digest the bytes must match it.
     *
     * @throws RegistryException on HTTP failure (404: {@code <ref>: not found})
     */
    public Manifest fetchManifest(ImageReference ref, String tagOrDigest) {
        Optional<Digest> byDigest = tagOrDigest.contains(":") ? Optional.of(Digest.parse(tagOrDigest)) : Optional.empty();
        URI uri = base(ref).resolve("/v2/" + ref.path() + "/manifests/" + tagOrDigest);
        String what = ref.repository() + (byDigest.isPresent() ? "@" : ":") + tagOrDigest;
        Reply r = exchange(ref, uri, Map.of("Accept", MediaTypes.MANIFEST_ACCEPT), "fetch manifest " + what, false);
        String contentType = r.header("Content-Type").orElse("");
        byte[] body = readBounded(r, Manifests.MAX_DOCUMENT_BYTES, "manifest " + what, options);
        Manifest m = Manifests.parse(contentType, body, byDigest.map(Digest::algorithm).orElse("sha256"));
        if (byDigest.isPresent() && !m.digest().equals(byDigest.get())) {
            throw new RegistryException("fetch manifest " + what + ": content has digest " + m.digest(), 0);
        }
        return m;
    }

    /** Fetches a small blob (an image config, ≤ 4 MiB), verified against the descriptor. */
    public byte[] fetchSmallBlob(ImageReference ref, Descriptor d) {
        if (d.size() > Manifests.MAX_DOCUMENT_BYTES) {
            throw new RegistryException("fetch blob " + d.digest() + " for " + ref.repository() + ": size " + d.size()
                    + " exceeds " + Manifests.MAX_DOCUMENT_BYTES, 0);
        }
        try (InputStream in = openBlob(ref, d)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new RegistryException("fetch blob " + d.digest() + " for " + ref.repository() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens a blob as a stream of exactly {@code d.size()} bytes whose digest is checked at the end (reading
     * past the end or a mismatch throws {@link ContentException}); a broken connection is resumed with
     * {@code Range}; a stall aborts. The caller must read to EOF and close.
     */
    public InputStream openBlob(ImageReference ref, Descriptor d) {
        return new VerifyingInputStream(new ResumingBlobStream(ref, d), d.digest(), d.size());
    }

    /** The identity (never the secret) of the credentials used for {@code ref}, or {@code anonymous}. */
    public String credentialIdentity(ImageReference ref) {
        return credentials.credentials(ref.domain(), ref.path()).map(Credentials::identity).orElse("anonymous");
    }

    // ---------------------------------------------------------------- transport

    URI base(ImageReference ref) {
        String host = ref.registryHost();
        boolean plain = isLoopbackHost(host) || options.insecureHosts().contains(host);
        return URI.create((plain ? "http://" : "https://") + host + "/");
    }

    static boolean isLoopbackHost(String hostPort) {
        String host = hostOnly(hostPort);
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }

    private static String hostOnly(String hostPort) {
        if (hostPort.startsWith("[")) {
            return hostPort.substring(0, hostPort.indexOf(']') + 1);
        }
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    private static String origin(URI u) {
        int port = u.getPort() >= 0 ? u.getPort() : u.getScheme().equals("https") ? 443 : 80;
        return u.getScheme().toLowerCase(Locale.ROOT) + "://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + port;
    }

    private String scope(ImageReference ref) {
        return "repository:" + ref.path() + ":pull";
    }

    /**
     * Sends GET with auth, redirects and retries; returns a 2xx response whose body the caller must consume. A
     * {@code blob} request goes over {@link Http1Get} (unless {@value #BLOB_HTTP_PROPERTY} is {@code jdk}), any other
     * over java.net.http.
     */
    Reply exchange(ImageReference ref, URI uri, Map<String, String> headers, String action, boolean blob) {
        boolean lean = blob && !"jdk".equals(System.getProperty(BLOB_HTTP_PROPERTY));
        String registryOrigin = origin(base(ref));
        String scope = scope(ref);
        boolean reauthorized = false;
        int attempt = 0;
        int hops = 0;
        URI current = uri;
        while (true) {
            boolean sameOrigin = origin(current).equals(registryOrigin);
            Map<String, String> all = new LinkedHashMap<>(headers);
            if (sameOrigin) {
                authorization(ref, scope).ifPresent(h -> all.put("Authorization", h));
            }
            Reply r;
            try {
                r = lean ? blobHttp.get(current, all, HEAD_TIMEOUT) : send(current, all);
            } catch (IOException e) {
                if (++attempt < options.maxAttempts()) {
                    backoff(attempt, action, e.toString());
                    current = uri;
                    hops = 0;
                    continue;
                }
                throw new RegistryException(action + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(action + ": interrupted", e);
            }
            int status = r.status();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                discard(r, options);
                String location = r.header("Location")
                        .orElseThrow(() -> new RegistryException(action + ": redirect without Location", status));
                if (++hops > MAX_REDIRECTS) {
                    throw new RegistryException(action + ": stopped after " + MAX_REDIRECTS + " redirects", status);
                }
                URI next = current.resolve(location);
                if (next.getScheme() == null || next.getHost() == null
                        || !(next.getScheme().equals("https") || next.getScheme().equals("http"))) {
                    throw new RegistryException(action + ": invalid redirect location", status);
                }
                if (current.getScheme().equals("https") && next.getScheme().equals("http")) {
                    throw new RegistryException(action + ": refusing redirect from https to http (" + next.getHost() + ")", status);
                }
                current = next;
                continue;
            }
            if (status == 401) {
                String header = r.header("WWW-Authenticate").orElse("");
                discard(r, options);
                if (!sameOrigin) {
                    // Never authorize against a host the operator did not name (containerd PR #13894).
                    throw new RegistryException(action + ": unauthorized by redirect target " + current.getHost()
                            + "; credentials are only sent to " + ref.registryHost(), status);
                }
                if (reauthorized || header.isEmpty()) {
                    throw new RegistryException(action + ": pull access denied, repository does not exist or may require authorization: "
                            + "unauthorized", status);
                }
                authorize(ref, Challenge.parse(header), scope, action);
                reauthorized = true;
                continue;
            }
            if (status == 429 || status >= 500) {
                String body = errorBody(r, options);
                if (++attempt < options.maxAttempts()) {
                    backoff(attempt, action, status + " " + body);
                    current = uri;
                    hops = 0;
                    continue;
                }
                throw new RegistryException(action + ": " + status + " " + body, status);
            }
            if (status == 404) {
                discard(r, options);
                throw new RegistryException(action + ": not found", status);
            }
            if (status == 403) {
                String body = errorBody(r, options);
                throw new RegistryException(action + ": denied: " + body, status);
            }
            if (status / 100 != 2) {
                String body = errorBody(r, options);
                throw new RegistryException(action + ": unexpected status " + status + " " + body, status);
            }
            return r;
        }
    }

    private Reply send(URI uri, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(HEAD_TIMEOUT);
        headers.forEach(b::header);
        return Reply.from(http.send(b.build(), BODY));
    }

    private void backoff(int attempt, String action, String why) {
        long ms = options.initialBackoff().toMillis() << Math.min(attempt - 1, 6);
        LOG.log(System.Logger.Level.INFO, "retrying registry request action=\"{0}\" attempt={1} backoffMs={2} cause=\"{3}\"",
                action, attempt + 1, ms, why);
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(action + ": interrupted", e);
        }
    }

    // ---------------------------------------------------------------- auth

    private String cacheKey(ImageReference ref, String scope) {
        return ref.registryHost() + " " + scope + " "
                + credentials.credentials(ref.domain(), ref.path()).map(RegistryClient::fingerprint).orElse("anonymous");
    }

    /** Identity plus a one-way hash of the secret: a cache key that never holds the secret itself. */
    static String fingerprint(Credentials c) {
        String secret = switch (c) {
            case Credentials.UsernamePassword up -> up.password();
            case Credentials.IdentityToken it -> it.token();
        };
        return c.identity() + "#" + Digest.sha256((c.identity() + "\n" + secret).getBytes(StandardCharsets.UTF_8)).hex();
    }

    private Optional<String> authorization(ImageReference ref, String scope) {
        Challenge c = challenges.get(ref.registryHost());
        if (c == null) {
            return Optional.empty();
        }
        if (c.scheme().equals("basic")) {
            return credentials.credentials(ref.domain(), ref.path()).flatMap(RegistryClient::basic);
        }
        Token t = tokens.get(cacheKey(ref, scope));
        if (t != null && Instant.now().isBefore(t.expires())) {
            return Optional.of("Bearer " + t.value());
        }
        return Optional.empty();
    }

    private static Optional<String> basic(Credentials c) {
        return switch (c) {
            case Credentials.UsernamePassword up -> Optional.of("Basic " + Base64.getEncoder().encodeToString(
                    (up.username() + ":" + up.password()).getBytes(StandardCharsets.UTF_8)));
            case Credentials.IdentityToken ignored -> Optional.empty();
        };
    }

    private void authorize(ImageReference ref, Challenge c, String scope, String action) {
        Optional<Credentials> creds = credentials.credentials(ref.domain(), ref.path());
        switch (c.scheme()) {
            case "basic" -> {
                if (creds.flatMap(RegistryClient::basic).isEmpty()) {
                    throw new RegistryException(action + ": pull access denied, repository does not exist or may require "
                            + "authorization: authentication required", 401);
                }
                challenges.put(ref.registryHost(), c);

            }
            case "bearer" -> {
                URI realm = checkRealm(ref, c.param("realm"), action);
                String requestScope = c.param("scope").isEmpty() ? scope : c.param("scope");
                Token t = fetchToken(realm, c.param("service"), requestScope, creds, action);
                challenges.put(ref.registryHost(), c);
                tokens.put(cacheKey(ref, scope), t);

            }
            default -> throw new RegistryException(action + ": unsupported auth scheme " + c.scheme(), 401);
        }
    }

    /**
     * The realm is chosen by the server: it must be HTTPS unless the registry itself is plain HTTP, and must not
     * resolve to a loopback, link-local or private address unless the registry host is in that class too.
     */
    URI checkRealm(ImageReference ref, String realm, String action) {
        URI u;
        try {
            u = new URI(realm);
        } catch (Exception e) {
            throw new RegistryException(action + ": invalid token realm", 401);
        }
        if (u.getHost() == null || u.getScheme() == null) {
            throw new RegistryException(action + ": invalid token realm", 401);
        }
        boolean registryPlain = base(ref).getScheme().equals("http");
        if (!u.getScheme().equals("https") && !(registryPlain && u.getScheme().equals("http"))) {
            throw new RegistryException(action + ": refusing token realm " + u.getScheme() + "://" + u.getHost()
                    + ": credentials go only over https", 401);
        }
        AddressClass realmClass = classify(u.getHost());
        AddressClass registryClass = classify(hostOnly(ref.registryHost()).replace("[", "").replace("]", ""));
        if (realmClass != AddressClass.PUBLIC && realmClass != registryClass) {
            throw new RegistryException(action + ": refusing token realm on " + realmClass.name().toLowerCase(Locale.ROOT).replace('_', '-')
                    + " address " + u.getHost() + " for registry " + ref.registryHost(), 401);
        }
        return u;
    }

    enum AddressClass { LOOPBACK, LINK_LOCAL, PRIVATE, PUBLIC }

    static AddressClass classify(String host) {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host.replace("[", "").replace("]", ""));
        } catch (UnknownHostException e) {
            return AddressClass.PUBLIC; // the request will fail to connect anyway
        }
        AddressClass worst = AddressClass.PUBLIC;
        for (InetAddress a : all) {
            AddressClass c = a.isLoopbackAddress() ? AddressClass.LOOPBACK
                    : a.isLinkLocalAddress() ? AddressClass.LINK_LOCAL
                    : a.isSiteLocalAddress() || a.isAnyLocalAddress() || isUniqueLocal(a) || isCgnat(a) ? AddressClass.PRIVATE
                    : AddressClass.PUBLIC;
            if (c.ordinal() < worst.ordinal()) {
                worst = c;
            }
        }
        return worst;
    }

    private static boolean isUniqueLocal(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 16 && (b[0] & 0xfe) == 0xfc;
    }

    private static boolean isCgnat(InetAddress a) {
        byte[] b = a.getAddress();
        return a instanceof Inet4Address && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
    }

    private Token fetchToken(URI realm, String service, String scope, Optional<Credentials> creds, String action) {
        HttpRequest.Builder b;
        String q = (service.isEmpty() ? "" : "service=" + enc(service) + "&") + "scope=" + enc(scope);
        if (creds.isPresent() && creds.get() instanceof Credentials.IdentityToken it) {
            String form = "grant_type=refresh_token&refresh_token=" + enc(it.token()) + "&client_id=j8s&" + q;
            b = HttpRequest.newBuilder(realm).POST(HttpRequest.BodyPublishers.ofString(form))
                    .header("Content-Type", "application/x-www-form-urlencoded");
        } else {
            String sep = realm.getRawQuery() == null ? "?" : "&";
            b = HttpRequest.newBuilder(URI.create(realm + sep + q)).GET();
            creds.flatMap(RegistryClient::basic).ifPresent(h -> b.header("Authorization", h));
        }
        b.timeout(Duration.ofSeconds(30));
        Reply r;
        try {
            r = Reply.from(http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new RegistryException(action + ": token service " + realm.getHost() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(action + ": interrupted", e);
        }
        int status = r.status();
        if (status / 100 == 3) {
            discard(r, options);
            throw new RegistryException(action + ": token service " + realm.getHost() + " redirected; refusing", status);
        }
        if (status == 401 || status == 403) {
            discard(r, options);
            throw new RegistryException(action + ": token service " + realm.getHost()
                    + " rejected the credentials (" + status + ")", 401);
        }
        if (status != 200) {
            String body = errorBody(r, options);
            throw new RegistryException(action + ": token service " + realm.getHost() + ": " + status + " " + body, status);
        }
        byte[] body = readBounded(r, MAX_SMALL_BODY, "token response from " + realm.getHost(), options);
        try {
            JsonNode n = JSON.readTree(body);
            String token = n.path("token").asText(n.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new RegistryException(action + ": token service " + realm.getHost() + " returned no token", status);
            }
            long expiresIn = n.path("expires_in").asLong(60);
            if (expiresIn < 60) {
                expiresIn = 60;
            }
            // Refresh a little early so a token does not expire between check and use.
            return new Token(token, Instant.now().plusSeconds(expiresIn - 10));
        } catch (IOException e) {
            throw new RegistryException(action + ": token service " + realm.getHost() + " returned invalid JSON", e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- bodies

    /**
     * A body that is not a blob, guarded like one: it fails when it delivers too little in a stall window or
     * outlives {@link #SMALL_BODY_DEADLINE}, so a registry that answers headers and then nothing cannot hold a
     * pull (and the node's pull slot) forever.
     */
    static InputStream guarded(Reply r, RegistryOptions options) {
        return new StallGuardedInputStream(r.body(), options.stallWindow(), options.stallMinBytes(), SMALL_BODY_DEADLINE);
    }

    static byte[] readBounded(Reply r, int max, String what, RegistryOptions options) {
        long declared = r.headerAsLong("Content-Length").orElse(-1);
        try (InputStream in = guarded(r, options)) {
            if (declared > max) {
                throw new RegistryException("rejecting " + declared + " byte " + what + ": larger than " + max, r.status());
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                if (out.size() > max) {
                    throw new RegistryException("rejecting " + what + ": larger than " + max + " bytes", r.status());
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new RegistryException("read " + what + ": " + e.getMessage(), e);
        }
    }

    private static String errorBody(Reply r, RegistryOptions options) {
        try (InputStream in = guarded(r, options)) {
            byte[] b = in.readNBytes(MAX_SMALL_BODY);
            String s = new String(b, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
            return s.length() > 300 ? s.substring(0, 300) + "…" : s;
        } catch (IOException e) {
            return "";
        }
    }

    private static void discard(Reply r, RegistryOptions options) {
        try (InputStream in = guarded(r, options)) {
            in.readNBytes(MAX_SMALL_BODY);
        } catch (IOException ignored) {
            // connection is dropped instead
        }
    }

    /** A blob body that resumes with {@code Range} after a broken or stalled connection. */
    private final class ResumingBlobStream extends InputStream {
        private final ImageReference ref;
        private final Descriptor d;
        private final String action;
        private final URI uri;
        private InputStream current;
        private long position;
        private int failures;

        ResumingBlobStream(ImageReference ref, Descriptor d) {
            this.ref = ref;
            this.d = d;
            this.action = "fetch blob " + d.digest() + " for " + ref.repository();
            this.uri = base(ref).resolve("/v2/" + ref.path() + "/blobs/" + d.digest());
        }

        private void open() {
            Map<String, String> headers = position == 0 ? Map.of() : Map.of("Range", "bytes=" + position + "-");
            Reply r = exchange(ref, uri, headers, action, true);
            boolean ranged = position > 0 && r.status() == 206;
            if (ranged) {
                String range = r.header("Content-Range").orElse("");
                if (!range.startsWith("bytes " + position + "-")) {
                    discard(r, options);
                    throw new RegistryException(action + ": registry answered Range " + position + " with " + range, 206);
                }
            }
            long remaining = ranged ? d.size() - position : d.size();
            long declared = r.headerAsLong("Content-Length").orElse(-1);
            if (declared >= 0 && declared != remaining) {
                discard(r, options);
                throw new ContentException(action + ": Content-Length " + declared + " does not match descriptor size " + d.size());
            }
            Duration deadline = Duration.ofSeconds(60).plusSeconds(d.size() / Math.max(1, options.minBlobRate()));
            current = new StallGuardedInputStream(r.body(), options.stallWindow(), options.stallMinBytes(), deadline);
            if (position > 0 && !ranged) {
                try {
                    current.skipNBytes(position); // no Range support: skip what we already have, guarded as well
                } catch (IOException e) {
                    closeCurrent();
                    throw new RegistryException(action + ": " + e.getMessage(), e);
                }
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                if (current == null) {
                    open();
                }
                try {
                    int n = current.read(b, off, len);
                    if (n > 0) {
                        position += n;
                    }
                    if (n < 0 && position < d.size()) {
                        throw new IOException("connection closed after " + position + " of " + d.size() + " bytes");
                    }
                    return n;
                } catch (IOException e) {
                    closeCurrent();
                    if (++failures >= options.maxAttempts()) {
                        throw new IOException(action + ": " + e.getMessage(), e);
                    }
                    LOG.log(System.Logger.Level.INFO, "resuming blob action=\"{0}\" offset={1} cause=\"{2}\"",
                            action, position, e.getMessage());
                    backoff(failures, action, e.getMessage());
                }
            }
        }

        private void closeCurrent() {
            if (current != null) {
                try {
                    current.close();
                } catch (IOException ignored) {
                    // reopening anyway
                }
                current = null;
            }
        }

        @Override
        public void close() {
            closeCurrent();
        }
    }
}
