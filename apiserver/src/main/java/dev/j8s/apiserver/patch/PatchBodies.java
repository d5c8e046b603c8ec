package dev.j8s.apiserver.patch;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Decodes patch bodies into JSON trees with bounded work: JSON through the server's bounded
 * {@link Json#MAPPER}, YAML through a bounded SnakeYAML-backed parser that expands aliases itself
 * under a budget, so a "billion laughs" document (CVE-2019-11253) is refused rather than expanded.
 * Stateless and thread-safe.
 */
final class PatchBodies {

    /** Aliases allowed in one YAML document (SnakeYAML's {@code maxAliasesForCollections}). */
    static final int MAX_ALIASES = 50;
    /** Nodes that alias expansion may add to one document. */
    static final int MAX_ALIAS_EXPANDED_NODES = 100_000;
    static final int MAX_DEPTH = 100;

    private static final YAMLMapper YAML = yamlMapper();

    private PatchBodies() {}

    private static YAMLMapper yamlMapper() {
        LoaderOptions loader = new LoaderOptions();
        loader.setMaxAliasesForCollections(MAX_ALIASES);
        loader.setNestingDepthLimit(MAX_DEPTH);
        loader.setCodePointLimit(Json.MAX_BODY_BYTES);
        loader.setAllowDuplicateKeys(false);
        loader.setAllowRecursiveKeys(false);
        YAMLFactory factory = YAMLFactory.builder()
                .loaderOptions(loader)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(Json.MAX_BODY_BYTES)
                        .maxNumberLength(100)
                        .maxNameLength(10_000)
                        .build())
                .build();
        return new YAMLMapper(factory);
    }

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
        try (YAMLParser parser = (YAMLParser) YAML.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new ApiError.BadRequest("error decoding YAML: the document is empty");
            }
            node = new AliasExpandingReader(parser).value(first, 0);
            if (parser.nextToken() != null) {
                throw new ApiError.BadRequest("error decoding YAML: the body holds more than one document");
            }
        } catch (JacksonException e) {
            throw new ApiError.BadRequest("error decoding YAML: " + yamlProblem(e.getCause(), e.getOriginalMessage()));
        } catch (YAMLException e) {
            throw new ApiError.BadRequest("error decoding YAML: " + yamlProblem(e, e.getMessage()));
        } catch (IOException e) {
            throw new ApiError.BadRequest("error decoding YAML: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ApiError.BadRequest("error decoding YAML: json: cannot unmarshal " + JsonPatch.goType(node)
                    + " into Go value of type map[string]interface {}");
        }
        return object;
    }

    /** SnakeYAML's context and problem with the problem's position, on one line; else {@code fallback}. */
    private static String yamlProblem(Throwable cause, String fallback) {
        if (cause instanceof MarkedYAMLException marked && marked.getProblem() != null) {
            StringBuilder text = new StringBuilder();
            if (marked.getContext() != null) {
                text.append(marked.getContext()).append(": ");
            }
            text.append(marked.getProblem());
            if (marked.getProblemMark() != null) {
                text.append(" at line ").append(marked.getProblemMark().getLine() + 1)
                        .append(", column ").append(marked.getProblemMark().getColumn() + 1);
            }
            return text.toString();
        }
        return fallback;
    }

    /**
     * Builds a tree from YAML tokens. Jackson's YAML parser reports an alias as a token instead of
     * replaying the anchored value, so this reader substitutes copies itself while counting aliases
     * and the nodes they add; past either budget the document is refused as upstream's
     * {@code yaml: document contains excessive aliasing}.
     */
    private static final class AliasExpandingReader {
        private record Anchored(JsonNode node, long size) {}

        private final YAMLParser parser;
        private final Map<String, Anchored> anchors = new HashMap<>();
        private final JsonNodeFactory nodes = JsonNodeFactory.instance;
        private long created;
        private int aliases;
        private long expanded;

        AliasExpandingReader(YAMLParser parser) {
            this.parser = parser;
        }

        JsonNode value(JsonToken token, int depth) throws IOException {
            if (depth > MAX_DEPTH) {
                throw new ApiError.BadRequest("error decoding YAML: exceeded max depth of " + MAX_DEPTH);
            }
            if (parser.isCurrentAlias()) {
                return alias(parser.getText());
            }
            String anchor = parser.getCurrentAnchor();
            long before = created;
            JsonNode node = switch (token) {
                case START_OBJECT -> object(depth);
                case START_ARRAY -> array(depth);
                default -> scalar(token);
            };
            created++;
            if (anchor != null) {
                anchors.put(anchor, new Anchored(node, created - before));
            }
            return node;
        }

        private JsonNode alias(String name) {
            if (++aliases > MAX_ALIASES) {
                throw new ApiError.BadRequest("error decoding YAML: yaml: document contains excessive aliasing");
            }
            Anchored target = anchors.get(name);
            if (target == null) {
                throw new ApiError.BadRequest("error decoding YAML: yaml: unknown anchor '" + name + "' referenced");
            }
            expanded += target.size();
            created += target.size();
            if (expanded > MAX_ALIAS_EXPANDED_NODES) {
                throw new ApiError.BadRequest("error decoding YAML: yaml: document contains excessive aliasing");
            }
            return target.node().deepCopy();
        }

        private ObjectNode object(int depth) throws IOException {
            ObjectNode object = nodes.objectNode();
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    throw new ApiError.BadRequest("error decoding YAML: unexpected " + t + " in a mapping");
                }
                String name = parser.currentName();
                JsonNode value = value(parser.nextToken(), depth + 1);
                if (object.has(name)) {
                    throw new ApiError.BadRequest("error decoding YAML: duplicate key \"" + name + "\"");
                }
                object.set(name, value);
            }
            return object;
        }

        private ArrayNode array(int depth) throws IOException {
            ArrayNode array = nodes.arrayNode();
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                array.add(value(t, depth + 1));
            }
            return array;
        }

        private JsonNode scalar(JsonToken token) throws IOException {
            return switch (token) {
                case VALUE_NULL -> nodes.nullNode();
                case VALUE_TRUE -> nodes.booleanNode(true);
                case VALUE_FALSE -> nodes.booleanNode(false);
                case VALUE_STRING -> nodes.textNode(parser.getText());
                case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                    case INT -> nodes.numberNode(parser.getIntValue());
                    case LONG -> nodes.numberNode(parser.getLongValue());
                    default -> nodes.numberNode(parser.getBigIntegerValue());
                };
                case VALUE_NUMBER_FLOAT -> nodes.numberNode(parser.getDoubleValue());
                default -> throw new ApiError.BadRequest("error decoding YAML: unexpected token " + token);
            };
        }
    }
}
