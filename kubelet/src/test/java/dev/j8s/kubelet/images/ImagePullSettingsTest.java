package dev.j8s.kubelet.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ImagePullSettingsTest {
    @Test
    void defaultsAreSerializedWithFiveQpsAndBurstTen() {
        assertThat(ImagePullSettings.DEFAULTS).isEqualTo(new ImagePullSettings(true, OptionalInt.empty(), 5, 10));
        assertThat(ImagePullSettings.DEFAULTS.concurrency()).hasValue(1);
    }

    @Test
    void maxParallelAboveOneTurnsSerializationOff() {
        assertThat(ImagePullSettings.maxParallel(3).serializeImagePulls()).isFalse();
        assertThat(ImagePullSettings.maxParallel(3).concurrency()).hasValue(3);
        assertThat(ImagePullSettings.maxParallel(1).serializeImagePulls()).isTrue();
        assertThat(new ImagePullSettings(false, OptionalInt.empty(), 0, 0).concurrency()).isEmpty();
    }

    @Test
    void zeroMaxParallelIsRejectedWithUpstreamsMessage() {
        assertThatThrownBy(() -> new ImagePullSettings(false, OptionalInt.of(0), 5, 10))
                .hasMessage("invalid configuration: maxParallelImagePulls 0 must be a positive number");
    }

    @Test
    void maxParallelAboveOneWithSerializationIsRejectedWithUpstreamsMessage() {
        assertThatThrownBy(() -> new ImagePullSettings(true, OptionalInt.of(2), 5, 10))
                .hasMessage("invalid configuration: maxParallelImagePulls cannot be larger than 1 unless "
                        + "SerializeImagePulls (--serialize-image-pulls) is set to false");
    }

    @Test
    void negativeRegistryLimitsAreRejected() {
        assertThatThrownBy(() -> ImagePullSettings.DEFAULTS.withRegistryLimits(-1, 10))
                .hasMessage("invalid configuration: registryPullQPS (--registry-qps) -1 must not be a negative number");
        assertThatThrownBy(() -> ImagePullSettings.DEFAULTS.withRegistryLimits(5, -2))
                .hasMessage("invalid configuration: registryBurst (--registry-burst) -2 must not be a negative number");
    }
}
