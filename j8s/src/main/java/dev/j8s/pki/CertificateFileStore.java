package dev.j8s.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

/**
 * A directory of a kubelet's issued certificates, as upstream's {@code certificate.FileStore}: each pair is written
 * once as {@code <pair>-<yyyy-MM-dd-HH-mm-ss>.pem} (the certificate chain, then the PKCS#8 key; mode 0600, written to a
 * temporary file and renamed), and {@code <pair>-current.pem} is a symbolic link replaced by a rename, so a reader
 * sees the old pair or the new one, never half of one. Thread-safe for readers; one writer at a time.
 */
public final class CertificateFileStore {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss")
            .withZone(ZoneOffset.UTC);

    private final Path dir;
    private final String pairName;

    /** The store of {@code pairName} ({@code kubelet-client}, {@code kubelet-server}) in {@code dir}. */
    public CertificateFileStore(Path dir, String pairName) {
        this.dir = dir.toAbsolutePath();
        this.pairName = pairName;
    }

    /** A certificate chain (leaf first) and the key of its leaf. */
    public record Pair(List<X509Certificate> chain, PrivateKey key) {
        public Pair {
            chain = List.copyOf(chain);
            if (chain.isEmpty()) {
                throw new PkiException("a certificate pair needs a certificate");
            }
        }

        public X509Certificate leaf() {
            return chain.getFirst();
        }

        /** Whether {@code now} is within the leaf's validity. */
        public boolean validAt(Instant now) {
            return !now.isBefore(leaf().getNotBefore().toInstant()) && !now.isAfter(leaf().getNotAfter().toInstant());
        }

        /**
         * Whether {@code now} is within the leaf's validity and before {@code fraction} of it has passed (0.8: the
         * last fifth of its life is "near expiry").
         */
        public boolean freshAt(Instant now, double fraction) {
            Instant from = leaf().getNotBefore().toInstant();
            Duration total = Duration.between(from, leaf().getNotAfter().toInstant());
            return validAt(now) && now.isBefore(from.plusMillis((long) (total.toMillis() * fraction)));
        }

        /** A PKCS#12 store with the key and chain under alias {@code serving}. */
        public KeyStore keyStore(char[] password) {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, password);
                store.setKeyEntry("serving", key, password, chain.toArray(Certificate[]::new));
                return store;
            } catch (GeneralSecurityException | IOException e) {
                throw new PkiException("make a key store of " + leaf().getSubjectX500Principal(), e);
            }
        }

        /** The chain then the key, as PEM. */
        public String pem() {
            StringBuilder out = new StringBuilder();
            chain.forEach(c -> out.append(Pem.certificate(c)));
            return out.append(Pem.privateKey(key)).toString();
        }

        /** Reads a chain and a PKCS#8 key (EC or RSA) from one PEM text. */
        public static Pair parse(String pem, String source) {
            return new Pair(Pem.parseCertificates(pem, source), privateKey(pem, source));
        }
    }

    /** The path of the current pair's link, which a kubeconfig names as its client certificate and key. */
    public Path currentPath() {
        return dir.resolve(pairName + "-current.pem");
    }

    /** The current pair; empty when there is none or it cannot be read. */
    public Optional<Pair> current() {
        try {
            return Optional.of(Pair.parse(Files.readString(currentPath(), StandardCharsets.US_ASCII),
                    currentPath().toString()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | PkiException e) {
            System.getLogger(CertificateFileStore.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot read the current certificate, it is not used path={0} error={1}", currentPath(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** Writes a new pair and makes it the current one. */
    public Pair update(Pair pair, Instant now) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(pairName + "-" + STAMP.format(now) + ".pem");
            writePrivate(file, pair.pem());
            Path link = dir.resolve(pairName + "-current.pem.updated");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, file.getFileName());
            Files.move(link, currentPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return pair;
        } catch (IOException e) {
            throw new UncheckedIOException("store the " + pairName + " certificate in " + dir, e);
        }
    }

    /** Writes {@code text} to {@code file} with mode 0600 through a temporary file renamed over it. */
    public static void writePrivate(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempFile(parent, "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temporary, text, StandardCharsets.US_ASCII);
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** The PKCS#8 key of a PEM text, EC or RSA. */
    static PrivateKey privateKey(String pem, String source) {
        for (String algorithm : List.of("EC", "RSA")) {
            try {
                return Pem.parsePrivateKey(pem, algorithm, source);
            } catch (PkiException e) {
                if (!(e.getCause() instanceof GeneralSecurityException)) {
                    throw e;
                }
            }
        }
        throw new PkiException("parse private key " + source + ": neither EC nor RSA");
    }

    /** The public key of a PEM text's {@code PUBLIC KEY} block (EC or RSA). */
    static PublicKey publicKey(String pem, String source) {
        for (String algorithm : List.of("EC", "RSA")) {
            try {
                return Pem.parsePublicKey(pem, algorithm, source);
            } catch (PkiException e) {
                if (!(e.getCause() instanceof GeneralSecurityException)) {
                    throw e;
                }
            }
        }
        throw new PkiException("parse public key " + source + ": neither EC nor RSA");
    }

    static boolean sameKey(PublicKey a, PublicKey b) {
        return java.util.Arrays.equals(a.getEncoded(), b.getEncoded());
    }
}
