package dev.j8s.apiserver.local;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import dev.j8s.api.PodStatusPatch;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Converts between fabric8 model objects and the API server's object trees; thread-safe.
 *
 * <p>The conversion uses fabric8's own serialization (its mapper with the java.time module for MicroTime
 * fields such as {@code Lease.spec.renewTime} and its handling of quantities and unknown fields), so a tree
 * is exactly the JSON the fabric8 client would have sent over HTTP and an object is what it would have
 * decoded from the response. Its mapper has Jackson's Blackbird module (property accessors generated once
 * instead of reflective calls): every watch event of an in-process informer is one conversion, and the
 * reflective one was the largest part of a pod create's cost outside its request (bench/README.md).
 */
final class Trees {

    /** fabric8's mapper, configured by {@link KubernetesSerialization} itself (modules, unknown fields). */
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(MAPPER, true);

    static {
        // after fabric8's modules: Blackbird's accessors are then the properties fabric8's wrappers delegate to
        // (registered before, it found only those wrappers and left the reflective setters under them)
        MAPPER.registerModule(new BlackbirdModule());
    }

    private Trees() {}

    /** The JSON tree of a model object; {@code object} is not changed. */
    static ObjectNode toTree(Object object) {
        ObjectNode tree = SERIALIZATION.convertValue(object, ObjectNode.class);
        narrowIntegers(tree);
        return tree;
    }

    /**
     * Turns the long nodes of fabric8's {@code Long} fields into int nodes where they fit, as a parser reading
     * the same JSON would: the server compares trees (an update that changes nothing writes nothing), and
     * {@code LongNode(1)} does not equal {@code IntNode(1)}.
     */
    private static void narrowIntegers(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (var field : object.properties()) {
                JsonNode value = field.getValue();
                if (value instanceof LongNode l && l.canConvertToInt()) {
                    field.setValue(IntNode.valueOf(l.intValue()));
                } else {
                    narrowIntegers(value);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = array.get(i);
                if (value instanceof LongNode l && l.canConvertToInt()) {
                    array.set(i, IntNode.valueOf(l.intValue()));
                } else {
                    narrowIntegers(value);
                }
            }
        }
    }

    /** The model object of a tree; {@code tree} is only read (watch events share theirs). */
    static <T> T fromTree(ObjectNode tree, Class<T> type) {
        try {
            // read from the tree itself: convertValue would first copy it into a token buffer
            return MAPPER.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The {@link PodStatusPatch} of {@code status}, the same patch {@code FabricCluster} sends. */
    static ObjectNode statusPatch(String uid, PodStatus status) {
        return PodStatusPatch.of(uid, toTree(status));
    }
}
