package dev.j8s.apiserver.http;

import dev.j8s.apiserver.errors.ApiError;
import java.util.List;

/**
 * Picks the response representation from an Accept header as upstream's negotiation does for
 * the clients we serve: server-side Tables, aggregated discovery, JSON or YAML. Stateless.
 */
final class Negotiation {

    /** What to send back for an object or list request. */
    enum Output { JSON, YAML, TABLE }

    /** The representation of a discovery response. */
    enum DiscoveryOutput { AGGREGATED_V2, AGGREGATED_V2BETA1, LEGACY }

    private Negotiation() {}

    static Output forObjects(String accept) {
        List<MediaType> ranges = MediaType.parseList(accept);
        if (ranges.isEmpty()) {
            return Output.JSON;
        }
        for (MediaType mt : ranges) {
            if (mt.essence().equals(MediaType.JSON) && mt.param("as").equals("Table")) {
                String v = mt.param("v");
                if (mt.param("g").equals("meta.k8s.io") && (v.equals("v1") || v.equals("v1beta1"))) {
                    return Output.TABLE;
                }
                continue;
            }
            if (!mt.param("as").isEmpty()) {
                continue; // PartialObjectMetadata and other conversions are not served
            }
            if (mt.isJsonLike()) {
                return Output.JSON;
            }
            if (mt.essence().equals(MediaType.YAML)) {
                return Output.YAML;
            }
        }
        throw new ApiError.NotAcceptable("only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io");
    }

    static DiscoveryOutput forDiscovery(String accept) {
        for (MediaType mt : MediaType.parseList(accept)) {
            if (mt.essence().equals(MediaType.JSON) && mt.param("g").equals("apidiscovery.k8s.io")
                    && mt.param("as").equals("APIGroupDiscoveryList")) {
                if (mt.param("v").equals("v2")) {
                    return DiscoveryOutput.AGGREGATED_V2;
                }
                if (mt.param("v").equals("v2beta1")) {
                    return DiscoveryOutput.AGGREGATED_V2BETA1;
                }
                continue;
            }
            if (mt.isJsonLike() && mt.param("as").isEmpty()) {
                return DiscoveryOutput.LEGACY;
            }
        }
        return DiscoveryOutput.LEGACY;
    }
}
