package dev.j8s.kubelet.envvars;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The values the downward API exposes (upstream {@code podFieldSelectorRuntimeValue}, {@code pkg/fieldpath} and
 * {@code ExtractContainerResourceValue}), for environment variables and downwardAPI volumes; stateless and
 * thread-safe.
 */
public final class DownwardApi {

    private DownwardApi() {}

    /**
     * What the node contributes: its IPs and the allocatable resources that stand in for a container's unset
     * limits ({@code cpu}, {@code memory}, {@code ephemeral-storage}).
     */
    public record Node(List<String> hostIps, Map<String, Quantity> allocatable) {
        public Node {
            hostIps = List.copyOf(hostIps);
            allocatable = Map.copyOf(allocatable);
        }
    }

    /** A field path the downward API does not know. */
    public static final class UnsupportedFieldException extends RuntimeException {
        UnsupportedFieldException(String message) {
            super(message);
        }
    }

    /**
     * The value of {@code fieldPath} for {@code pod}: the spec and status paths of the environment, then
     * {@code metadata.name|namespace|uid}, {@code metadata.labels['k']}, {@code metadata.annotations['k']} (empty
     * when absent) and the whole {@code metadata.labels} or {@code metadata.annotations} in {@link #formatMap}.
     *
     * @throws UnsupportedFieldException for any other path ({@code unsupported fieldPath: <path>})
     */
    public static String fieldValue(Pod pod, String fieldPath, List<String> podIps, Node node) {
        switch (fieldPath) {
            case "spec.nodeName" -> {
                return nonNull(pod.getSpec().getNodeName());
            }
            case "spec.serviceAccountName" -> {
                return nonNull(pod.getSpec().getServiceAccountName());
            }
            case "status.hostIP" -> {
                return node.hostIps().isEmpty() ? "" : node.hostIps().getFirst();
            }
            case "status.hostIPs" -> {
                return String.join(",", node.hostIps());
            }
            case "status.podIP" -> {
                return podIps(podIps).stream().findFirst().orElse("");
            }
            case "status.podIPs" -> {
                return String.join(",", podIps(podIps));
            }
            default -> {
                return metadataValue(pod, fieldPath);
            }
        }
    }

    /** At most one IP per family, the primary (first) family first, as upstream sorts them for the downward API. */
    private static List<String> podIps(List<String> ips) {
        if (ips.isEmpty()) {
            return ips;
        }
        boolean firstV6 = ips.getFirst().contains(":");
        Optional<String> other = ips.stream().filter(ip -> ip.contains(":") != firstV6).findFirst();
        return Stream.concat(Stream.of(ips.getFirst()), other.stream()).toList();
    }

    private static String metadataValue(Pod pod, String fieldPath) {
        var meta = pod.getMetadata();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        Map<String, String> annotations = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
        int bracket = fieldPath.indexOf("['");
        if (bracket > 0 && fieldPath.endsWith("']")) {
            String key = fieldPath.substring(bracket + 2, fieldPath.length() - 2);
            return switch (fieldPath.substring(0, bracket)) {
                case "metadata.labels" -> labels.getOrDefault(key, "");
                case "metadata.annotations" -> annotations.getOrDefault(key, "");
                default -> throw new UnsupportedFieldException("unsupported fieldPath: " + fieldPath);
            };
        }
        return switch (fieldPath) {
            case "metadata.name" -> nonNull(meta.getName());
            case "metadata.namespace" -> nonNull(meta.getNamespace());
            case "metadata.uid" -> nonNull(meta.getUid());
            case "metadata.labels" -> formatMap(labels);
            case "metadata.annotations" -> formatMap(annotations);
            default -> throw new UnsupportedFieldException("unsupported fieldPath: " + fieldPath);
        };
    }

    /**
     * Upstream {@code FormatMap}: {@code key="value"} lines sorted by key, the value quoted as Go's
     * {@code %q}, joined by newlines with none at the end.
     */
    public static String formatMap(Map<String, String> map) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(e.getKey()).append('=').append(goQuote(e.getValue()));
        }
        return out.toString();
    }

    /** Go's {@code strconv.Quote}: escapes, {@code \xNN} for invalid bytes, {@code \\uNNNN} for non-printables. */
    static String goQuote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case 7 -> out.append("\\a");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case 11 -> out.append("\\v");
                default -> {
                    if (cp < 0x20 || cp == 0x7f) {
                        out.append(String.format("\\x%02x", cp));
                    } else if (isPrintable(cp)) {
                        out.appendCodePoint(cp);
                    } else if (cp < 0x10000) {
                        out.append(String.format("\\u%04x", cp));
                    } else {
                        out.append(String.format("\\U%08x", cp));
                    }
                }
            }
        });
        return out.append('"').toString();
    }

    private static boolean isPrintable(int cp) {
        int type = Character.getType(cp);
        return cp < 0x80 || !(type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE || type == Character.SURROGATE || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.SPACE_SEPARATOR && cp != ' ');
    }

    /**
     * Upstream {@code ExtractContainerResourceValue} over the container with unset limits taken from the node's
     * allocatable ({@code defaultPodLimitsForDownwardAPI}): CPU as {@code ceil(milli / divisor milli)}, memory,
     * ephemeral storage and hugepages as {@code ceil(bytes / divisor)}; an unset request is 0.
     *
     * @throws UnsupportedFieldException for a resource it does not know
     */
    public static String resourceValue(ResourceFieldSelector selector, Container container, Node node) {
        String resource = selector.getResource();
        Quantity divisor = selector.getDivisor() == null ? new Quantity("1") : selector.getDivisor();
        BigDecimal div = Quantity.getAmountInBytes(divisor);
        if (div.signum() == 0) {
            div = BigDecimal.ONE;
        }
        int dot = resource.indexOf('.');
        if (dot < 0 || !(resource.startsWith("limits.") || resource.startsWith("requests."))) {
            throw new UnsupportedFieldException("unsupported container resource : " + resource);
        }
        boolean limits = resource.startsWith("limits.");
        String name = resource.substring(dot + 1);
        if (!List.of("cpu", "memory", "ephemeral-storage").contains(name) && !name.startsWith("hugepages-")) {
            throw new UnsupportedFieldException("unsupported container resource : " + resource);
        }
        Map<String, Quantity> values = container.getResources() == null ? null
                : limits ? container.getResources().getLimits() : container.getResources().getRequests();
        Quantity q = values == null ? null : values.get(name);
        if (q == null && limits) {
            q = node.allocatable().get(name);
        }
        BigDecimal amount = q == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(q);
        if (name.equals("cpu")) {
            BigDecimal milli = amount.multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING);
            BigDecimal divMilli = div.multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING);
            return milli.divide(divMilli, 0, RoundingMode.CEILING).toPlainString();
        }
        return amount.divide(div, 0, RoundingMode.CEILING).toPlainString();
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
