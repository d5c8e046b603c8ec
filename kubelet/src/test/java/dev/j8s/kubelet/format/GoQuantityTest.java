package dev.j8s.kubelet.format;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GoQuantityTest {

    @Test
    void binaryQuantitiesTakeTheLargestExactSuffix() {
        assertThat(GoQuantity.format(0, true)).isEqualTo("0");
        assertThat(GoQuantity.format(2048, true)).isEqualTo("2Ki");
        assertThat(GoQuantity.format(100L << 20, true)).isEqualTo("100Mi");
        assertThat(GoQuantity.format(1536, true)).isEqualTo("1536");
        assertThat(GoQuantity.format(10737418400L, true)).isEqualTo("10737418400");
    }

    @Test
    void decimalQuantitiesTakeTheLargestExactPowerOfAThousand() {
        assertThat(GoQuantity.format(5000, false)).isEqualTo("5k");
        assertThat(GoQuantity.format(31_268_000, false)).isEqualTo("31268k");
        assertThat(GoQuantity.format(1234, false)).isEqualTo("1234");
    }
}
