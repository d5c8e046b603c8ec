package dev.j8s.controllers.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import org.junit.jupiter.api.Test;

class HashesTest {

    private static PodTemplateSpec template(String image) {
        return new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage(image).endContainer().endSpec().build();
    }

    @Test
    void safeEncodingMapsEachDecimalDigitIntoTheAlphabetWithoutVowels() {
        assertThat(Hashes.safeEncode("0123456789")).isEqualTo("456789bcdf");
    }

    @Test
    void theHashIsStableDependsOnTheTemplateAndTheCollisionCount() {
        String a = Hashes.computeHash(template("busybox:1.36"), null);
        assertThat(Hashes.computeHash(template("busybox:1.36"), null)).isEqualTo(a);
        assertThat(a).matches("[456789bcdf]{1,10}");
        assertThat(Hashes.computeHash(template("busybox:1.37"), null)).isNotEqualTo(a);
        assertThat(Hashes.computeHash(template("busybox:1.36"), 1)).isNotEqualTo(a)
                .isNotEqualTo(Hashes.computeHash(template("busybox:1.36"), 2));
    }

    @Test
    void nilAndEmptyCollectionsAndLongAndIntNumbersCompareEqual() {
        PodTemplateSpec withEmpty = new PodTemplateSpecBuilder(template("x")).editSpec()
                .withTerminationGracePeriodSeconds(30L).withVolumes(java.util.List.of()).endSpec().build();
        PodTemplateSpec plain = new PodTemplateSpecBuilder(template("x")).editSpec()
                .withTerminationGracePeriodSeconds(30L).endSpec().build();
        assertThat(Hashes.semanticallyEqual(withEmpty, plain)).isTrue();
        assertThat(Hashes.tree(plain).at("/spec/terminationGracePeriodSeconds").isInt()).isTrue();
    }
}
