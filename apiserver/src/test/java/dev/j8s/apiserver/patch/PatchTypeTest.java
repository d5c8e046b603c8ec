package dev.j8s.apiserver.patch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PatchTypeTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "application/json-patch+json|JSON_PATCH",
            "application/merge-patch+json|MERGE_PATCH",
            "application/strategic-merge-patch+json|STRATEGIC_MERGE_PATCH",
            "application/apply-patch+yaml|APPLY_PATCH",
            "application/apply-patch+yaml; charset=utf-8|APPLY_PATCH",
            "Application/Merge-Patch+JSON ;charset=UTF-8|MERGE_PATCH"})
    void patchContentTypesAreRecognizedIgnoringParameters(String contentType, PatchType expected) {
        assertThat(PatchType.fromContentType(contentType)).contains(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"application/json", "application/yaml", "application/vnd.kubernetes.protobuf",
            "''", "application/apply-patch+cbor", "text/plain"})
    void otherContentTypesAreNotPatches(String contentType) {
        assertThat(PatchType.fromContentType(contentType)).isEqualTo(Optional.empty());
    }
}
