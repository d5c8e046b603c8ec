package dev.j8s.apiserver.protobuf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;

/**
 * Decodes a {@code application/vnd.kubernetes.protobuf} request body (the {@code "k8s\0"} magic followed by a
 * {@code runtime.Unknown} envelope) into the JSON object tree a JSON request for the same object yields.
 * Stateless and thread-safe.
 *
 * <p>Zero values of non-pointer fields, which upstream's gogo marshaller always writes, are dropped as JSON
 * {@code omitempty} would; unknown field numbers are skipped. Malformed, truncated, too deep or too large
 * bodies fail with {@link ApiError.BadRequest}; a kind without a field table fails with
 * {@link ApiError.UnsupportedMediaType}. See section 4.3 of the kubectl API server spec.
 */
public final class KubernetesProtobuf {

    /** The media type this class reads. */
    public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

    private static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};

    static final String UNKNOWN_FORMAT = "the body of the request was in an unknown format - accepted media types include: "
            + "application/json, application/yaml, application/vnd.kubernetes.protobuf";

    private KubernetesProtobuf() {}

    /** Decodes {@code body}; the result starts with {@code apiVersion} and {@code kind} from the envelope. */
    public static ObjectNode decode(byte[] body) {
        if (body.length > Json.MAX_BODY_BYTES) {
            throw new ApiError.BadRequest("the protobuf request body is " + body.length
                    + " bytes, more than the limit of " + Json.MAX_BODY_BYTES + " bytes");
        }
        if (body.length < MAGIC.length || body[0] != MAGIC[0] || body[1] != MAGIC[1] || body[2] != MAGIC[2]
                || body[3] != MAGIC[3]) {
            throw new ApiError.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }
        WireReader envelope = new WireReader(body, MAGIC.length, body.length);
        String apiVersion = "";
        String kind = "";
        WireReader raw = new WireReader(body, body.length, body.length);
        while (!envelope.atEnd()) {
            int at = envelope.position();
            int tag = envelope.tag();
            int number = tag >>> 3;
            int wire = tag & 7;
            if (number > 4) {
                envelope.skip(wire);
                continue;
            }
            if (wire != WireReader.LENGTH_DELIMITED) {
                throw WireReader.malformed("field " + number + " of runtime.Unknown has wire type " + wire + ", expected 2", at);
            }
            WireReader value = envelope.lengthDelimited();
            switch (number) {
                case 1 -> {
                    // runtime.TypeMeta of the envelope: 1 apiVersion, 2 kind
                    while (!value.atEnd()) {
                        int t = value.tag();
                        if (t == (1 << 3 | WireReader.LENGTH_DELIMITED)) {
                            apiVersion = value.lengthDelimited().remainingString();
                        } else if (t == (2 << 3 | WireReader.LENGTH_DELIMITED)) {
                            kind = value.lengthDelimited().remainingString();
                        } else {
                            value.skip(t & 7);
                        }
                    }
                }
                case 2 -> raw = value;
                default -> { } // contentEncoding, contentType: kubectl sends them empty
            }
        }
        MessageType type = Messages.BY_TYPE.get(apiVersion + "/" + kind);
        if (type == null) {
            throw new ApiError.UnsupportedMediaType(UNKNOWN_FORMAT);
        }
        ObjectNode out = Json.object();
        out.put("apiVersion", apiVersion);
        out.put("kind", kind);
        out.setAll(type.decode(raw, 1));
        return out;
    }
}
