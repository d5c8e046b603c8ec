package dev.j8s.kubelet.probe;

import dev.j8s.kubelet.format.GoErrors;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The GET an {@code httpGet} probe or hook sends, as upstream's {@code NewRequestForHTTPGetAction} builds it: the
 * scheme lower-cased ({@code http} by default), the host or else the pod's address, the port resolved against the
 * container, the path with its query, the headers in order (names canonicalized, repeats kept) with a
 * {@code User-Agent} of {@code kube-<purpose>/<major>.<minor>} and {@code Accept: *}{@code /*} unless given (an
 * empty {@code Accept} removes it), and a {@code Host} header as the request's host. Immutable and thread-safe.
 *
 * @param podAddress the host is the pod's own address (the request is made inside the pod's network namespace)
 * @param headers name and value pairs, in the order sent after {@code Host}
 */
public record HttpGetRequest(String scheme, String host, int port, String path, List<Header> headers,
        boolean podAddress) {

    /** The Kubernetes minor version in the {@code User-Agent}, as {@code KubeletConfig.VERSION} reports it. */
    public static final String KUBE_VERSION = "1.32";

    public HttpGetRequest {
        headers = List.copyOf(headers);
    }

    /** One header line. */
    public record Header(String name, String value) {}

    /**
     * The request of {@code action} for {@code container} of a pod at {@code podIp}; {@code purpose} is
     * {@code probe} or {@code lifecycle}.
     *
     * @throws ProbeException when the port cannot be resolved
     */
    public static HttpGetRequest of(HTTPGetAction action, Container container, String podIp, String purpose) {
        String scheme = action.getScheme() == null || action.getScheme().isEmpty() ? "http"
                : action.getScheme().toLowerCase(Locale.ROOT);
        boolean podAddress = action.getHost() == null || action.getHost().isEmpty();
        String host = podAddress ? podIp : action.getHost();
        int port = ContainerPorts.resolve(action.getPort(), container);
        String path = action.getPath() == null ? "" : action.getPath();
        List<Header> headers = new ArrayList<>();
        for (HTTPHeader h : action.getHttpHeaders()) {
            headers.add(new Header(canonical(h.getName()), h.getValue() == null ? "" : h.getValue()));
        }
        if (headers.stream().noneMatch(h -> h.name().equals("User-Agent"))) {
            headers.add(new Header("User-Agent", "kube-" + purpose + "/" + KUBE_VERSION));
        }
        if (headers.stream().noneMatch(h -> h.name().equals("Accept"))) {
            headers.add(new Header("Accept", "*/*"));
        } else if (headers.stream().filter(h -> h.name().equals("Accept")).findFirst().orElseThrow().value()
                .isEmpty()) {
            headers.removeIf(h -> h.name().equals("Accept"));
        }
        return new HttpGetRequest(scheme, host, port, path, headers, podAddress);
    }

    /** The URL as Go prints it: {@code http://10.244.0.5:8080/healthz?x=1}. */
    public String url() {
        return scheme + "://" + GoErrors.joinHostPort(host, port) + path;
    }

    /** The value of the {@code Host} header sent: a {@code Host} header given in the spec, else host and port. */
    String hostHeader() {
        return headers.stream().filter(h -> h.name().equals("Host")).map(Header::value).findFirst()
                .orElse(GoErrors.joinHostPort(host, port));
    }

    /** This request sent to another path on the same host (a redirect). */
    HttpGetRequest withPath(String newScheme, String newPath) {
        return new HttpGetRequest(newScheme, host, port, newPath, headers, podAddress);
    }

    /** Go's {@code textproto.CanonicalMIMEHeaderKey}: {@code content-type} becomes {@code Content-Type}. */
    static String canonical(String name) {
        if (name == null || name.isEmpty() || !name.chars().allMatch(c -> c < 0x7f && c > 0x20 && c != ':')) {
            return name == null ? "" : name;
        }
        StringBuilder out = new StringBuilder(name.length());
        boolean upper = true;
        for (char c : name.toCharArray()) {
            out.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
            upper = c == '-';
        }
        return out.toString();
    }
}
