package dev.j8s.kubelet.images;

import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.image.PullListener;
import dev.j8s.oci.manifest.ImageConfig;
import dev.j8s.oci.manifest.Platform;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A hand-written {@link ImageService}: images by canonical name, scripted pulls, every call recorded; thread-safe. */
public final class FakeImageService implements ImageService {
    /** What a pull of one reference does. */
    @FunctionalInterface
    interface PullBehaviour {
        ImageRecord pull(ImageReference ref) throws Exception;
    }

    record PullCall(ImageReference ref, CredentialSupplier credentials) {}

    final Map<String, ImageRecord> present = new ConcurrentHashMap<>();
    final List<ImageReference> finds = new CopyOnWriteArrayList<>();
    final List<PullCall> pulls = new CopyOnWriteArrayList<>();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    volatile RuntimeException findFailure;
    volatile PullBehaviour behaviour = ref -> record(ref.toString(), 1234);

    /** An image record named {@code canonical} of {@code size} bytes with an ID derived from the name and one layer. */
    static ImageRecord record(String canonical, long size) {
        Digest id = Digest.sha256(canonical.getBytes(StandardCharsets.UTF_8));
        ImageConfig config = new ImageConfig(new Platform("linux", "amd64", Optional.empty()), List.of(), List.of(),
                List.of("sh"), "", "", Set.of(), Map.of(), "", Set.of(), List.of());
        return new ImageRecord(id, id, List.of(canonical), config, size, List.of(Path.of("/layers", id.hex())), List.of(),
                Instant.EPOCH, Instant.EPOCH);
    }

    public ImageRecord add(String canonical) {
        ImageRecord r = record(canonical, 1234);
        present.put(canonical, r);
        return r;
    }

    List<String> pulledNames() {
        return pulls.stream().map(c -> c.ref().toString()).toList();
    }

    List<String> foundNames() {
        return finds.stream().map(ImageReference::toString).toList();
    }

    @Override
    public Optional<ImageRecord> find(ImageReference ref) {
        finds.add(ref);
        RuntimeException failure = findFailure;
        if (failure != null) {
            throw failure;
        }
        return Optional.ofNullable(present.get(ref.toString()));
    }

    @Override
    public ImageRecord pull(ImageReference ref, CredentialSupplier credentials, PullListener listener) {
        pulls.add(new PullCall(ref, credentials));
        int now = running.incrementAndGet();
        maxRunning.accumulateAndGet(now, Math::max);
        try {
            ImageRecord r = behaviour.pull(ref);
            present.put(ref.toString(), r);
            return r;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            running.decrementAndGet();
        }
    }
}
