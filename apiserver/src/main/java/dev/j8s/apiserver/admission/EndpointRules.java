package dev.j8s.apiserver.admission;

import dev.j8s.apiserver.validation.Syntax;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validation of what the service proxy and the cluster DNS read: {@code v1} Endpoints and
 * {@code discovery.k8s.io/v1} EndpointSlices, with upstream's limits and messages (addresses must be IPs of the
 * slice's type and not unspecified, loopback or link-local; ports 1–65535 with a supported protocol). Users may write
 * both, and an address that is not one would otherwise reach the nftables rules. Stateless and thread-safe.
 */
final class EndpointRules {

    static final String ENDPOINT_SLICE = "discovery.k8s.io/EndpointSlice";
    static final String ENDPOINTS = "Endpoints";

    private static final List<String> ADDRESS_TYPES = List.of("FQDN", "IPv4", "IPv6");
    private static final List<String> ADDRESS_TYPES_ON_UPDATE = List.of("FQDN", "IP", "IPv4", "IPv6");
    private static final int MAX_ENDPOINTS = 1000;
    private static final int MAX_ADDRESSES = 100;
    private static final int MAX_PORTS = 100;
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private EndpointRules() {}

    /** Upstream's defaults: a port without a protocol is TCP (and a slice's port without a name is named ""). */
    static void defaults(String kind, ObjectNode obj) {
        if (kind.equals(ENDPOINT_SLICE)) {
            obj.path("ports").forEach(EndpointRules::defaultPort);
            obj.path("ports").forEach(p -> {
                if (p instanceof ObjectNode port && (!port.has("name") || port.get("name").isNull())) {
                    port.put("name", "");
                }
            });
        } else {
            obj.path("subsets").forEach(subset -> subset.path("ports").forEach(EndpointRules::defaultPort));
        }
    }

    private static void defaultPort(JsonNode p) {
        if (p instanceof ObjectNode port && (!port.has("protocol") || port.get("protocol").isNull())) {
            port.put("protocol", "TCP");
        }
    }

    static void validateSlice(ObjectNode slice, boolean update, FieldErrors errs) {
        String addressType = Trees.str(slice, "addressType");
        if (addressType.isEmpty()) {
            errs.required("addressType", "");
        } else if (!(update ? ADDRESS_TYPES_ON_UPDATE : ADDRESS_TYPES).contains(addressType)) {
            errs.notSupported("addressType", addressType, update ? ADDRESS_TYPES_ON_UPDATE : ADDRESS_TYPES);
        }
        JsonNode endpoints = slice.path("endpoints");
        if (endpoints.size() > MAX_ENDPOINTS) {
            errs.tooMany("endpoints", endpoints.size(), MAX_ENDPOINTS);
        } else {
            for (int i = 0; i < endpoints.size(); i++) {
                JsonNode endpoint = endpoints.get(i);
                String path = "endpoints[" + i + "]";
                JsonNode addresses = endpoint.path("addresses");
                if (addresses.isEmpty()) {
                    errs.required(path + ".addresses", "must contain at least 1 address");
                } else if (addresses.size() > MAX_ADDRESSES) {
                    errs.tooMany(path + ".addresses", addresses.size(), MAX_ADDRESSES);
                }
                for (int j = 0; j < addresses.size(); j++) {
                    sliceAddress(addressType, addresses.get(j).asText(), path + ".addresses[" + j + "]", errs);
                }
                String hostname = endpoint.path("hostname").asText("");
                if (endpoint.has("hostname") && !endpoint.get("hostname").isNull()) {
                    errs.invalidAll(path + ".hostname", hostname, Syntax.dns1123Label(hostname));
                }
            }
        }
        JsonNode ports = slice.path("ports");
        if (ports.size() > MAX_PORTS) {
            errs.tooMany("ports", ports.size(), MAX_PORTS);
            return;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            JsonNode port = ports.get(i);
            String path = "ports[" + i + "]";
            String name = port.path("name").asText("");
            if (!name.isEmpty()) {
                errs.invalidAll(path + ".name", name, Syntax.dns1123Label(name));
            }
            if (!names.add(name)) {
                errs.duplicate(path + ".name", name);
            }
            ServiceRules.protocol(path + ".protocol", port.path("protocol").asText(""), errs);
            if (port.has("port") && !port.get("port").isNull()) {
                long number = port.get("port").asLong();
                errs.invalidAll(path + ".port", number, Syntax.portNumber(number));
            }
        }
    }

    static void validateSliceUpdate(ObjectNode slice, ObjectNode old, FieldErrors errs) {
        validateSlice(slice, true, errs);
        String addressType = Trees.str(slice, "addressType");
        if (!addressType.equals(Trees.str(old, "addressType"))) {
            errs.invalid("addressType", addressType, MetaRules.IMMUTABLE);
        }
    }

    static void validateEndpoints(ObjectNode endpoints, FieldErrors errs) {
        JsonNode subsets = endpoints.path("subsets");
        for (int i = 0; i < subsets.size(); i++) {
            JsonNode subset = subsets.get(i);
            String path = "subsets[" + i + "]";
            for (String list : List.of("addresses", "notReadyAddresses")) {
                JsonNode addresses = subset.path(list);
                for (int j = 0; j < addresses.size(); j++) {
                    JsonNode address = addresses.get(j);
                    String at = path + "." + list + "[" + j + "]";
                    String ip = address.path("ip").asText("");
                    Optional<InetAddress> parsed = parse(ip);
                    if (parsed.isEmpty()) {
                        errs.invalid(at + ".ip", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
                    }
                    String hostname = address.path("hostname").asText("");
                    if (!hostname.isEmpty()) {
                        errs.invalidAll(at + ".hostname", hostname, Syntax.dns1123Label(hostname));
                    }
                    parsed.ifPresent(a -> nonSpecial(a, ip, at + ".ip", errs));
                }
            }
            JsonNode ports = subset.path("ports");
            for (int j = 0; j < ports.size(); j++) {
                JsonNode port = ports.get(j);
                String at = path + ".ports[" + j + "]";
                String name = port.path("name").asText("");
                if (ports.size() > 1 && name.isEmpty()) {
                    errs.required(at + ".name", "");
                } else if (!name.isEmpty()) {
                    errs.invalidAll(at + ".name", name, Syntax.dns1123Label(name));
                }
                long number = port.path("port").asLong(0);
                errs.invalidAll(at + ".port", number, Syntax.portNumber(number));
                ServiceRules.protocol(at + ".protocol", port.path("protocol").asText(""), errs);
            }
        }
    }

    private static void sliceAddress(String addressType, String address, String path, FieldErrors errs) {
        switch (addressType) {
            case "IPv4" -> {
                Optional<InetAddress> ip = IPV4.matcher(address).matches() ? parse(address) : Optional.empty();
                if (ip.isEmpty() || !(ip.get() instanceof Inet4Address)) {
                    errs.invalid(path, address, "must be a valid IPv4 address");
                }
                nonSpecialOrInvalid(address, path, errs);
            }
            case "IPv6" -> {
                Optional<InetAddress> ip = parse(address);
                if (ip.isEmpty() || !(ip.get() instanceof Inet6Address) || IPV4.matcher(address).matches()) {
                    errs.invalid(path, address, "must be a valid IPv6 address");
                }
                nonSpecialOrInvalid(address, path, errs);
            }
            case "FQDN" -> {
                List<String> problems = Syntax.dns1123Subdomain(address);
                if (!address.contains(".")) {
                    errs.invalid(path, address, "should be a domain with at least two segments separated by dots");
                }
                errs.invalidAll(path, address, problems);
            }
            default -> { }
        }
    }

    private static void nonSpecialOrInvalid(String address, String path, FieldErrors errs) {
        Optional<InetAddress> ip = parse(address);
        if (ip.isEmpty()) {
            errs.invalid(path, address, "must be a valid IP address");
        } else {
            nonSpecial(ip.get(), address, path, errs);
        }
    }

    private static void nonSpecial(InetAddress ip, String text, String path, FieldErrors errs) {
        if (ip.isAnyLocalAddress()) {
            errs.invalid(path, text, "may not be unspecified (" + text + ")");
        }
        if (ip.isLoopbackAddress()) {
            errs.invalid(path, text, "may not be in the loopback range (127.0.0.0/8, ::1/128)");
        }
        if (ip.isLinkLocalAddress()) {
            errs.invalid(path, text, "may not be in the link-local range (169.254.0.0/16, fe80::/10)");
        }
        if (isLinkLocalMulticast(ip)) {
            errs.invalid(path, text, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)");
        }
    }

    private static boolean isLinkLocalMulticast(InetAddress ip) {
        byte[] b = ip.getAddress();
        return ip instanceof Inet4Address ? (b[0] & 0xff) == 224 && b[1] == 0 && b[2] == 0
                : (b[0] & 0xff) == 0xff && (b[1] & 0x0f) == 0x02;
    }

    /** A literal IPv4 or IPv6 address, never a host name to resolve. */
    private static Optional<InetAddress> parse(String text) {
        if (text.isEmpty() || !(IPV4.matcher(text).matches() || IPV6_CHARS.matcher(text).matches())) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
