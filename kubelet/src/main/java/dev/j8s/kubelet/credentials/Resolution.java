package dev.j8s.kubelet.credentials;

import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.Credentials;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The credentials to try for one image, in upstream's order (pod secrets, node config, plugins), plus the problems
 * met while collecting them. Immutable and thread-safe.
 *
 * <p>How the image manager pulls with it (upstream's {@code kuberuntime_image.go PullImage}): when
 * {@link #candidates()} is empty, pull once anonymously; otherwise try each candidate in order through
 * {@link #candidates()}{@code .get(i).supplierFor(image)} until one pull succeeds — its candidate is the credential
 * to record for KEP-2535 — and if all fail, fail with the aggregate of their errors; never fall back to anonymous
 * once anything matched. {@link #tryInOrder} implements exactly this loop.
 *
 * <p>As a {@link CredentialSupplier} (for callers that pull once) it hands out only the first candidate, and only
 * for this image's own registry host and repository.
 *
 * @param image the image the credentials are for
 * @param candidates the credentials to try, first first
 * @param problems value-free descriptions of sources that failed (missing secrets, failed helpers or plugins)
 */
public record Resolution(ImageReference image, List<CredentialCandidate> candidates, List<String> problems)
        implements CredentialSupplier {
    /** Copies the lists. */
    public Resolution {
        candidates = List.copyOf(candidates);
        problems = List.copyOf(problems);
    }

    /** True when nothing matched, so the pull is anonymous. */
    public boolean anonymous() {
        return candidates.isEmpty();
    }

    @Override
    public Optional<Credentials> credentials(String registryHost, String repository) {
        return candidates.isEmpty() ? Optional.empty()
                : candidates.getFirst().supplierFor(image).credentials(registryHost, repository);
    }

    /** The result of {@link #tryInOrder}: the pull's value and the candidate that worked (empty when anonymous). */
    public record Attempted<T>(T value, Optional<CredentialCandidate> used) {}

    /**
     * Runs {@code pull} with each candidate's supplier in order (or once with {@link CredentialSupplier#ANONYMOUS}
     * when nothing matched) and returns the first success.
     *
     * @throws CredentialsException when every attempt failed: the single error's message, or {@code [e1, e2]}
     */
    public <T> Attempted<T> tryInOrder(Function<CredentialSupplier, T> pull) {
        if (candidates.isEmpty()) {
            return new Attempted<>(pull.apply(CredentialSupplier.ANONYMOUS), Optional.empty());
        }
        List<RuntimeException> errors = new ArrayList<>();
        for (CredentialCandidate c : candidates) {
            try {
                return new Attempted<>(pull.apply(c.supplierFor(image)), Optional.of(c));
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        if (errors.size() == 1) {
            throw errors.getFirst();
        }
        CredentialsException all = new CredentialsException(
                "[" + String.join(", ", errors.stream().map(e -> String.valueOf(e.getMessage())).toList()) + "]");
        errors.forEach(all::addSuppressed);
        throw all;
    }
}
