package dev.j8s.apiserver.json;

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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Bounded YAML reading and writing. Aliases are expanded here under a budget (Jackson's YAML
 * parser reports an alias as a token rather than replaying it), so a "billion laughs" document
 * (CVE-2019-11253) is refused rather than expanded; nesting, size and duplicate keys are bounded
 * too. Thread-safe.
 */
public final class Yaml {

    /** Aliases allowed in one YAML document (SnakeYAML's {@code maxAliasesForCollections}). */
    public static final int MAX_ALIASES = 50;
    /** Nodes that alias expansion may add to one document. */
    public static final int MAX_ALIAS_EXPANDED_NODES = 100_000;
    public static final int MAX_DEPTH = 100;

    private static final YAMLMapper MAPPER = yamlMapper();

    /** A YAML document that cannot be read; the message says why, in yaml.v2's words where we know them. */
    public static final class YamlException extends RuntimeException {
        YamlException(String message) {
            super(message, null, false, false);
        }
    }

    private Yaml() {}

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

    /** Reads exactly one YAML (or JSON) document; YamlException naming the problem otherwise. */
    public static JsonNode read(byte[] body) {
        try (YAMLParser parser = (YAMLParser) MAPPER.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new YamlException("the document is empty");
            }
            JsonNode node = new AliasExpandingReader(parser).value(first, 0);
            if (parser.nextToken() != null) {
                throw new YamlException("the body holds more than one document");
            }
            return node;
        } catch (JacksonException e) {
            throw new YamlException(yamlProblem(e.getCause(), e.getOriginalMessage()));
        } catch (YAMLException e) {
            throw new YamlException(yamlProblem(e, e.getMessage()));
        } catch (IOException e) {
            throw new YamlException(e.getMessage());
        }
    }

    public static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
                throw new YamlException("yaml: exceeded max depth of " + MAX_DEPTH);
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
                throw new YamlException("yaml: document contains excessive aliasing");
            }
            Anchored target = anchors.get(name);
            if (target == null) {
                throw new YamlException("yaml: unknown anchor '" + name + "' referenced");
            }
            expanded += target.size();
            created += target.size();
            if (expanded > MAX_ALIAS_EXPANDED_NODES) {
                throw new YamlException("yaml: document contains excessive aliasing");
            }
            return target.node().deepCopy();
        }

        private ObjectNode object(int depth) throws IOException {
            ObjectNode object = nodes.objectNode();
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    throw new YamlException("unexpected " + t + " in a mapping");
                }
                String name = parser.currentName();
                JsonNode value = value(parser.nextToken(), depth + 1);
                if (object.has(name)) {
                    throw new YamlException("yaml: duplicate key \"" + name + "\"");
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
                default -> throw new YamlException("unexpected token " + token);
            };
        }
    }
}
