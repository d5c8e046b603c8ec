package dev.j8s.apiserver.patch;

import static dev.j8s.apiserver.patch.PatchFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import org.junit.jupiter.api.Test;

/** What a patch that touches apiVersion or kind leaves, as upstream's patch handler decodes the patched object. */
class PatchedTypeMetaTest {

    @Test
    void aMergePatchThatRemovesKindAndApiVersionLeavesThemAsTheResourceHasThem() {
        ObjectNode patched = patched(PatchType.MERGE_PATCH, body("{'kind':null,'apiVersion':null}"));

        assertThat(patched.get("apiVersion").asText()).isEqualTo("v1");
        assertThat(patched.get("kind").asText()).isEqualTo("Pod");
    }

    @Test
    void aJsonPatchThatRemovesKindLeavesItAsTheResourceHasIt() {
        ObjectNode patched = patched(PatchType.JSON_PATCH, body("[{'op':'remove','path':'/kind'}]"));

        assertThat(patched.get("kind").asText()).isEqualTo("Pod");
    }

    @Test
    void aMergePatchToAnotherKindIsInvalidAsUpstreamSaysIt() {
        assertThatThrownBy(() -> patched(PatchType.MERGE_PATCH, body("{'kind':'Service'}")))
                .isInstanceOf(ApiError.Invalid.class)
                .hasMessageStartingWith(" \"\" is invalid: patch: Invalid value: \"{\\\"apiVersion\\\":\\\"v1\\\",\\\"kind\\\":\\\"Service\\\",")
                .hasMessageEndingWith("\": converting (v1.Service) to (core.Pod): unknown conversion");
    }

    @Test
    void aJsonPatchToAnUnknownVersionIsInvalidAsUpstreamSaysIt() {
        assertThatThrownBy(() -> patched(PatchType.JSON_PATCH,
                body("[{'op':'replace','path':'/apiVersion','value':'v2'}]")))
                .isInstanceOf(ApiError.Invalid.class)
                .hasMessageEndingWith("\": no kind \"Pod\" is registered for version \"v2\" in scheme "
                        + "\"pkg/api/legacyscheme/scheme.go:30\"");
    }

    @Test
    void aMergePatchWithAKindThatIsNoStringIsInvalid() {
        assertThatThrownBy(() -> patched(PatchType.MERGE_PATCH, body("{'kind':5}")))
                .isInstanceOf(ApiError.Invalid.class)
                .hasMessageEndingWith("\": couldn't get version/kind; json parse error: json: cannot unmarshal number "
                        + "into Go struct field .kind of type string");
    }

    @Test
    void aStrategicMergePatchCannotChangeTheKindItDecodesInto() {
        ObjectNode patched = patched(PatchType.STRATEGIC_MERGE_PATCH,
                body("{'kind':'Service','apiVersion':'v2'}"));

        assertThat(patched.get("apiVersion").asText()).isEqualTo("v1");
        assertThat(patched.get("kind").asText()).isEqualTo("Pod");
    }

    /** A patch of {@code pod()} as the patch verb applies it. */
    private static ObjectNode patched(PatchType type, byte[] patch) {
        return Patches.withTypeMeta(type, Patches.apply(type, pod(), patch, PODS), PODS);
    }
}
