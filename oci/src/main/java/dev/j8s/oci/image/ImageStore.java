package dev.j8s.oci.image;

import dev.j8s.oci.layer.LayerExtractor;
import dev.j8s.oci.layer.UnpackLimits;
import dev.j8s.oci.manifest.Descriptor;
import dev.j8s.oci.manifest.ImageConfig;
import dev.j8s.oci.manifest.ImageIndex;
import dev.j8s.oci.manifest.ImageManifest;
import dev.j8s.oci.manifest.Manifest;
import dev.j8s.oci.manifest.MediaTypes;
import dev.j8s.oci.manifest.Platform;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.Credentials;
import dev.j8s.oci.registry.RegistryClient;
import dev.j8s.oci.registry.RegistryOptions;
import dev.j8s.oci.store.BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The images on this node: pull, find, list, remove, import and garbage-collect, with records that survive a
 * restart.
 *
 * <p>Thread-safe. Concurrent pulls of the same reference with the same credentials share one pull, and a layer
 * is fetched and unpacked at most once per chain ID even when different images race for it (see
 * {@link LayerCache}). Layout under {@code root} ({@code <data-dir>/images}):
 * <pre>
 *   blobs/sha256/&lt;hex&gt;     manifests, indexes and configs (BlobStore); compressed layer blobs are NOT kept:
 *                            a layer is streamed from the registry straight into its directory, so a re-pull
 *                            after GC downloads it again (as containerd does with its discard-unpacked-layers option)
 *   layers/&lt;chain-hex&gt;/     one overlay lower dir per chain ID (hex only: ':' separates overlay lower dirs)
 *   layers/.tmp-*            unpacking or deleting; never trusted, removed at open
 *   images.json              the image records, replaced atomically
 * </pre>
 */
public final class ImageStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ImageStore.class.getName());
    static final String RECORDS_FILE = "images.json";
    static final String IMPORT_PREFIX = "import-";
    /**
     * Layers streamed at once across the store: inflating is CPU-bound (one core per layer) and downloads read
     * ahead of it, so one layer per core, and at least two so a slow download does not idle the machine.
     */
    static final int UNPACK_PARALLELISM = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final Path root;
    private final BlobStore blobs;
    private final RegistryClient registry;
    private final LayerCache layers;
    private final Map<Digest, StoredImage> images; // guarded by this
    private final Map<String, CompletableFuture<ImageRecord>> pulling = new ConcurrentHashMap<>();
    private final Map<Digest, Integer> pinned = new HashMap<>(); // chain IDs a running pull or import needs; guarded by this
    /** Parsed configs by image ID, so a lookup on every pod start reads no blob; guarded by this. */
    private final Map<Digest, ImageConfig> configs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Digest, ImageConfig> eldest) {
            return size() > 256;
        }
    };
    final LayerExtractor extractor;

    private ImageStore(Path root, RegistryClient registry, UnpackLimits limits) {
        this.root = root;
        this.blobs = BlobStore.open(root);
        this.registry = registry;
        this.extractor = new LayerExtractor(limits);
        this.layers = new LayerCache(root.resolve("layers"), extractor, UNPACK_PARALLELISM);
        this.images = RecordsFile.read(root.resolve(RECORDS_FILE));
        for (StoredImage image : images.values()) {
            for (StoredImage.Layer l : image.layers()) {
                layers.knownSize(l.chainId(), l.size());
            }
        }
        removeImportLeftovers();
    }

    /** Opens (creating if needed) the store at {@code root}, removing temp dirs a crash left behind. */
    public static ImageStore open(Path root, RegistryOptions options) {
        return open(root, options, UnpackLimits.DEFAULT);
    }

    /** As {@link #open(Path, RegistryOptions)} with explicit unpack limits (uncompressed size, free space, …). */
    public static ImageStore open(Path root, RegistryOptions options, UnpackLimits limits) {
        return new ImageStore(root, new RegistryClient(CredentialSupplier.ANONYMOUS, options), limits);
    }

    // ------------------------------------------------------------------------------------------ queries

    /**
     * The image a reference names: by tag (normalized, {@code :latest} when neither tag nor digest), or by digest
     * ({@code repo@digest} matches the manifest digest it was pulled by, or the image ID).
     */
    public synchronized Optional<ImageRecord> find(ImageReference ref) {
        return findStored(ref).map(this::record);
    }

    private Optional<StoredImage> findStored(ImageReference ref) {
        ImageReference named = ref.withDefaultTag();
        if (named.digest().isPresent()) {
            Digest d = named.digest().get();
            String wanted = named.repository() + "@" + d;
            for (StoredImage i : images.values()) {
                if (i.references().contains(wanted)
                        || (i.id().equals(d) || i.manifestDigest().equals(d))
                        && i.references().stream().anyMatch(r -> repositoryOf(r).equals(named.repository()))) {
                    return Optional.of(i);
                }
            }
            return Optional.empty();
        }
        String wanted = named.toString();
        return images.values().stream().filter(i -> i.references().contains(wanted)).findFirst();
    }

    /** Every image, oldest first. */
    public synchronized List<ImageRecord> list() {
        return images.values().stream().sorted(Comparator.comparing(StoredImage::firstSeen)).map(this::record).toList();
    }

    /** Records that a container used the image at {@code when} (kept if later than the recorded use). */
    public synchronized void markUsed(Digest imageId, Instant when) {
        StoredImage i = images.get(imageId);
        if (i != null && when.isAfter(i.lastUsed())) {
            images.put(imageId, i.withLastUsed(when));
            persist();
        }
    }

    // ------------------------------------------------------------------------------------------ pull

    /**
     * Pulls the image (blocking): resolves the tag or digest, picks this machine's platform from an index, stores
     * manifest and config, and streams every missing layer into its directory — at most one layer per core (and at
     * least two) at once across the store. A concurrent pull of the same reference with the same credentials waits for the running one.
     *
     * @throws PullException whose message names the image and never contains a credential
     */
    public ImageRecord pull(ImageReference ref, CredentialSupplier credentials, PullListener listener) {
        ImageReference named = ref.withDefaultTag();
        Optional<Credentials> creds = credentials.credentials(named.domain(), named.path());
        String key = named + " " + creds.map(ImageStore::fingerprint).orElse("");
        CompletableFuture<ImageRecord> mine = new CompletableFuture<>();
        CompletableFuture<ImageRecord> running = pulling.putIfAbsent(key, mine);
        if (running != null) {
            ImageRecord r = await(running, named);
            listener.done(Duration.ZERO, 0);
            return r;
        }
        try {
            ImageRecord r = doPull(named, credentials, creds.map(Credentials::identity).orElse(""), listener);
            mine.complete(r);
            return r;
        } catch (RuntimeException e) {
            PullException pe = Failures.classify("failed to pull and unpack image \"" + named + "\"", e);
            mine.completeExceptionally(pe);
            throw pe;
        } finally {
            pulling.remove(key, mine);
        }
    }

    private ImageRecord doPull(ImageReference named, CredentialSupplier credentials, String identity, PullListener listener) {
        long start = System.nanoTime();
        RegistryClient client = registry.withCredentials(credentials);
        Manifest top = client.fetchManifest(named);
        ImageManifest manifest = switch (top) {
            case ImageManifest m -> m;
            case ImageIndex index -> {
                Descriptor chosen = index.select(Platform.current());
                Manifest inner = client.fetchManifest(named, chosen.digest().toString());
                if (!(inner instanceof ImageManifest m)) {
                    throw new PullException(PullException.Kind.INVALID_IMAGE, "index " + index.digest()
                            + " points to another index " + inner.digest() + " for platform " + Platform.current());
                }
                blobs.put(m.digest().algorithm(), m.raw());
                yield m;
            }
        };
        byte[] configBytes = client.fetchSmallBlob(named, manifest.config());
        ImageConfig config = ImageConfig.parse(configBytes);
        checkLayerCount(manifest, config);
        blobs.write(manifest.config().digest(), configBytes.length, new java.io.ByteArrayInputStream(configBytes));
        blobs.put(top.digest().algorithm(), top.raw());

        List<Digest> chain = LayerCache.chainIds(config.diffIds());
        AtomicLong downloaded = new AtomicLong();
        pin(chain);
        try {
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < chain.size(); i++) {
                Descriptor layer = manifest.layers().get(i);
                futures.add(layers.ensure(chain.get(i), config.diffIds().get(i),
                        layer.digest().toString(),
                        MediaTypes.layerCompression(layer.mediaType()),
                        () -> client.openBlob(named, layer),
                        () -> listener.layer(layer.digest(), layer.size()),
                        n -> {
                            downloaded.addAndGet(n.delta());
                            listener.progress(layer.digest(), n.total());
                        }));
            }
            List<Long> sizes = awaitAll(futures, named);
            Set<String> refs = new LinkedHashSet<>();
            named.tag().filter(t -> named.digest().isEmpty()).ifPresent(t -> refs.add(named.toString()));
            refs.add(named.repository() + "@" + top.digest());
            PullRecord pr = new PullRecord(named.domain(), named.path(), identity, Instant.now());
            ImageRecord r = commit(manifest.config().digest(), top.digest(), refs,
                    blobList(top.digest(), manifest.digest(), manifest.config().digest()), config, chain, sizes, Optional.of(pr));
            listener.done(Duration.ofNanos(System.nanoTime() - start), downloaded.get());
            return r;
        } finally {
            unpin(chain);
        }
    }

    static void checkLayerCount(ImageManifest manifest, ImageConfig config) {
        if (manifest.layers().size() != config.diffIds().size()) {
            throw new PullException(PullException.Kind.INVALID_IMAGE, "manifest " + manifest.digest() + " has "
                    + manifest.layers().size() + " layers but its config lists " + config.diffIds().size() + " diff IDs");
        }
    }

    private static List<Digest> blobList(Digest... digests) {
        return List.copyOf(new LinkedHashSet<>(List.of(digests)));
    }

    private static ImageRecord await(CompletableFuture<ImageRecord> f, ImageReference named) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PullException(PullException.Kind.NETWORK, "failed to pull and unpack image \"" + named + "\": interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PullException pe) {
                throw new PullException(pe.kind(), pe.getMessage(), pe);
            }
            throw Failures.classify("failed to pull and unpack image \"" + named + "\"", e.getCause());
        }
    }

    /** Waits for every layer (so none is left running unobserved) and rethrows the first failure. */
    static List<Long> awaitAll(List<CompletableFuture<Long>> futures, Object what) {
        List<Long> out = new ArrayList<>();
        RuntimeException first = null;
        for (CompletableFuture<Long> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PullException(PullException.Kind.NETWORK, what + ": interrupted", e);
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException re ? re : new UncheckedIOException(
                            new IOException(e.getCause().getMessage(), e.getCause()));
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return out;
    }

    synchronized void pin(List<Digest> chain) {
        chain.forEach(c -> pinned.merge(c, 1, Integer::sum));
    }

    synchronized void unpin(List<Digest> chain) {
        chain.forEach(c -> pinned.computeIfPresent(c, (k, v) -> v == 1 ? null : v - 1));
    }

    /**
     * Adds or updates the image record: tags move to this image (an image left without names stays, dangling,
     * until GC), digest references and pull records accumulate.
     */
    synchronized ImageRecord commit(Digest id, Digest manifestDigest, Set<String> refs, List<Digest> blobDigests,
                                    ImageConfig config, List<Digest> chain, List<Long> sizes, Optional<PullRecord> pull) {
        for (String ref : refs) {
            if (ref.contains("@")) {
                continue;
            }
            for (Map.Entry<Digest, StoredImage> e : images.entrySet()) {
                if (!e.getKey().equals(id) && e.getValue().references().contains(ref)) {
                    List<String> rest = new ArrayList<>(e.getValue().references());
                    rest.remove(ref);
                    e.setValue(e.getValue().withReferences(rest));
                }
            }
        }
        Instant now = Instant.now();
        StoredImage old = images.get(id);
        List<StoredImage.Layer> ls = new ArrayList<>();
        for (int i = 0; i < chain.size(); i++) {
            ls.add(new StoredImage.Layer(chain.get(i), config.diffIds().get(i), sizes.get(i)));
        }
        Set<String> allRefs = new LinkedHashSet<>(old == null ? List.of() : old.references());
        allRefs.addAll(refs);
        Set<Digest> allBlobs = new LinkedHashSet<>(old == null ? List.of() : old.blobs());
        allBlobs.addAll(blobDigests);
        List<PullRecord> pulls = new ArrayList<>(old == null ? List.of() : old.pulls());
        pull.ifPresent(p -> {
            pulls.removeIf(q -> q.registryHost().equals(p.registryHost()) && q.repository().equals(p.repository())
                    && q.credentialIdentity().equals(p.credentialIdentity()));
            pulls.add(p);
        });
        StoredImage image = new StoredImage(id, old == null ? manifestDigest : old.manifestDigest(), List.copyOf(allRefs),
                List.copyOf(allBlobs), ls, pulls, old == null ? now : old.firstSeen(), old == null ? now : old.lastUsed());
        if (old != null && !old.manifestDigest().equals(manifestDigest) && !refs.isEmpty()) {
            image = image.withManifestDigest(manifestDigest);
        }
        images.put(id, image);
        persist();
        return record(image, config);
    }

    // ------------------------------------------------------------------------------------------ remove & GC

    /** Untags; the image is removed once no reference is left. Removing an unknown reference does nothing. */
    public void remove(ImageReference ref) {
        remove(ref, Set.of());
    }

    /**
     * Untags; once no reference is left the image is removed unless its ID is in {@code inUse}, in which case it
     * stays, dangling, until a garbage collection finds it unused.
     */
    public synchronized void remove(ImageReference ref, Set<Digest> inUse) {
        Optional<StoredImage> found = findStored(ref);
        if (found.isEmpty()) {
            return;
        }
        StoredImage image = found.get();
        ImageReference named = ref.withDefaultTag();
        List<String> rest = new ArrayList<>(image.references());
        if (named.digest().isPresent()) {
            rest.removeIf(r -> repositoryOf(r).equals(named.repository()) && r.contains("@"));
        } else {
            rest.remove(named.toString());
        }
        if (rest.isEmpty() && !inUse.contains(image.id())) {
            deleteImage(image);
        } else {
            images.put(image.id(), image.withReferences(rest));
        }
        persist();
    }

    /**
     * Frees space the way the kubelet's image GC does: when usage of the image file system is at or above the high
     * threshold, removes unused images (not in {@code inUse}, first seen at least {@code minimumAge} ago), least
     * recently used first, until usage would reach the low threshold.
     *
     * @throws IllegalStateException {@code invalid capacity 0 on image filesystem}
     */
    public GcResult garbageCollect(GcPolicy policy, Set<Digest> inUse, Instant now) {
        long capacity;
        long available;
        try {
            var fs = Files.getFileStore(root);
            capacity = fs.getTotalSpace();
            available = fs.getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("stat image file system " + root, e);
        }
        return garbageCollect(policy, inUse, now, capacity, available);
    }

    synchronized GcResult garbageCollect(GcPolicy policy, Set<Digest> inUse, Instant now, long capacity, long available) {
        removeOrphanLayers();
        if (capacity <= 0) {
            throw new IllegalStateException("invalid capacity " + capacity + " on image filesystem");
        }
        long usagePercent = (capacity - available) * 100 / capacity;
        if (usagePercent < policy.highThresholdPercent()) {
            return new GcResult(0, List.of(), 0);
        }
        long wanted = capacity * (100 - policy.lowThresholdPercent()) / 100 - available;
        if (wanted <= 0) {
            return new GcResult(0, List.of(), 0);
        }
        List<StoredImage> candidates = images.values().stream()
                .filter(i -> !inUse.contains(i.id()))
                .filter(i -> !Duration.between(i.firstSeen(), now).minus(policy.minimumAge()).isNegative())
                .filter(i -> i.layers().stream().noneMatch(l -> pinned.containsKey(l.chainId())))
                .sorted(Comparator.comparing(StoredImage::lastUsed).thenComparing(StoredImage::firstSeen))
                .toList();
        long freed = 0;
        List<Digest> removed = new ArrayList<>();
        for (StoredImage i : candidates) {
            if (freed >= wanted) {
                break;
            }
            freed += deleteImage(i);
            removed.add(i.id());
        }
        persist();
        LOG.log(System.Logger.Level.INFO, "image garbage collection wanted={0} freed={1} removed={2}", wanted, freed, removed.size());
        return new GcResult(freed, removed, wanted);
    }

    /** Removes the record, then layers and blobs no other image needs; returns the bytes of the layers deleted. */
    private long deleteImage(StoredImage image) {
        images.remove(image.id());
        Set<Digest> stillUsedLayers = new HashSet<>(pinned.keySet());
        Set<Digest> stillUsedBlobs = new HashSet<>();
        for (StoredImage other : images.values()) {
            other.layers().forEach(l -> stillUsedLayers.add(l.chainId()));
            stillUsedBlobs.addAll(other.blobs());
        }
        long freed = 0;
        for (StoredImage.Layer l : image.layers()) {
            if (!stillUsedLayers.contains(l.chainId()) && layers.delete(l.chainId())) {
                freed += l.size();
            }
        }
        for (Digest b : image.blobs()) {
            if (!stillUsedBlobs.contains(b)) {
                blobs.delete(b);
            }
        }
        LOG.log(System.Logger.Level.INFO, "removed image id={0} freedBytes={1}", image.id(), freed);
        return freed;
    }

    private void removeOrphanLayers() {
        Set<Digest> used = new HashSet<>(pinned.keySet());
        images.values().forEach(i -> i.layers().forEach(l -> used.add(l.chainId())));
        for (Digest chainId : layers.present()) {
            if (!used.contains(chainId)) {
                layers.delete(chainId);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ import

    /**
     * Imports an OCI image layout (a directory or a tar of one) or a {@code docker save} archive: the platform
     * matching this machine (or the only image), named by the layout's {@code io.containerd.image.name} /
     * fully qualified {@code org.opencontainers.image.ref.name} annotation or the archive's {@code RepoTags}.
     *
     * @throws PullException naming the archive; {@code INVALID_IMAGE} for malformed or mismatching content
     */
    public ImageRecord importArchive(Path archive) {
        try {
            return new ArchiveImporter(this, archive).run();
        } catch (RuntimeException e) {
            throw Failures.classify("failed to import image archive " + archive, e);
        }
    }

    BlobStore blobs() {
        return blobs;
    }

    LayerCache layers() {
        return layers;
    }

    Path scratchDir() throws IOException {
        return Files.createTempDirectory(root, IMPORT_PREFIX);
    }

    private void removeImportLeftovers() {
        try (var s = Files.list(root)) {
            for (Path p : s.toList()) {
                if (p.getFileName().toString().startsWith(IMPORT_PREFIX)) {
                    LayerCache.deleteTree(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("clean " + root, e);
        }
    }

    // ------------------------------------------------------------------------------------------ records

    private void persist() {
        RecordsFile.write(root.resolve(RECORDS_FILE), images.values());
    }

    private ImageRecord record(StoredImage i) {
        ImageConfig config = configs.get(i.id());
        if (config == null) {
            try {
                config = ImageConfig.parse(blobs.read(i.id(), dev.j8s.oci.manifest.Manifests.MAX_DOCUMENT_BYTES));
                configs.put(i.id(), config); // content-addressed: the blob of this id never changes
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "image config unreadable id={0} error={1}", i.id(), e.getMessage());
                config = ImageConfig.parse("{}".getBytes(StandardCharsets.UTF_8));
            }
        }
        return record(i, config);
    }

    private ImageRecord record(StoredImage i, ImageConfig config) {
        return new ImageRecord(i.id(), i.manifestDigest(), i.references(), config,
                i.layers().stream().mapToLong(StoredImage.Layer::size).sum(),
                i.layers().stream().map(l -> layers.dir(l.chainId())).toList(), i.pulls(), i.firstSeen(), i.lastUsed());
    }

    static String repositoryOf(String reference) {
        int at = reference.indexOf('@');
        String name = at < 0 ? reference : reference.substring(0, at);
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        return colon > slash ? name.substring(0, colon) : name;
    }

    /** Identity plus a one-way hash of the secret, so pulls share only when their secrets are equal. */
    static String fingerprint(Credentials c) {
        String secret = switch (c) {
            case Credentials.UsernamePassword up -> up.password();
            case Credentials.IdentityToken it -> it.token();
        };
        return c.identity() + "#" + Digest.sha256((c.identity() + "\n" + secret).getBytes(StandardCharsets.UTF_8)).hex();
    }

    /** Stops the layer workers; pulls still running fail. */
    @Override
    public void close() {
        layers.close();
    }

    static Map<Digest, StoredImage> newImageMap() {
        return new LinkedHashMap<>();
    }
}
