package dev.j8s.apiserver.openapi;

import com.fasterxml.jackson.databind.AnnotationIntrospector;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import dev.j8s.apiserver.json.Json;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a JSON value of a fabric8 model type may look like, found by Jackson's introspection of the model
 * classes and cached per class. Thread-safe.
 */
final class ModelShapes {

    /** The closed set of shapes a model type can have. */
    sealed interface Shape {}

    /** A scalar or a type with its own deserializer ({@code Quantity}, {@code IntOrString}); nothing to walk. */
    record Leaf(Class<?> type) implements Shape {}

    /** Any JSON ({@code Object}, {@code JsonNode}, interfaces, raw extensions); not checked. */
    record FreeForm() implements Shape {}

    /** A JSON array of {@code element}. */
    record ListOf(JavaType element) implements Shape {}

    /** A JSON object with free keys and values of {@code value}. */
    record MapOf(JavaType value) implements Shape {}

    /** A JSON object whose known fields are {@code properties} (JSON name to type, in declaration order). */
    record Bean(Class<?> type, Map<String, JavaType> properties) implements Shape {}

    /** Model classes whose content is arbitrary JSON upstream even though fabric8 gives them a bean. */
    private static final Set<String> FREE_FORM_CLASSES = Set.of("FieldsV1", "RawExtension", "JSONSchemaPropsOrBool",
            "JSONSchemaPropsOrArray", "JSONSchemaPropsOrStringArray", "JSON");

    private static final Map<Class<?>, Shape> CACHE = new ConcurrentHashMap<>();

    private ModelShapes() {}

    static Shape of(JavaType type) {
        if (type.isArrayType() && type.getRawClass() != byte[].class || type.isCollectionLikeType()) {
            return new ListOf(type.getContentType());
        }
        if (type.isMapLikeType()) {
            return new MapOf(type.getContentType());
        }
        return of(type.getRawClass());
    }

    static Shape of(Class<?> raw) {
        Shape cached = CACHE.get(raw);
        if (cached != null) {
            return cached;
        }
        // Computed outside computeIfAbsent: introspection may load other classes but never recurses here.
        Shape shape = classify(raw);
        Shape previous = CACHE.putIfAbsent(raw, shape);
        return previous != null ? previous : shape;
    }

    private static Shape classify(Class<?> raw) {
        if (raw.isPrimitive() || raw == String.class || Number.class.isAssignableFrom(raw) || raw == Boolean.class
                || raw == Character.class || raw.isEnum() || raw == byte[].class
                || raw == Quantity.class || raw == IntOrString.class || raw.getName().startsWith("java.time.")) {
            return new Leaf(raw);
        }
        if (raw == Object.class || JsonNode.class.isAssignableFrom(raw) || raw.isInterface()
                || Modifier.isAbstract(raw.getModifiers()) || FREE_FORM_CLASSES.contains(raw.getSimpleName())
                || raw.getName().startsWith("java.")) {
            return new FreeForm();
        }
        JavaType type = Json.MAPPER.constructType(raw);
        BeanDescription description = Json.MAPPER.getDeserializationConfig().introspect(type);
        AnnotationIntrospector introspector = Json.MAPPER.getDeserializationConfig().getAnnotationIntrospector();
        Object deserializer = introspector.findDeserializer(description.getClassInfo());
        if (deserializer != null && deserializer != JsonDeserializer.None.class) {
            return new Leaf(raw);
        }
        Map<String, JavaType> properties = new LinkedHashMap<>();
        for (BeanPropertyDefinition property : description.findProperties()) {
            // fabric8's additionalProperties catch-all is an any-setter, not a field of the wire format.
            if (!property.couldDeserialize() || property.getName().equals("additionalProperties")
                    || property.hasSetter() && property.getSetter().hasAnnotation(com.fasterxml.jackson.annotation.JsonAnySetter.class)) {
                continue;
            }
            properties.put(property.getName(), property.getPrimaryType());
        }
        if (properties.isEmpty()) {
            // Only a catch-all map (FieldsV1 and friends): the content is free-form upstream.
            return new FreeForm();
        }
        return new Bean(raw, Collections.unmodifiableMap(properties));
    }
}
