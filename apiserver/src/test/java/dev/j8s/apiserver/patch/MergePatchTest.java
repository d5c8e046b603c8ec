package dev.j8s.apiserver.patch;

import static dev.j8s.apiserver.patch.PatchFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MergePatchTest {

    record Case(String name, String current, String patch, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The examples of RFC 7386 appendix A whose target and patch are objects. */
    static Stream<Case> cases() {
        return Stream.of(
                new Case("replace a member", "{'a':'b'}", "{'a':'c'}", "{'a':'c'}"),
                new Case("add a member", "{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}"),
                new Case("null deletes", "{'a':'b'}", "{'a':null}", "{}"),
                new Case("null deletes one of two", "{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}"),
                new Case("array replaced by a value", "{'a':['b']}", "{'a':'c'}", "{'a':'c'}"),
                new Case("value replaced by an array", "{'a':'c'}", "{'a':['b']}", "{'a':['b']}"),
                new Case("nested merge with delete", "{'a':{'b':'c'}}", "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}"),
                new Case("arrays are replaced, not merged", "{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}"),
                new Case("nulls inside a new object are dropped", "{'e':null}", "{'a':1}", "{'e':null,'a':1}"),
                new Case("object replaces a scalar, minus its nulls", "{'a':'x'}", "{'a':{'b':null,'c':1}}", "{'a':{'c':1}}"),
                new Case("empty patch changes nothing", "{'a':{'b':1}}", "{}", "{'a':{'b':1}}"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void mergePatchFollowsRfc7386(Case c) {
        ObjectNode current = json(c.current());
        ObjectNode before = current.deepCopy();

        ObjectNode result = Patches.apply(PatchType.MERGE_PATCH, current, body(c.patch()), CONFIG_MAPS);

        assertThat(result).isEqualTo(json(c.expected()));
        assertThat(current).isEqualTo(before);
    }

    @Test
    void kubectlLabelAddsALabelAndKeepsTheOthers() {
        ObjectNode result = Patches.apply(PatchType.MERGE_PATCH, pod(), body("{'metadata':{'labels':{'x':'y'}}}"), PODS);

        assertThat(result.get("metadata").get("labels")).isEqualTo(json("{'app':'web','x':'y'}"));
        assertThat(result.get("spec")).isEqualTo(pod().get("spec"));
    }

    @Test
    void kubectlLabelWithAMinusRemovesTheLabel() {
        ObjectNode result = Patches.apply(PatchType.MERGE_PATCH, pod(), body("{'metadata':{'labels':{'app':null}}}"), PODS);

        assertThat(result.get("metadata").has("labels")).isTrue();
        assertThat(result.get("metadata").get("labels")).isEmpty();
    }

    @Test
    void kubectlAnnotateAddsAnAnnotationToAnObjectWithoutAnnotations() {
        ObjectNode result = Patches.apply(PatchType.MERGE_PATCH, pod(),
                body("{'metadata':{'annotations':{'example.com/owner':'me'}}}"), PODS);

        assertThat(result.get("metadata").get("annotations")).isEqualTo(json("{'example.com/owner':'me'}"));
    }

    @Test
    void mergePatchReplacesContainerListsWhole() {
        ObjectNode result = Patches.apply(PatchType.MERGE_PATCH, pod(),
                body("{'spec':{'containers':[{'name':'a','image':'x'}]}}"), PODS);

        assertThat(result.get("spec").get("containers")).isEqualTo(json("{'l':[{'name':'a','image':'x'}]}").get("l"));
    }

    @Test
    void mergePatchWorksForKindsWithoutStrategies() {
        ObjectNode result = Patches.apply(PatchType.MERGE_PATCH, json("{'spec':{'a':1}}"), body("{'spec':{'b':2}}"), WIDGETS);

        assertThat(result).isEqualTo(json("{'spec':{'a':1,'b':2}}"));
    }

    @Test
    void aNonObjectBodyIsABadRequest() {
        assertThatThrownBy(() -> Patches.apply(PatchType.MERGE_PATCH, pod(), body("'x'"), PODS))
                .isInstanceOfSatisfying(ApiError.BadRequest.class, e -> assertThat(e.code()).isEqualTo(400))
                .hasMessage("json: cannot unmarshal string into Go value of type map[string]interface {}");
    }

    @Test
    void duplicateKeysAreABadRequest() {
        assertThatThrownBy(() -> Patches.apply(PatchType.MERGE_PATCH, pod(), body("{'a':1,'a':2}"), PODS))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessageStartingWith("error decoding patch: Duplicate field 'a'");
    }

    @Test
    void aStaleResourceVersionIsAConflict() {
        assertThatThrownBy(() -> Patches.apply(PatchType.MERGE_PATCH, serviceAccount(),
                body("{'metadata':{'resourceVersion':'2'}}"), SERVICE_ACCOUNTS))
                .isInstanceOfSatisfying(ApiError.Conflict.class, e -> assertThat(e.code()).isEqualTo(409))
                .hasMessage("Operation cannot be fulfilled on serviceaccounts \"default\": the object has been modified; "
                        + "please apply your changes to the latest version and try again");
    }
}
