package dev.j8s.oci.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.oci.reference.Digest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {
    @TempDir Path root;

    static final byte[] HELLO = "hello world".getBytes(StandardCharsets.UTF_8);
    static final Digest HELLO_DIGEST = Digest.sha256(HELLO);

    @Test
    void verifiedBlobBecomesVisibleUnderItsDigest() throws Exception {
        BlobStore store = BlobStore.open(root);
        Path p = store.write(HELLO_DIGEST, HELLO.length, new ByteArrayInputStream(HELLO));
        assertThat(p).isEqualTo(root.resolve("blobs/sha256/" + HELLO_DIGEST.hex()));
        assertThat(Files.readAllBytes(p)).isEqualTo(HELLO);
        assertThat(store.contains(HELLO_DIGEST)).isTrue();
        assertThat(store.list()).containsExactly(HELLO_DIGEST);
        assertThat(store.read(HELLO_DIGEST, 100)).isEqualTo(HELLO);
    }

    @Test
    void flippedByteLeavesNothingBehind() throws Exception {
        BlobStore store = BlobStore.open(root);
        byte[] bad = HELLO.clone();
        bad[0] ^= 1;
        assertThatThrownBy(() -> store.write(HELLO_DIGEST, HELLO.length, new ByteArrayInputStream(bad)))
                .isInstanceOf(ContentException.class)
                .hasMessage("unexpected commit digest for " + HELLO_DIGEST + ": content does not match");
        assertThat(store.contains(HELLO_DIGEST)).isFalse();
        assertThat(root.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void shortAndLongBodiesAreRejected() {
        BlobStore store = BlobStore.open(root);
        byte[] shortBody = java.util.Arrays.copyOf(HELLO, HELLO.length - 1);
        assertThatThrownBy(() -> store.write(HELLO_DIGEST, HELLO.length, new ByteArrayInputStream(shortBody)))
                .hasMessage("short read: expected 11 bytes but got 10 for " + HELLO_DIGEST);
        byte[] longBody = java.util.Arrays.copyOf(HELLO, HELLO.length + 1);
        assertThatThrownBy(() -> store.write(HELLO_DIGEST, HELLO.length, new ByteArrayInputStream(longBody)))
                .hasMessage("unexpected commit size: more than 11 bytes for " + HELLO_DIGEST);
        assertThat(store.list()).isEmpty();
        assertThat(root.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void openRemovesTempFilesLeftByACrash() throws Exception {
        BlobStore.open(root);
        Files.writeString(root.resolve("tmp/abc.tmp"), "half");
        BlobStore.open(root);
        assertThat(root.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void sha512BlobsAreStoredUnderTheirAlgorithm() {
        BlobStore store = BlobStore.open(root);
        Digest d = store.put("sha512", HELLO);
        assertThat(d.algorithm()).isEqualTo("sha512");
        assertThat(root.resolve("blobs/sha512/" + d.hex())).exists();
    }

    @Test
    void corruptionOnDiskIsDetectedOnRead() throws Exception {
        BlobStore store = BlobStore.open(root);
        store.put("sha256", HELLO);
        Files.writeString(store.path(HELLO_DIGEST), "HELLO WORLD");
        assertThatThrownBy(() -> store.read(HELLO_DIGEST, 100)).hasMessage("blob " + HELLO_DIGEST + " is corrupt on disk");
    }
}
