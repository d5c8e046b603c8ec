package dev.j8s.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class FabricClientsTest {

    private static String keyData(String algorithm) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        generator.initialize(algorithm.equals("EC") ? 256 : 2048);
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(generator.generateKeyPair().getPrivate()
                        .getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aPkcs8ClientKeyIsReadWithItsOwnAlgorithm() throws Exception {
        assertThat(FabricClients.keyAlgorithm(keyData("EC"), "RSA")).isEqualTo("EC");
        assertThat(FabricClients.keyAlgorithm(keyData("RSA"), "RSA")).isEqualTo("RSA");
    }

    @Test
    void otherKeyFormsKeepTheConfiguredAlgorithm() {
        String sec1 = Base64.getEncoder().encodeToString("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(FabricClients.keyAlgorithm(sec1, "RSA")).isEqualTo("RSA");
        assertThat(FabricClients.keyAlgorithm(null, "RSA")).isEqualTo("RSA");
        assertThat(FabricClients.keyAlgorithm("", "RSA")).isEqualTo("RSA");
    }
}
