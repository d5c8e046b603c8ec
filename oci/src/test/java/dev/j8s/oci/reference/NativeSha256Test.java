package dev.j8s.oci.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NativeSha256Test {
    @Test
    void libcryptoIsUsedOnThisMachine() {
        // libssl3 is part of every Debian 12 install; the pull's hashing speed depends on it
        assertThat(NativeSha256.usable()).isTrue();
        assertThat(Digest.newSha256()).isInstanceOf(NativeSha256.class);
    }

    @Test
    void hashesAsTheJdkDoesInAnyPiecesAndAfterReuse() throws Exception {
        Random random = new Random(7);
        MessageDigest mine = new NativeSha256();
        MessageDigest jdk = MessageDigest.getInstance("SHA-256");
        for (int round = 0; round < 20; round++) {
            byte[] data = new byte[random.nextInt(3 << 20)];
            random.nextBytes(data);
            for (int off = 0; off < data.length; ) {
                int n = Math.min(data.length - off, random.nextInt(300_000));
                mine.update(data, off, n);
                jdk.update(data, off, n);
                off += n;
            }
            if (data.length > 0) {
                mine.update(data[0]);
                jdk.update(data[0]);
            }
            assertThat(HexFormat.of().formatHex(mine.digest())).isEqualTo(HexFormat.of().formatHex(jdk.digest()));
        }
    }

    @Test
    void hashesDirectBuffersInPlaceAsTheJdkDoes() throws Exception {
        byte[] data = new byte[1_000_003];
        new Random(11).nextBytes(data);
        MessageDigest mine = new NativeSha256();
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
        mine.update(direct.slice(0, 17)); // pieces, one starting at a position other than 0
        direct.position(17);
        mine.update(direct);
        assertThat(direct.hasRemaining()).isFalse();
        mine.update(ByteBuffer.wrap(data, 5, 10)); // a heap buffer goes the array way
        mine.update(ByteBuffer.allocateDirect(0));
        MessageDigest jdk = MessageDigest.getInstance("SHA-256");
        jdk.update(data);
        jdk.update(data, 5, 10);
        assertThat(mine.digest()).isEqualTo(jdk.digest());
    }

    @Test
    void knownVector() {
        assertThat(Digest.sha256("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).hex())
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
