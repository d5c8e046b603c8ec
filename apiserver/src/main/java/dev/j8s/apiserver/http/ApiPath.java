package dev.j8s.apiserver.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A resource URL split into its parts: {@code /api/v1/namespaces/ns/pods/name/log} or
 * {@code /apis/group/version/plural[/name[/sub]]}; the path a {@code proxy} subresource passes on
 * ({@code …/services/web:80/proxy/index.html}) is not part of it. Immutable.
 *
 * @param group        API group ("" for core)
 * @param version      API version
 * @param namespace    namespace from the URL, "" when none
 * @param plural       resource name, "" for the group-version root (discovery)
 * @param name         object name, "" for collections
 * @param subresource  subresource name, "" for the main resource
 */
record ApiPath(String group, String version, String namespace, String plural, String name, String subresource) {

    /** Parses a request path; empty when it is not under /api or /apis, or has too many segments. */
    static Optional<ApiPath> parse(String path) {
        List<String> seg = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                seg.add(s);
            }
        }
        String group;
        String version;
        int i;
        if (seg.size() >= 2 && seg.get(0).equals("api")) {
            group = "";
            version = seg.get(1);
            i = 2;
        } else if (seg.size() >= 3 && seg.get(0).equals("apis")) {
            group = seg.get(1);
            version = seg.get(2);
            i = 3;
        } else {
            return Optional.empty();
        }
        List<String> rest = seg.subList(i, seg.size());
        if (rest.isEmpty()) {
            return Optional.of(new ApiPath(group, version, "", "", "", ""));
        }
        // namespaces/{ns}/{plural}[/{name}[/{sub}]] — but namespaces/{name}/status|finalize is the Namespace itself.
        if (rest.get(0).equals("namespaces") && rest.size() >= 3
                && !(rest.size() == 3 && (rest.get(2).equals("status") || rest.get(2).equals("finalize")))) {
            if (rest.size() > 5 && !rest.get(4).equals("proxy")) {
                return Optional.empty(); // only a proxy subresource has a path of its own after it
            }
            return Optional.of(new ApiPath(group, version, rest.get(1), rest.get(2),
                    rest.size() > 3 ? rest.get(3) : "", rest.size() > 4 ? rest.get(4) : ""));
        }
        if (rest.size() > 3) {
            return Optional.empty();
        }
        return Optional.of(new ApiPath(group, version, "", rest.get(0),
                rest.size() > 1 ? rest.get(1) : "", rest.size() > 2 ? rest.get(2) : ""));
    }
}
