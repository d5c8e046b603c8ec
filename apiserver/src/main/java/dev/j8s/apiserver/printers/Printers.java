package dev.j8s.apiserver.printers;

import static dev.j8s.apiserver.printers.Nodes.number;
import static dev.j8s.apiserver.printers.Nodes.size;
import static dev.j8s.apiserver.printers.Nodes.text;
import static dev.j8s.apiserver.printers.Nodes.time;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.registry.ResourceType;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * The column set and row function for one resource, chosen as upstream's printers.go registers them; kinds
 * without a printer get the apiserver's DefaultTableConvertor (Name, Created At). Immutable and thread-safe.
 */
record Printers(List<Column> columns, BiFunction<JsonNode, Instant, Row> rows) {

    private static final String NODE_ROLE_PREFIX = "node-role.kubernetes.io/";
    private static final String NODE_ROLE_LABEL = "kubernetes.io/role";
    private static final int LOAD_BALANCER_WIDTH = 16;

    static Printers forType(ResourceType type) {
        return switch (type.group() + "/" + type.plural()) {
            case "/pods" -> new Printers(PodPrinter.COLUMNS, PodPrinter::row);
            case "/events", "events.k8s.io/events" -> new Printers(EventPrinter.COLUMNS, EventPrinter::row);
            case "/nodes" -> new Printers(NODE_COLUMNS, Printers::node);
            case "/namespaces" -> new Printers(List.of(Column.nameColumn(),
                    Column.string("Status", Descriptions.NAMESPACE_STATUS), Column.age()),
                    (o, now) -> Row.of(name(o), text(o.path("status"), "phase"), age(o, now)));
            case "/secrets" -> new Printers(List.of(Column.nameColumn(),
                    Column.string("Type", Descriptions.SECRET_TYPE),
                    Column.string("Data", Descriptions.SECRET_DATA), Column.age()),
                    (o, now) -> Row.of(name(o), text(o, "type"), (long) size(o, "data"), age(o, now)));
            case "/serviceaccounts" -> new Printers(List.of(Column.nameColumn(),
                    Column.string("Secrets", Descriptions.SERVICE_ACCOUNT_SECRETS), Column.age()),
                    (o, now) -> Row.of(name(o), (long) size(o, "secrets"), age(o, now)));
            case "/configmaps" -> new Printers(List.of(Column.nameColumn(),
                    Column.string("Data", Descriptions.CONFIG_MAP_DATA), Column.age()),
                    (o, now) -> Row.of(name(o), (long) (size(o, "data") + size(o, "binaryData")), age(o, now)));
            case "/services" -> new Printers(SERVICE_COLUMNS, Printers::service);
            case "/endpoints" -> new Printers(List.of(Column.nameColumn(),
                    Column.string("Endpoints", Descriptions.ENDPOINTS_SUBSETS), Column.age()),
                    (o, now) -> Row.of(name(o), formatEndpoints(o), age(o, now)));
            case "discovery.k8s.io/endpointslices" -> new Printers(List.of(Column.nameColumn(),
                    Column.string("AddressType", Descriptions.SLICE_ADDRESS_TYPE),
                    Column.string("Ports", Descriptions.SLICE_PORTS),
                    Column.string("Endpoints", Descriptions.SLICE_ENDPOINTS), Column.age()),
                    (o, now) -> Row.of(name(o), text(o, "addressType"), formatSlicePorts(o.path("ports")),
                            formatSliceEndpoints(o.path("endpoints")), age(o, now)));
            case "coordination.k8s.io/leases" -> new Printers(List.of(Column.nameColumn(),
                    Column.string("Holder", Descriptions.LEASE_HOLDER_IDENTITY), Column.age()),
                    (o, now) -> Row.of(name(o), text(o.path("spec"), "holderIdentity"), age(o, now)));
            case "/resourcequotas" -> new Printers(List.of(Column.nameColumn(),
                    Column.string("Request", Descriptions.QUOTA_REQUEST),
                    Column.string("Limit", Descriptions.QUOTA_LIMIT), Column.age()),
                    Printers::resourceQuota);
            case "rbac.authorization.k8s.io/rolebindings", "rbac.authorization.k8s.io/clusterrolebindings" ->
                    new Printers(BINDING_COLUMNS, Printers::binding);
            case "apps/deployments" -> new Printers(WorkloadPrinters.DEPLOYMENTS, WorkloadPrinters::deployment);
            case "apps/replicasets" -> new Printers(WorkloadPrinters.REPLICA_SETS, WorkloadPrinters::replicaSet);
            case "apps/daemonsets" -> new Printers(WorkloadPrinters.DAEMON_SETS, WorkloadPrinters::daemonSet);
            case "apps/controllerrevisions" -> new Printers(WorkloadPrinters.CONTROLLER_REVISIONS,
                    WorkloadPrinters::controllerRevision);
            case "apps/statefulsets" -> new Printers(WorkloadPrinters.STATEFUL_SETS, WorkloadPrinters::statefulSet);
            case "/persistentvolumes" -> new Printers(StoragePrinters.PERSISTENT_VOLUMES, StoragePrinters::persistentVolume);
            case "/persistentvolumeclaims" -> new Printers(StoragePrinters.PERSISTENT_VOLUME_CLAIMS,
                    StoragePrinters::persistentVolumeClaim);
            case "storage.k8s.io/storageclasses" -> new Printers(StoragePrinters.STORAGE_CLASSES,
                    StoragePrinters::storageClass);
            case "policy/poddisruptionbudgets" -> new Printers(WorkloadPrinters.POD_DISRUPTION_BUDGETS,
                    WorkloadPrinters::podDisruptionBudget);
            case "batch/jobs" -> new Printers(BatchPrinters.JOBS, BatchPrinters::job);
            case "batch/cronjobs" -> new Printers(BatchPrinters.CRON_JOBS, BatchPrinters::cronJob);
            case "certificates.k8s.io/certificatesigningrequests" -> new Printers(CertificatePrinters.SIGNING_REQUESTS,
                    CertificatePrinters::signingRequest);
            default -> new Printers(DEFAULT_COLUMNS, Printers::generic);
        };
    }

    static final List<Column> DEFAULT_COLUMNS = List.of(
            Column.nameColumn(),
            new Column("Created At", "date", "", Descriptions.CREATION_TIMESTAMP, 0));

    /** Upstream's roleBindingsColumnDefinitions (and the cluster bindings'). */
    static final List<Column> BINDING_COLUMNS = List.of(
            Column.nameColumn(),
            Column.string("Role", Descriptions.ROLE_REF),
            Column.age(),
            Column.string("Users", Descriptions.BINDING_USERS).wide(),
            Column.string("Groups", Descriptions.BINDING_GROUPS).wide(),
            Column.string("ServiceAccounts", Descriptions.BINDING_SERVICE_ACCOUNTS).wide());

    /** Upstream's printRoleBinding: {@code Kind/name} of the role, then the subjects by kind, comma-separated. */
    private static Row binding(JsonNode o, Instant now) {
        List<String> users = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        List<String> serviceAccounts = new ArrayList<>();
        for (JsonNode s : o.path("subjects")) {
            switch (text(s, "kind")) {
                case "User" -> users.add(text(s, "name"));
                case "Group" -> groups.add(text(s, "name"));
                case "ServiceAccount" -> serviceAccounts.add(text(s, "namespace") + "/" + text(s, "name"));
                default -> { }
            }
        }
        return Row.of(name(o), text(o.path("roleRef"), "kind") + "/" + text(o.path("roleRef"), "name"), age(o, now),
                String.join(", ", users), String.join(", ", groups), String.join(", ", serviceAccounts));
    }

    static final List<Column> NODE_COLUMNS = List.of(
            Column.nameColumn(),
            Column.string("Status", Descriptions.NODE_STATUS),
            Column.string("Roles", Descriptions.NODE_ROLES),
            Column.age(),
            Column.string("Version", Descriptions.NODE_KUBELET_VERSION),
            Column.string("Internal-IP", Descriptions.NODE_ADDRESSES).wide(),
            Column.string("External-IP", Descriptions.NODE_ADDRESSES).wide(),
            Column.string("OS-Image", Descriptions.NODE_OS_IMAGE).wide(),
            Column.string("Kernel-Version", Descriptions.NODE_KERNEL_VERSION).wide(),
            Column.string("Container-Runtime", Descriptions.NODE_CONTAINER_RUNTIME_VERSION).wide());

    static final List<Column> SERVICE_COLUMNS = List.of(
            Column.nameColumn(),
            Column.string("Type", Descriptions.SERVICE_TYPE),
            Column.string("Cluster-IP", Descriptions.SERVICE_CLUSTER_IP),
            Column.string("External-IP", Descriptions.SERVICE_EXTERNAL_IPS),
            Column.string("Port(s)", Descriptions.SERVICE_PORTS),
            Column.age(),
            Column.string("Selector", Descriptions.SERVICE_SELECTOR).wide());

    static String name(JsonNode o) {
        return text(o.path("metadata"), "name");
    }

    static String age(JsonNode o, Instant now) {
        return HumanDuration.since(time(o.path("metadata"), "creationTimestamp"), now);
    }

    private static Row generic(JsonNode o, Instant now) {
        Instant created = time(o.path("metadata"), "creationTimestamp").orElse(Instant.parse("0001-01-01T00:00:00Z"));
        return Row.of(name(o), DateTimeFormatter.ISO_INSTANT.format(created.truncatedTo(ChronoUnit.SECONDS)));
    }

    private static Row node(JsonNode node, Instant now) {
        JsonNode status = node.path("status");
        List<String> state = new ArrayList<>();
        for (JsonNode condition : status.path("conditions")) {
            if (text(condition, "type").equals("Ready")) {
                // The last Ready condition wins, as upstream's condition map keeps the last entry per type.
                state.clear();
                state.add(text(condition, "status").equals("True") ? "Ready" : "NotReady");
            }
        }
        if (state.isEmpty()) {
            state.add("Unknown");
        }
        if (Nodes.bool(node.path("spec"), "unschedulable")) {
            state.add("SchedulingDisabled");
        }
        TreeSet<String> roles = new TreeSet<>();
        node.path("metadata").path("labels").properties().forEach(e -> {
            String k = e.getKey();
            String v = e.getValue().asText("");
            if (k.startsWith(NODE_ROLE_PREFIX)) {
                String role = k.substring(NODE_ROLE_PREFIX.length());
                if (!role.isEmpty()) {
                    roles.add(role);
                }
            } else if (k.equals(NODE_ROLE_LABEL) && !v.isEmpty()) {
                roles.add(v);
            }
        });
        JsonNode info = status.path("nodeInfo");
        return Row.of(
                name(node),
                String.join(",", state),
                roles.isEmpty() ? "<none>" : String.join(",", roles),
                age(node, now),
                text(info, "kubeletVersion"),
                nodeAddress(status, "InternalIP"),
                nodeAddress(status, "ExternalIP"),
                orUnknown(text(info, "osImage")),
                orUnknown(text(info, "kernelVersion")),
                orUnknown(text(info, "containerRuntimeVersion")));
    }

    private static String orUnknown(String s) {
        return s.isEmpty() ? "<unknown>" : s;
    }

    private static String nodeAddress(JsonNode status, String type) {
        for (JsonNode address : status.path("addresses")) {
            if (text(address, "type").equals(type)) {
                return text(address, "address");
            }
        }
        return "<none>";
    }

    private static Row service(JsonNode svc, Instant now) {
        JsonNode spec = svc.path("spec");
        String type = text(spec, "type");
        if (type.isEmpty()) {
            type = "ClusterIP"; // the server defaults it; an undefaulted object prints as upstream would after defaulting
        }
        String clusterIP = "<none>";
        JsonNode clusterIPs = spec.path("clusterIPs");
        if (clusterIPs.isArray() && !clusterIPs.isEmpty()) {
            clusterIP = clusterIPs.get(0).asText();
        } else if (!text(spec, "clusterIP").isEmpty()) {
            clusterIP = text(spec, "clusterIP");
        }
        List<String> pieces = new ArrayList<>();
        for (JsonNode port : spec.path("ports")) {
            String protocol = text(port, "protocol");
            long nodePort = number(port, "nodePort");
            pieces.add(nodePort > 0
                    ? number(port, "port") + ":" + nodePort + "/" + protocol
                    : number(port, "port") + "/" + protocol);
        }
        String ports = pieces.isEmpty() ? "<none>" : String.join(",", pieces);
        return Row.of(name(svc), type, clusterIP, externalIP(svc, type), ports, age(svc, now),
                formatLabels(spec.path("selector")));
    }

    private static String externalIP(JsonNode svc, String type) {
        JsonNode spec = svc.path("spec");
        List<String> externalIPs = new ArrayList<>();
        spec.path("externalIPs").forEach(ip -> externalIPs.add(ip.asText()));
        return switch (type) {
            case "ClusterIP", "NodePort" -> externalIPs.isEmpty() ? "<none>" : String.join(",", externalIPs);
            case "LoadBalancer" -> {
                // The Table is rendered wide (every column), so the ingress list is not clipped.
                String lbIps = loadBalancerStatus(svc.path("status").path("loadBalancer"), true);
                if (!externalIPs.isEmpty()) {
                    List<String> results = new ArrayList<>();
                    if (!lbIps.isEmpty()) {
                        results.addAll(List.of(lbIps.split(",")));
                    }
                    results.addAll(externalIPs);
                    yield String.join(",", results);
                }
                yield lbIps.isEmpty() ? "<pending>" : lbIps;
            }
            case "ExternalName" -> text(spec, "externalName");
            default -> "<unknown>";
        };
    }

    static String loadBalancerStatus(JsonNode loadBalancer, boolean wide) {
        TreeSet<String> result = new TreeSet<>();
        for (JsonNode ingress : loadBalancer.path("ingress")) {
            if (!text(ingress, "ip").isEmpty()) {
                result.add(text(ingress, "ip"));
            } else if (!text(ingress, "hostname").isEmpty()) {
                result.add(text(ingress, "hostname"));
            }
        }
        String r = String.join(",", result);
        if (!wide && r.length() > LOAD_BALANCER_WIDTH) {
            r = r.substring(0, LOAD_BALANCER_WIDTH - 3) + "...";
        }
        return r;
    }

    /** labels.FormatLabels: sorted {@code k=v} pairs, or {@code <none>}. */
    static String formatLabels(JsonNode labels) {
        TreeMap<String, String> sorted = new TreeMap<>();
        labels.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText("")));
        if (sorted.isEmpty()) {
            return "<none>";
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    /** A slice's port numbers, at most three, then {@code + N more...}; {@code <unset>} when there are none. */
    static String formatSlicePorts(JsonNode ports) {
        List<String> values = new ArrayList<>();
        for (JsonNode port : ports) {
            values.add(port.has("port") ? port.path("port").asText() : "<unset>");
        }
        return atMostThree(values);
    }

    /** Every address of a slice's endpoints, ready or not, at most three, then {@code + N more...}. */
    static String formatSliceEndpoints(JsonNode endpoints) {
        List<String> values = new ArrayList<>();
        for (JsonNode endpoint : endpoints) {
            endpoint.path("addresses").forEach(a -> values.add(a.asText()));
        }
        return atMostThree(values);
    }

    private static String atMostThree(List<String> values) {
        if (values.isEmpty()) {
            return "<unset>";
        }
        String shown = String.join(",", values.subList(0, Math.min(3, values.size())));
        return values.size() > 3 ? shown + " + " + (values.size() - 3) + " more..." : shown;
    }

    /** {@code ip:port,…} for every port of every subset, at most three, then {@code + N more...}. */
    static String formatEndpoints(JsonNode endpoints) {
        JsonNode subsets = endpoints.path("subsets");
        if (!subsets.isArray() || subsets.isEmpty()) {
            return "<none>";
        }
        final int max = 3;
        List<String> list = new ArrayList<>();
        boolean more = false;
        int count = 0;
        for (JsonNode ss : subsets) {
            JsonNode addresses = ss.path("addresses");
            JsonNode ports = ss.path("ports");
            if (ports.isEmpty()) {
                // Headless services may have no ports.
                count += addresses.size();
                for (JsonNode address : addresses) {
                    if (list.size() == max) {
                        more = true;
                        break;
                    }
                    list.add(text(address, "ip"));
                }
                continue;
            }
            for (JsonNode port : ports) {
                count += addresses.size();
                for (JsonNode address : addresses) {
                    if (list.size() == max) {
                        more = true;
                        break;
                    }
                    list.add(joinHostPort(text(address, "ip"), number(port, "port")));
                }
            }
        }
        String ret = String.join(",", list);
        return more ? ret + " + " + (count - max) + " more..." : ret;
    }

    private static String joinHostPort(String host, long port) {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static Row resourceQuota(JsonNode quota, Instant now) {
        JsonNode status = quota.path("status");
        TreeMap<String, String> hard = new TreeMap<>();
        status.path("hard").properties().forEach(e -> hard.put(e.getKey(), e.getValue().asText("")));
        StringBuilder request = new StringBuilder();
        StringBuilder limit = new StringBuilder();
        for (Map.Entry<String, String> e : hard.entrySet()) {
            String resource = e.getKey();
            String used = text(status.path("used"), resource);
            String[] pieces = resource.split("\\.", -1);
            StringBuilder w = pieces.length > 1 && pieces[0].equals("limits") ? limit : request;
            w.append(resource).append(": ").append(used.isEmpty() ? "0" : used).append('/').append(e.getValue())
                    .append(", ");
        }
        return Row.of(name(quota), trimComma(request), trimComma(limit), age(quota, now));
    }

    private static String trimComma(StringBuilder sb) {
        String s = sb.toString();
        return s.endsWith(", ") ? s.substring(0, s.length() - 2) : s;
    }
}
