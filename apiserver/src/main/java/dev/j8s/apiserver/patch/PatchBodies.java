package dev.j8s.apiserver.patch;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.json.Yaml;
import java.io.IOException;

/**
 * Decodes patch bodies into JSON trees with bounded work: JSON through the server's bounded
 * {@link Json#MAPPER}, YAML through the bounded {@link Yaml} reader, so a "billion laughs" document
 * (CVE-2019-11253) is refused rather than expanded.
 * Stateless and thread-safe.
 */
final class PatchBodies {

    private PatchBodies() {}

    /** A JSON body that must be an object (merge and strategic merge patches). */
    static ObjectNode jsonObject(byte[] body) {
        JsonNode node = json(body);
        if (!(node instanceof ObjectNode object)) {
            throw new ApiError.BadRequest("json: cannot unmarshal " + JsonPatch.goType(node)
                    + " into Go value of type map[string]interface {}");
        }
        return object;
    }

    /** Any JSON body. */
    static JsonNode json(byte[] body) {
        if (body.length == 0) {
            throw new ApiError.BadRequest("the request body of a patch is empty");
        }
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new ApiError.BadRequest("the request body of a patch is empty");
            }
            return node;
        } catch (JacksonException e) {
            throw new ApiError.BadRequest("error decoding patch: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiError.BadRequest("error decoding patch: " + e.getMessage());
        }
    }

    /** A YAML (or JSON) body holding one object, as server-side apply sends it. */
    static ObjectNode yamlObject(byte[] body) {
        JsonNode node;
        try {
            node = Yaml.read(body);
        } catch (Yaml.YamlException e) {
            throw new ApiError.BadRequest("error decoding YAML: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ApiError.BadRequest("error decoding YAML: json: cannot unmarshal " + JsonPatch.goType(node)
                    + " into Go value of type map[string]interface {}");
        }
        return object;
    }
}
