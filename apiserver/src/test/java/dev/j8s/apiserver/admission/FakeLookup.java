package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An in-memory {@link Admission.Lookup} keyed by resource, namespace and name. */
final class FakeLookup implements Admission.Lookup {

    private final Map<String, ObjectNode> objects = new LinkedHashMap<>();

    FakeLookup put(String resource, String namespace, ObjectNode object) {
        objects.put(resource + "/" + namespace + "/" + Json.name(object), object);
        return this;
    }

    /** A lookup holding namespace {@code default} with its {@code default} service account. */
    static FakeLookup withDefaultNamespace() {
        return new FakeLookup()
                .put("namespaces", "", parse("{\"metadata\":{\"name\":\"default\"},\"status\":{\"phase\":\"Active\"}}"))
                .put("serviceaccounts", "default", parse("{\"metadata\":{\"name\":\"default\",\"namespace\":\"default\"}}"));
    }

    @Override
    public Optional<ObjectNode> get(String resource, String namespace, String name) {
        return Optional.ofNullable(objects.get(resource + "/" + namespace + "/" + name)).map(ObjectNode::deepCopy);
    }

    @Override
    public List<ObjectNode> list(String resource, String namespace) {
        List<ObjectNode> out = new ArrayList<>();
        objects.forEach((k, v) -> {
            if (k.startsWith(resource + "/") && (namespace.isEmpty() || k.startsWith(resource + "/" + namespace + "/"))) {
                out.add(v.deepCopy());
            }
        });
        return out;
    }

    static ObjectNode parse(String json) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(json.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
