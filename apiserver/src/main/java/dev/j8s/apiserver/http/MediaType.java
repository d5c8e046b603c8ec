package dev.j8s.apiserver.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One media range of an Accept or Content-Type header, with its parameters. Immutable. */
record MediaType(String type, String subtype, Map<String, String> params) {

    static final String JSON = "application/json";
    static final String YAML = "application/yaml";
    static final String PROTOBUF = "application/vnd.kubernetes.protobuf";

    MediaType {
        params = Map.copyOf(params);
    }

    String essence() {
        return type + "/" + subtype;
    }

    String param(String name) {
        return params.getOrDefault(name, "");
    }

    /** Parses a header value that may hold several comma-separated media ranges; junk entries are skipped. */
    static List<MediaType> parseList(String header) {
        List<MediaType> out = new ArrayList<>();
        if (header == null || header.isBlank()) {
            return out;
        }
        for (String part : header.split(",")) {
            MediaType mt = parse(part);
            if (mt != null) {
                out.add(mt);
            }
        }
        return out;
    }

    /** Parses one media type; null when it has no type/subtype. */
    static MediaType parse(String text) {
        String[] pieces = text.split(";");
        String essence = pieces[0].trim().toLowerCase(Locale.ROOT);
        int slash = essence.indexOf('/');
        if (slash <= 0 || slash == essence.length() - 1) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 1; i < pieces.length; i++) {
            String p = pieces[i].trim();
            int eq = p.indexOf('=');
            if (eq > 0) {
                String v = p.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1);
                }
                params.putIfAbsent(p.substring(0, eq).trim().toLowerCase(Locale.ROOT), v);
            }
        }
        return new MediaType(essence.substring(0, slash), essence.substring(slash + 1), params);
    }

    boolean isJsonLike() {
        return essence().equals(JSON) || essence().equals("*/*") || essence().equals("application/*");
    }
}
