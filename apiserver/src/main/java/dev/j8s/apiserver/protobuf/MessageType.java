package dev.j8s.apiserver.protobuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The field table of one protobuf message from upstream's {@code generated.proto}: field number to JSON
 * name, value type and presence, plus the decoder that turns the message into a JSON object. Tables are
 * built once by the fluent methods during class initialisation and are read-only (thread-safe) afterwards.
 */
final class MessageType {

    /** The deepest message nesting accepted (the envelope is level 0). */
    static final int MAX_DEPTH = 64;

    /** How a field's value maps to JSON. */
    sealed interface FieldType permits Scalar, Nested, Inline, MapOf {}

    enum Scalar implements FieldType {
        STRING, BYTES, INT32, INT64, BOOL,
        /** metav1.Time {1 seconds, 2 nanos}: an RFC 3339 string with second precision. */
        TIME,
        /** resource.Quantity {1 string}. */
        QUANTITY,
        /** intstr.IntOrString {1 type (0 int, 1 string), 2 intVal, 3 strVal}. */
        INT_OR_STRING
    }

    record Nested(MessageType type) implements FieldType {}

    /** An embedded Go struct whose fields JSON inlines into the parent (e.g. LocalObjectReference). */
    record Inline(MessageType type) implements FieldType {}

    /** {@code map<string, V>}, on the wire a repeated entry message {1 key, 2 value}. */
    record MapOf(FieldType value) implements FieldType {}

    enum Presence {
        /** A non-pointer Go field: gogo always writes it, so its zero value means absent (JSON omitempty). */
        OMIT_EMPTY,
        /** A pointer Go field: written only when set, so even a zero value is kept. */
        EXPLICIT,
        REPEATED
    }

    record Field(int number, String json, FieldType type, Presence presence) {}

    private final String name;
    private final Map<Integer, Field> fields = new HashMap<>();

    private MessageType(String name) {
        this.name = name;
    }

    static MessageType named(String name) {
        return new MessageType(name);
    }

    String name() {
        return name;
    }

    MessageType field(int number, String json, FieldType type, Presence presence) {
        if (fields.putIfAbsent(number, new Field(number, json, type, presence)) != null) {
            throw new IllegalStateException(name + " declares field " + number + " twice");
        }
        return this;
    }

    MessageType string(int n, String json) { return field(n, json, Scalar.STRING, Presence.OMIT_EMPTY); }
    MessageType optionalString(int n, String json) { return field(n, json, Scalar.STRING, Presence.EXPLICIT); }
    MessageType strings(int n, String json) { return field(n, json, Scalar.STRING, Presence.REPEATED); }
    MessageType bytes(int n, String json) { return field(n, json, Scalar.BYTES, Presence.OMIT_EMPTY); }
    MessageType int32(int n, String json) { return field(n, json, Scalar.INT32, Presence.OMIT_EMPTY); }
    MessageType optionalInt32(int n, String json) { return field(n, json, Scalar.INT32, Presence.EXPLICIT); }
    MessageType int64(int n, String json) { return field(n, json, Scalar.INT64, Presence.OMIT_EMPTY); }
    MessageType optionalInt64(int n, String json) { return field(n, json, Scalar.INT64, Presence.EXPLICIT); }
    MessageType int64s(int n, String json) { return field(n, json, Scalar.INT64, Presence.REPEATED); }
    MessageType bool(int n, String json) { return field(n, json, Scalar.BOOL, Presence.OMIT_EMPTY); }
    MessageType optionalBool(int n, String json) { return field(n, json, Scalar.BOOL, Presence.EXPLICIT); }
    MessageType time(int n, String json) { return field(n, json, Scalar.TIME, Presence.OMIT_EMPTY); }
    MessageType quantity(int n, String json) { return field(n, json, Scalar.QUANTITY, Presence.OMIT_EMPTY); }
    MessageType intOrString(int n, String json) { return field(n, json, Scalar.INT_OR_STRING, Presence.OMIT_EMPTY); }
    MessageType message(int n, String json, MessageType t) { return field(n, json, new Nested(t), Presence.OMIT_EMPTY); }
    MessageType optionalMessage(int n, String json, MessageType t) { return field(n, json, new Nested(t), Presence.EXPLICIT); }
    MessageType messages(int n, String json, MessageType t) { return field(n, json, new Nested(t), Presence.REPEATED); }
    MessageType inline(int n, MessageType t) { return field(n, "", new Inline(t), Presence.OMIT_EMPTY); }
    MessageType stringMap(int n, String json) { return field(n, json, new MapOf(Scalar.STRING), Presence.OMIT_EMPTY); }
    MessageType bytesMap(int n, String json) { return field(n, json, new MapOf(Scalar.BYTES), Presence.OMIT_EMPTY); }
    MessageType quantityMap(int n, String json) { return field(n, json, new MapOf(Scalar.QUANTITY), Presence.OMIT_EMPTY); }

    /** Decodes the whole of {@code in} as this message; unknown field numbers are skipped. */
    ObjectNode decode(WireReader in, int depth) {
        if (depth > MAX_DEPTH) {
            throw new ApiError.BadRequest("unable to decode the protobuf request body: messages nested deeper than "
                    + MAX_DEPTH + " levels at offset " + in.position());
        }
        ObjectNode out = Json.object();
        while (!in.atEnd()) {
            int at = in.position();
            int tag = in.tag();
            int wire = tag & 7;
            Field f = fields.get(tag >>> 3);
            if (f == null) {
                in.skip(wire);
                continue;
            }
            if (f.presence() == Presence.REPEATED && wire == WireReader.LENGTH_DELIMITED && isVarint(f.type())) {
                // packed encoding of a repeated number
                WireReader packed = in.lengthDelimited();
                ArrayNode arr = array(out, f.json());
                while (!packed.atEnd()) {
                    arr.add(scalarVarint((Scalar) f.type(), packed));
                }
                continue;
            }
            int expected = isVarint(f.type()) ? WireReader.VARINT : WireReader.LENGTH_DELIMITED;
            if (wire != expected) {
                throw WireReader.malformed("field " + name + "." + displayName(f) + " (" + f.number()
                        + ") has wire type " + wire + ", expected " + expected, at);
            }
            switch (f.type()) {
                case Inline(MessageType t) -> out.setAll(t.decode(in.lengthDelimited(), depth + 1));
                case MapOf(FieldType valueType) -> mapEntry(out, f, valueType, in.lengthDelimited(), depth + 1);
                default -> {
                    JsonNode value = value(f.type(), in, depth);
                    switch (f.presence()) {
                        case REPEATED -> array(out, f.json()).add(value.isMissingNode() ? TextNode.valueOf("") : value);
                        case EXPLICIT -> {
                            if (!value.isMissingNode()) {
                                out.set(f.json(), value);
                            }
                        }
                        case OMIT_EMPTY -> {
                            if (isEmpty(value)) {
                                out.remove(f.json());
                            } else {
                                out.set(f.json(), value);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String displayName(Field f) {
        return f.json().isEmpty() ? "<inline>" : f.json();
    }

    private static boolean isVarint(FieldType t) {
        return t == Scalar.INT32 || t == Scalar.INT64 || t == Scalar.BOOL;
    }

    private static ArrayNode array(ObjectNode out, String json) {
        return out.get(json) instanceof ArrayNode a ? a : out.putArray(json);
    }

    /** Reads one value of a non-inline, non-map type; MissingNode means "no value" (a zero Time). */
    private static JsonNode value(FieldType type, WireReader in, int depth) {
        return switch (type) {
            case Scalar s -> switch (s) {
                case INT32, INT64, BOOL -> scalarVarint(s, in);
                case STRING -> TextNode.valueOf(in.lengthDelimited().remainingString());
                case BYTES -> TextNode.valueOf(Base64.getEncoder().encodeToString(in.lengthDelimited().remainingBytes()));
                case TIME -> time(in.lengthDelimited());
                case QUANTITY -> quantity(in.lengthDelimited());
                case INT_OR_STRING -> intOrString(in.lengthDelimited());
            };
            case Nested(MessageType t) -> t.decode(in.lengthDelimited(), depth + 1);
            case Inline i -> throw new IllegalStateException("inline " + i.type().name() + " used as a value");
            case MapOf m -> throw new IllegalStateException("map used as a value");
        };
    }

    private static JsonNode scalarVarint(Scalar s, WireReader in) {
        long v = in.varint();
        return switch (s) {
            case INT32 -> IntNode.valueOf((int) v);
            // the node type Jackson picks when it reads the same number from JSON, so trees compare equal
            case INT64 -> v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
            case BOOL -> BooleanNode.valueOf(v != 0);
            default -> throw new IllegalStateException(s + " is not a varint");
        };
    }

    private static void mapEntry(ObjectNode out, Field f, FieldType valueType, WireReader entry, int depth) {
        if (depth > MAX_DEPTH) {
            throw new ApiError.BadRequest("unable to decode the protobuf request body: messages nested deeper than "
                    + MAX_DEPTH + " levels at offset " + entry.position());
        }
        String key = "";
        JsonNode value = MissingNode.getInstance();
        while (!entry.atEnd()) {
            int at = entry.position();
            int tag = entry.tag();
            int wire = tag & 7;
            int number = tag >>> 3;
            if (number != 1 && number != 2) {
                entry.skip(wire);
                continue;
            }
            if (wire != WireReader.LENGTH_DELIMITED) {
                throw WireReader.malformed("map entry of " + f.json() + " has wire type " + wire + ", expected 2", at);
            }
            if (number == 1) {
                key = entry.lengthDelimited().remainingString();
            } else {
                value = value(valueType, entry, depth);
            }
        }
        ObjectNode map = out.get(f.json()) instanceof ObjectNode m ? m : out.putObject(f.json());
        map.set(key, value.isMissingNode() ? TextNode.valueOf("") : value);
    }

    private static JsonNode time(WireReader in) {
        long seconds = 0;
        long nanos = 0;
        while (!in.atEnd()) {
            int tag = in.tag();
            if (tag == (1 << 3 | WireReader.VARINT)) {
                seconds = in.varint();
            } else if (tag == (2 << 3 | WireReader.VARINT)) {
                nanos = (int) in.varint();
            } else {
                in.skip(tag & 7);
            }
        }
        if (seconds == 0 && nanos == 0) {
            return MissingNode.getInstance(); // upstream's Time.Unmarshal reads this as the zero time
        }
        try {
            var t = Instant.ofEpochSecond(seconds).atOffset(ZoneOffset.UTC);
            if (t.getYear() < 0 || t.getYear() > 9999) {
                throw new DateTimeException("year outside of range [0,9999]");
            }
            // metav1.Time marshals to JSON with second precision
            return TextNode.valueOf(java.time.format.DateTimeFormatter.ISO_INSTANT.format(t.toInstant()));
        } catch (DateTimeException e) {
            throw new ApiError.BadRequest("unable to decode the protobuf request body: time " + seconds
                    + "s is outside the range RFC 3339 can express");
        }
    }

    private static JsonNode quantity(WireReader in) {
        String s = "";
        while (!in.atEnd()) {
            int tag = in.tag();
            if (tag == (1 << 3 | WireReader.LENGTH_DELIMITED)) {
                s = in.lengthDelimited().remainingString();
            } else {
                in.skip(tag & 7);
            }
        }
        return TextNode.valueOf(s);
    }

    private static JsonNode intOrString(WireReader in) {
        long type = 0;
        int intVal = 0;
        String strVal = "";
        while (!in.atEnd()) {
            int tag = in.tag();
            switch (tag) {
                case 1 << 3 | WireReader.VARINT -> type = in.varint();
                case 2 << 3 | WireReader.VARINT -> intVal = (int) in.varint();
                case 3 << 3 | WireReader.LENGTH_DELIMITED -> strVal = in.lengthDelimited().remainingString();
                default -> in.skip(tag & 7);
            }
        }
        return type == 1 ? TextNode.valueOf(strVal) : IntNode.valueOf(intVal);
    }

    private static boolean isEmpty(JsonNode v) {
        return v.isMissingNode()
                || (v.isTextual() && v.asText().isEmpty())
                || (v.isIntegralNumber() && v.asLong() == 0)
                || (v.isBoolean() && !v.asBoolean())
                || (v.isObject() && v.isEmpty());
    }
}
