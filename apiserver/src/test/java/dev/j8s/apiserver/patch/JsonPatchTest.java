package dev.j8s.apiserver.patch;

import static dev.j8s.apiserver.patch.PatchFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class JsonPatchTest {

    record Case(String name, String current, String patch, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("add a member", "{'a':1}", "[{'op':'add','path':'/b','value':2}]", "{'a':1,'b':2}"),
                new Case("add replaces an existing member", "{'a':1}", "[{'op':'add','path':'/a','value':[1]}]", "{'a':[1]}"),
                new Case("add inserts into an array", "{'l':[1,3]}", "[{'op':'add','path':'/l/1','value':2}]", "{'l':[1,2,3]}"),
                new Case("add at the array length appends", "{'l':[1]}", "[{'op':'add','path':'/l/1','value':2}]", "{'l':[1,2]}"),
                new Case("dash appends", "{'l':[1]}", "[{'op':'add','path':'/l/-','value':{'x':true}}]", "{'l':[1,{'x':true}]}"),
                new Case("tilde-one escapes a slash", "{'m':{}}",
                        "[{'op':'add','path':'/m/example.com~1role','value':'x'}]", "{'m':{'example.com/role':'x'}}"),
                new Case("tilde-zero escapes a tilde", "{'m':{'a~b':1}}",
                        "[{'op':'replace','path':'/m/a~0b','value':2}]", "{'m':{'a~b':2}}"),
                new Case("remove a member", "{'a':1,'b':2}", "[{'op':'remove','path':'/a'}]", "{'b':2}"),
                new Case("remove an array element", "{'l':[1,2,3]}", "[{'op':'remove','path':'/l/0'}]", "{'l':[2,3]}"),
                new Case("replace a member", "{'a':1}", "[{'op':'replace','path':'/a','value':'x'}]", "{'a':'x'}"),
                new Case("replace an array element", "{'l':[1,2]}", "[{'op':'replace','path':'/l/1','value':9}]", "{'l':[1,9]}"),
                new Case("move a member", "{'a':{'x':1},'b':{}}", "[{'op':'move','from':'/a/x','path':'/b/y'}]", "{'a':{},'b':{'y':1}}"),
                new Case("move within an array", "{'l':[1,2,3]}", "[{'op':'move','from':'/l/0','path':'/l/-'}]", "{'l':[2,3,1]}"),
                new Case("copy a value", "{'a':{'x':1}}", "[{'op':'copy','from':'/a','path':'/b'}]", "{'a':{'x':1},'b':{'x':1}}"),
                new Case("test then replace", "{'a':{'x':1,'y':[1]}}",
                        "[{'op':'test','path':'/a','value':{'y':[1.0],'x':1}},{'op':'replace','path':'/a/x','value':2}]",
                        "{'a':{'x':2,'y':[1]}}"),
                new Case("operations apply in order", "{}",
                        "[{'op':'add','path':'/a','value':[]},{'op':'add','path':'/a/-','value':1},{'op':'copy','from':'/a/0','path':'/a/-'}]",
                        "{'a':[1,1]}"),
                new Case("an empty patch changes nothing", "{'a':1}", "[]", "{'a':1}"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void jsonPatchFollowsRfc6902(Case c) {
        ObjectNode current = json(c.current());
        ObjectNode before = current.deepCopy();

        ObjectNode result = Patches.apply(PatchType.JSON_PATCH, current, body(c.patch()), CONFIG_MAPS);

        assertThat(result).isEqualTo(json(c.expected()));
        assertThat(current).isEqualTo(before);
    }

    @Test
    void kubectlJsonPatchAppendsAnImagePullSecret() {
        ObjectNode result = Patches.apply(PatchType.JSON_PATCH, serviceAccount(),
                body("[{'op':'add','path':'/imagePullSecrets/-','value':{'name':'regcred'}}]"), SERVICE_ACCOUNTS);

        assertThat(result.get("imagePullSecrets")).isEqualTo(json("{'l':[{'name':'old'},{'name':'regcred'}]}").get("l"));
    }

    record Failure(String name, String patch, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Failure> failures() {
        return Stream.of(
                new Failure("add under a missing parent", "[{'op':'add','path':'/nope/x','value':1}]",
                        "add operation does not apply: doc is missing path: \"/nope/x\": missing value"),
                new Failure("add past the array end", "[{'op':'add','path':'/l/5','value':1}]",
                        "add operation does not apply: doc is missing path: \"/l/5\": invalid index referenced"),
                new Failure("remove a missing member", "[{'op':'remove','path':'/nope'}]",
                        "remove operation does not apply: doc is missing path: \"/nope\": missing value"),
                new Failure("replace a missing member", "[{'op':'replace','path':'/nope','value':1}]",
                        "replace operation does not apply: doc is missing path: \"/nope\": missing value"),
                new Failure("move from a missing member", "[{'op':'move','from':'/nope','path':'/x'}]",
                        "move operation does not apply: doc is missing path: \"/nope\": missing value"),
                new Failure("move into its own child", "[{'op':'move','from':'/a','path':'/a/b'}]",
                        "move operation does not apply: \"from\" \"/a\" is a prefix of \"path\" \"/a/b\""),
                new Failure("test mismatch", "[{'op':'test','path':'/a','value':2}]", "testing value /a failed: test failed"),
                new Failure("unknown op", "[{'op':'frob','path':'/a'}]", "Unexpected kind: frob"),
                new Failure("missing op", "[{'path':'/a'}]", "Unexpected kind: unknown"),
                new Failure("missing value", "[{'op':'add','path':'/a'}]", "add operation does not apply: value is missing"),
                new Failure("pointer without slash", "[{'op':'remove','path':'a'}]",
                        "remove operation does not apply: invalid JSON pointer \"a\""),
                new Failure("bad escape", "[{'op':'remove','path':'/a~2'}]",
                        "remove operation does not apply: invalid JSON pointer \"/a~2\""),
                new Failure("leading zero index", "[{'op':'remove','path':'/l/01'}]",
                        "remove operation does not apply: doc is missing path: \"/l/01\": invalid index referenced"));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void anOperationThatDoesNotApplyIsInvalid(Failure c) {
        ObjectNode current = json("{'metadata':{'name':'cm'},'a':1,'l':[1]}");

        assertThatThrownBy(() -> Patches.apply(PatchType.JSON_PATCH, current, body(c.patch()), CONFIG_MAPS))
                .isInstanceOfSatisfying(ApiError.Invalid.class, e -> {
                    assertThat(e.code()).isEqualTo(422);
                    assertThat(e.causes()).isEmpty();
                    assertThat(e.serverMessage()).isEqualTo(c.message());
                })
                .hasMessage("the server rejected our request due to an error in our request");
    }

    @Test
    void moreThanTenThousandOperationsAreTooLarge() {
        StringBuilder ops = new StringBuilder("[");
        for (int i = 0; i < 10_001; i++) {
            ops.append(i == 0 ? "" : ",").append("{\"op\":\"test\",\"path\":\"/a\",\"value\":1}");
        }
        byte[] body = ops.append(']').toString().getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Patches.apply(PatchType.JSON_PATCH, json("{'a':1}"), body, CONFIG_MAPS))
                .isInstanceOfSatisfying(ApiError.RequestEntityTooLarge.class, e -> assertThat(e.code()).isEqualTo(413))
                .hasMessage("Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001");
    }

    @Test
    void tenThousandOperationsAreAllowed() {
        StringBuilder ops = new StringBuilder("[");
        for (int i = 0; i < 10_000; i++) {
            ops.append(i == 0 ? "" : ",").append("{\"op\":\"test\",\"path\":\"/a\",\"value\":1}");
        }
        byte[] body = ops.append(']').toString().getBytes(StandardCharsets.UTF_8);

        assertThat(Patches.apply(PatchType.JSON_PATCH, json("{'a':1}"), body, CONFIG_MAPS)).isEqualTo(json("{'a':1}"));
    }

    @Test
    void copiesThatDoubleAValueStopAtTheCopyByteLimit() {
        ObjectNode current = json("{'metadata':{'name':'cm'},'data':{'v':''}}");
        ((ObjectNode) current.get("data")).put("v", "x".repeat(1024 * 1024));
        StringBuilder ops = new StringBuilder("[");
        for (int i = 0; i < 20; i++) {
            ops.append(i == 0 ? "" : ",").append("{\"op\":\"copy\",\"from\":\"/data\",\"path\":\"/data/c").append(i).append("\"}");
        }
        byte[] body = ops.append(']').toString().getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Patches.apply(PatchType.JSON_PATCH, current, body, CONFIG_MAPS))
                .isInstanceOfSatisfying(ApiError.RequestEntityTooLarge.class, e -> assertThat(e.code()).isEqualTo(413))
                .hasMessageStartingWith("Request entity too large: Unable to complete the copy, the accumulated size increase of copy is ")
                .hasMessageEndingWith(", exceeding the limit 3145728");
    }

    @Test
    void aBodyThatIsNotAListOfOperationsIsABadRequest() {
        assertThatThrownBy(() -> Patches.apply(PatchType.JSON_PATCH, json("{}"), body("{'op':'add'}"), CONFIG_MAPS))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        assertThatThrownBy(() -> Patches.apply(PatchType.JSON_PATCH, json("{}"), body("[1]"), CONFIG_MAPS))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("json: cannot unmarshal number into Go value of type jsonpatch.Operation");
        assertThatThrownBy(() -> Patches.apply(PatchType.JSON_PATCH, json("{}"), body("[{'op'"), CONFIG_MAPS))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessageStartingWith("error decoding patch: ");
        assertThatThrownBy(() -> Patches.apply(PatchType.JSON_PATCH, json("{}"), new byte[0], CONFIG_MAPS))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("the request body of a patch is empty");
    }

    @Test
    void replacingTheWholeDocumentWithAValueIsABadRequest() {
        assertThatThrownBy(() -> Patches.apply(PatchType.JSON_PATCH, json("{}"),
                body("[{'op':'replace','path':'','value':5}]"), CONFIG_MAPS))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("the patched object must be a JSON object, got number");
    }

    @Test
    void aJsonPatchChangingTheResourceVersionIsAConflict() {
        assertThatThrownBy(() -> Patches.apply(PatchType.JSON_PATCH, pod(),
                body("[{'op':'replace','path':'/metadata/resourceVersion','value':'1'}]"), PODS))
                .isInstanceOf(ApiError.Conflict.class)
                .hasMessageContaining("pods \"web\"");
    }

    @Test
    void deeplyNestedJsonIsABadRequestNotAStackOverflow() {
        byte[] body = ("[".repeat(10_000) + "]".repeat(10_000)).getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Patches.apply(PatchType.JSON_PATCH, json("{}"), body, CONFIG_MAPS))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessageStartingWith("error decoding patch: Document nesting depth");
    }
}
