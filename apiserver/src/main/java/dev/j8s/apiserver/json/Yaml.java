package dev.j8s.apiserver.json;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.j8s.apiserver.errors.ApiError;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Bounded YAML reading and writing: aliases, nesting and size are capped so that a
 * "billion laughs" document (CVE-2019-11253) is refused rather than expanded. Thread-safe.
 */
public final class Yaml {

    private static final YAMLMapper MAPPER;

    static {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(50);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(100);
        options.setCodePointLimit(Json.MAX_BODY_BYTES);
        options.setAllowDuplicateKeys(false);
        YAMLFactory factory = YAMLFactory.builder()
                .loaderOptions(options)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(100).maxStringLength(Json.MAX_BODY_BYTES).maxNumberLength(100).build())
                .build();
        MAPPER = new YAMLMapper(factory);
    }

    private Yaml() {}

    /** Parses one YAML document; BadRequest naming the problem when it is not acceptable. */
    public static JsonNode read(byte[] body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            return node == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : node;
        } catch (java.io.IOException | RuntimeException e) {
            throw new ApiError.BadRequest("error converting YAML to JSON: " + firstLine(e.getMessage()));
        }
    }

    public static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid YAML";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
