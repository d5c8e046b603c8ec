package dev.j8s.apiserver.admission;

import dev.j8s.apiserver.validation.Syntax;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Service defaulting ({@code SetDefaults_Service}), ClusterIP and NodePort allocation
 * ({@code pkg/registry/core/service/storage/alloc.go}) and validation ({@code ValidateService},
 * {@code ValidateServiceUpdate}) for a single-stack IPv4 cluster. Thread-safe.
 */
final class ServiceRules {

    static final int NODE_PORT_MIN = 30000;
    static final int NODE_PORT_MAX = 32767;
    static final String HEALTH_CHECK_NODE_PORT = "healthCheckNodePort";
    private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
    private static final List<String> TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");

    /** The services already stored (all namespaces), minus the one being written. */
    interface Existing {
        List<ObjectNode> services();
    }

    private final ServiceIpAllocator ips;
    private final RandomGenerator random;

    ServiceRules(ServiceIpAllocator ips, RandomGenerator random) {
        this.ips = ips;
        this.random = random;
    }

    static void defaults(ObjectNode svc) {
        ObjectNode spec = Trees.objOrCreate(svc, "spec");
        Trees.putIfAbsent(spec, "sessionAffinity", "None");
        if (Trees.str(spec, "sessionAffinity").equals("None")) {
            spec.remove("sessionAffinityConfig");
        } else if (Trees.str(spec, "sessionAffinity").equals("ClientIP")) {
            ObjectNode clientIP = Trees.objOrCreate(Trees.objOrCreate(spec, "sessionAffinityConfig"), "clientIP");
            if (!Trees.has(clientIP, "timeoutSeconds")) {
                clientIP.put("timeoutSeconds", 10800);
            }
        }
        Trees.putIfAbsent(spec, "type", "ClusterIP");
        String type = Trees.str(spec, "type");
        for (ObjectNode p : Trees.objects(spec, "ports")) {
            Trees.putIfAbsent(p, "protocol", "TCP");
            JsonNode target = p.get("targetPort");
            if (target == null || target.isNull() || (target.isNumber() && target.asLong() == 0)
                    || (target.isTextual() && target.asText().isEmpty())) {
                if (p.has("port")) {
                    p.set("targetPort", p.get("port").deepCopy());
                }
            }
        }
        if (type.equals("NodePort") || type.equals("LoadBalancer")) {
            Trees.putIfAbsent(spec, "externalTrafficPolicy", "Cluster");
        }
        if (!Trees.has(spec, "internalTrafficPolicy") && !type.equals("ExternalName")) {
            spec.put("internalTrafficPolicy", "Cluster");
        }
        if (type.equals("LoadBalancer") && !Trees.has(spec, "allocateLoadBalancerNodePorts")) {
            spec.put("allocateLoadBalancerNodePorts", true);
        }
        // clusterIP and clusterIPs describe the same primary address
        String clusterIP = Trees.str(spec, "clusterIP");
        List<String> clusterIPs = MetaRules.strings(spec.get("clusterIPs"));
        if (!clusterIP.isEmpty() && clusterIPs.isEmpty()) {
            spec.putArray("clusterIPs").add(clusterIP);
        } else if (clusterIP.isEmpty() && !clusterIPs.isEmpty()) {
            spec.put("clusterIP", clusterIPs.getFirst());
        }
    }

    /** Allocates the ClusterIP, IP families and NodePorts of a new service; allocation failures are 422. */
    void allocateCreate(ResourceTypeName rt, ObjectNode svc, Existing existing) {
        ObjectNode spec = Trees.objOrCreate(svc, "spec");
        FieldErrors errs = new FieldErrors();
        families(spec, errs);
        errs.throwIfAny(rt.type(), rt.name());
        clusterIP(rt, spec, existing);
        nodePorts(rt, spec, existing, Map.of());
        healthCheckNodePort(rt, spec, existing);
    }

    /** The update counterpart: keeps what was allocated, allocates what a type change needs. */
    void allocateUpdate(ResourceTypeName rt, ObjectNode svc, ObjectNode old, Existing existing) {
        ObjectNode spec = Trees.objOrCreate(svc, "spec");
        ObjectNode oldSpec = Trees.obj(old, "spec") == null ? old.objectNode() : Trees.obj(old, "spec");
        if (needsClusterIP(oldSpec) && needsClusterIP(spec)) {
            if (Trees.str(spec, "clusterIP").isEmpty() && Trees.has(oldSpec, "clusterIP")) {
                spec.set("clusterIP", oldSpec.get("clusterIP").deepCopy());
            }
            if (Trees.arraySize(spec, "clusterIPs") == 0 && Trees.has(oldSpec, "clusterIPs")) {
                spec.set("clusterIPs", oldSpec.get("clusterIPs").deepCopy());
            }
        }
        if (!Trees.str(spec, "type").equals("ExternalName")) {
            for (String f : List.of("ipFamilies", "ipFamilyPolicy")) {
                if (!Trees.has(spec, f) && Trees.has(oldSpec, f)) {
                    spec.set(f, oldSpec.get(f).deepCopy());
                }
            }
        }
        Map<String, Long> oldNodePorts = new HashMap<>();
        if (needsNodePorts(oldSpec) && needsNodePorts(spec)) {
            Set<Long> used = new HashSet<>();
            Trees.objects(spec, "ports").forEach(p -> used.add(p.path("nodePort").asLong(0)));
            for (ObjectNode p : Trees.objects(oldSpec, "ports")) {
                long np = p.path("nodePort").asLong(0);
                if (np != 0 && !used.contains(np)) {
                    oldNodePorts.put(Trees.str(p, "name"), np);
                }
            }
        }
        FieldErrors errs = new FieldErrors();
        families(spec, errs);
        String oldIP = Trees.str(oldSpec, "clusterIP");
        String newIP = Trees.str(spec, "clusterIP");
        boolean externalName = Trees.str(spec, "type").equals("ExternalName") || Trees.str(oldSpec, "type").equals("ExternalName");
        boolean bothHeadless = oldIP.equals("None") && newIP.equals("None");
        if (!externalName && !bothHeadless && !oldIP.isEmpty() && !newIP.isEmpty() && !oldIP.equals(newIP)) {
            errs.invalid("spec.clusterIPs[0]", MetaRules.strings(spec.get("clusterIPs")), "may not change once set");
        }
        long oldHealthCheck = oldSpec.path(HEALTH_CHECK_NODE_PORT).asLong(0);
        long newHealthCheck = spec.path(HEALTH_CHECK_NODE_PORT).asLong(0);
        if (needsHealthCheckNodePort(oldSpec) && needsHealthCheckNodePort(spec)) {
            if (newHealthCheck == 0 && oldHealthCheck != 0) {
                // an update that leaves it out keeps what was allocated, as for the ClusterIP and the NodePorts
                spec.put(HEALTH_CHECK_NODE_PORT, oldHealthCheck);
            } else if (newHealthCheck != oldHealthCheck) {
                errs.invalid("spec." + HEALTH_CHECK_NODE_PORT, newHealthCheck,
                        "cannot change healthCheckNodePort on loadBalancer service with externalTraffic=Local during update");
            }
        } else if (needsHealthCheckNodePort(oldSpec) && newHealthCheck == oldHealthCheck) {
            // no longer LoadBalancer with the Local policy: the port goes with what needed it
            spec.remove(HEALTH_CHECK_NODE_PORT);
        }
        errs.throwIfAny(rt.type(), rt.name());
        if (newIP.isEmpty()) {
            clusterIP(rt, spec, existing);
        }
        nodePorts(rt, spec, existing, oldNodePorts);
        if (!needsHealthCheckNodePort(oldSpec)) {
            healthCheckNodePort(rt, spec, existing);
        }
    }

    /** A LoadBalancer that keeps its clients' addresses ({@code externalTrafficPolicy: Local}) gets a health check port. */
    static boolean needsHealthCheckNodePort(ObjectNode spec) {
        return Trees.str(spec, "type").equals("LoadBalancer") && Trees.str(spec, "externalTrafficPolicy").equals("Local");
    }

    /**
     * Allocates {@code spec.healthCheckNodePort} of a service that needs one: the requested port when it is in the
     * NodePort range and free, else a free one; the NodePorts of every service and their health check ports share
     * the range.
     */
    private void healthCheckNodePort(ResourceTypeName rt, ObjectNode spec, Existing existing) {
        if (!needsHealthCheckNodePort(spec)) {
            return;
        }
        Set<Long> taken = new HashSet<>();
        for (ObjectNode s : existing.services()) {
            Trees.objects(Trees.obj(s, "spec"), "ports").forEach(p -> taken.add(p.path("nodePort").asLong(0)));
            taken.add(s.path("spec").path(HEALTH_CHECK_NODE_PORT).asLong(0));
        }
        Trees.objects(spec, "ports").forEach(p -> taken.add(p.path("nodePort").asLong(0)));
        long requested = spec.path(HEALTH_CHECK_NODE_PORT).asLong(0);
        if (requested != 0) {
            FieldErrors errs = new FieldErrors();
            if (requested < NODE_PORT_MIN || requested > NODE_PORT_MAX) {
                errs.invalid("spec." + HEALTH_CHECK_NODE_PORT, requested, "failed to allocate requested HealthCheck "
                        + "NodePort " + requested + ": provided port is not in the valid range. The range of valid ports is "
                        + NODE_PORT_MIN + "-" + NODE_PORT_MAX);
            } else if (taken.contains(requested)) {
                errs.invalid("spec." + HEALTH_CHECK_NODE_PORT, requested, "failed to allocate requested HealthCheck "
                        + "NodePort " + requested + ": provided port is already allocated");
            }
            errs.throwIfAny(rt.type(), rt.name());
            return;
        }
        spec.put(HEALTH_CHECK_NODE_PORT, freeNodePort(taken));
    }

    /** A random port of the NodePort range that is not in {@code taken}. */
    private int freeNodePort(Set<Long> taken) {
        int count = NODE_PORT_MAX - NODE_PORT_MIN + 1;
        int offset = random.nextInt(count);
        for (int i = 0; i < count; i++) {
            int candidate = NODE_PORT_MIN + (offset + i) % count;
            if (!taken.contains((long) candidate)) {
                return candidate;
            }
        }
        throw new ApiError.InternalError("failed to allocate a nodePort: range is full");
    }

    private static boolean needsClusterIP(ObjectNode spec) {
        return !Trees.str(spec, "type").equals("ExternalName");
    }

    private static boolean needsNodePorts(ObjectNode spec) {
        String type = Trees.str(spec, "type");
        return type.equals("NodePort") || (type.equals("LoadBalancer") && spec.path("allocateLoadBalancerNodePorts").asBoolean(true));
    }

    private static void families(ObjectNode spec, FieldErrors errs) {
        if (Trees.str(spec, "type").equals("ExternalName")) {
            return;
        }
        boolean headlessNoSelector = Trees.str(spec, "clusterIP").equals("None") && Trees.stringMap(spec, "selector").isEmpty();
        String policy = Trees.str(spec, "ipFamilyPolicy");
        if (policy.isEmpty()) {
            spec.put("ipFamilyPolicy", headlessNoSelector ? "RequireDualStack" : "SingleStack");
        } else if (!List.of("SingleStack", "PreferDualStack", "RequireDualStack").contains(policy)) {
            errs.notSupported("spec.ipFamilyPolicy", policy, List.of("PreferDualStack", "RequireDualStack", "SingleStack"));
        } else if (policy.equals("RequireDualStack") && !headlessNoSelector) {
            errs.invalid("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack services");
        }
        List<String> families = MetaRules.strings(spec.get("ipFamilies"));
        for (int i = 0; i < families.size(); i++) {
            String f = families.get(i);
            if (!f.equals("IPv4") && !f.equals("IPv6")) {
                errs.notSupported("spec.ipFamilies[" + i + "]", f, List.of("IPv4", "IPv6"));
            } else if (!f.equals("IPv4")) {
                errs.invalid("spec.ipFamilies[" + i + "]", f, "not configured on this cluster");
            }
        }
        if (families.isEmpty()) {
            spec.putArray("ipFamilies").add("IPv4");
        }
    }

    private void clusterIP(ResourceTypeName rt, ObjectNode spec, Existing existing) {
        if (!needsClusterIP(spec)) {
            return;
        }
        String requested = Trees.str(spec, "clusterIP");
        if (requested.equals("None")) {
            spec.putArray("clusterIPs").add("None");
            return;
        }
        Set<String> inUse = new HashSet<>();
        for (ObjectNode s : existing.services()) {
            ObjectNode sspec = Trees.obj(s, "spec");
            inUse.addAll(MetaRules.strings(sspec == null ? null : sspec.get("clusterIPs")));
            String ip = Trees.str(sspec, "clusterIP");
            if (!ip.isEmpty()) {
                inUse.add(ip);
            }
        }
        if (requested.isEmpty()) {
            String ip;
            try {
                ip = ips.allocate(inUse);
            } catch (IllegalStateException e) {
                throw new ApiError.InternalError("failed to allocate a serviceIP: range is full");
            }
            spec.put("clusterIP", ip);
            spec.putArray("clusterIPs").add(ip);
            return;
        }
        FieldErrors errs = new FieldErrors();
        List<String> list = MetaRules.strings(spec.get("clusterIPs"));
        if (ServiceIpAllocator.parse(requested) < 0) {
            errs.invalid("spec.clusterIPs[0]", requested, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        } else if (!ips.contains(requested)) {
            errs.invalid("spec.clusterIPs", list, "failed to allocate IP " + requested + ": the provided IP (" + requested
                    + ") is not in the valid range. The range of valid IPs is " + ips.cidr());
        } else if (inUse.contains(requested)) {
            errs.invalid("spec.clusterIPs", list, "failed to allocate IP " + requested + ": provided IP is already allocated");
        }
        errs.throwIfAny(rt.type(), rt.name());
    }

    private void nodePorts(ResourceTypeName rt, ObjectNode spec, Existing existing, Map<String, Long> previous) {
        if (!needsNodePorts(spec)) {
            return;
        }
        Set<String> inUse = new HashSet<>();
        for (ObjectNode s : existing.services()) {
            for (ObjectNode p : Trees.objects(Trees.obj(s, "spec"), "ports")) {
                long np = p.path("nodePort").asLong(0);
                if (np != 0) {
                    inUse.add(Trees.str(p, "protocol") + "/" + np);
                }
            }
            long healthCheck = s.path("spec").path(HEALTH_CHECK_NODE_PORT).asLong(0);
            if (healthCheck != 0) {
                inUse.add("TCP/" + healthCheck); // an HTTP server's port
            }
        }
        FieldErrors errs = new FieldErrors();
        List<ObjectNode> ports = Trees.objects(spec, "ports");
        // explicit ones first, so that a dynamic pick never takes a port asked for later in the list
        for (int i = 0; i < ports.size(); i++) {
            ObjectNode p = ports.get(i);
            long np = p.path("nodePort").asLong(0);
            if (np == 0) {
                continue;
            }
            String key = Trees.str(p, "protocol") + "/" + np;
            if (np < NODE_PORT_MIN || np > NODE_PORT_MAX) {
                errs.invalid("spec.ports[" + i + "].nodePort", np, "provided port is not in the valid range. The range of valid ports is "
                        + NODE_PORT_MIN + "-" + NODE_PORT_MAX);
            } else if (inUse.contains(key)) {
                errs.invalid("spec.ports[" + i + "].nodePort", np, "provided port is already allocated");
            }
        }
        errs.throwIfAny(rt.type(), rt.name());
        Set<Long> taken = new HashSet<>();
        inUse.forEach(k -> taken.add(Long.parseLong(k.substring(k.indexOf('/') + 1))));
        taken.add(spec.path(HEALTH_CHECK_NODE_PORT).asLong(0)); // its own, asked for
        ports.forEach(p -> taken.add(p.path("nodePort").asLong(0)));
        for (ObjectNode p : ports) {
            if (p.path("nodePort").asLong(0) != 0) {
                continue;
            }
            Long kept = previous.get(Trees.str(p, "name"));
            if (kept != null && kept != 0) {
                p.put("nodePort", kept.intValue());
                continue;
            }
            int pick = freeNodePort(taken);
            taken.add((long) pick);
            p.put("nodePort", pick);
        }
    }

    /** {@code ValidateService}: the spec rules after metadata. */
    static void validate(ObjectNode svc, FieldErrors errs) {
        ObjectNode spec = Trees.obj(svc, "spec") == null ? svc.objectNode() : Trees.obj(svc, "spec");
        String type = Trees.str(spec, "type");
        boolean headless = Trees.str(spec, "clusterIP").equals("None");
        List<ObjectNode> ports = Trees.objects(spec, "ports");
        if (ports.isEmpty() && !headless && !type.equals("ExternalName")) {
            errs.required("spec.ports", "");
        }
        if (type.equals("ExternalName")) {
            if (Trees.arraySize(spec, "clusterIPs") > 0 && !Trees.str(spec, "clusterIP").isEmpty()) {
                errs.forbidden("spec.clusterIPs", "may not be set for ExternalName services");
            }
            String cname = Trees.str(spec, "externalName");
            if (cname.endsWith(".")) {
                cname = cname.substring(0, cname.length() - 1);
            }
            if (cname.isEmpty()) {
                errs.required("spec.externalName", "");
            } else {
                errs.invalidAll("spec.externalName", cname, Syntax.dns1123Subdomain(cname));
            }
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            port(ports.get(i), "spec.ports[" + i + "]", ports.size() > 1, names, errs);
        }
        MetaRules.validateLabels(Trees.stringMap(spec, "selector"), "spec.selector", errs);
        String affinity = Trees.str(spec, "sessionAffinity");
        if (affinity.isEmpty()) {
            errs.required("spec.sessionAffinity", "");
        } else if (!affinity.equals("None") && !affinity.equals("ClientIP")) {
            errs.notSupported("spec.sessionAffinity", affinity, List.of("ClientIP", "None"));
        }
        List<String> clusterIPs = MetaRules.strings(spec.get("clusterIPs"));
        String clusterIP = Trees.str(spec, "clusterIP");
        if (!clusterIP.isEmpty() && !clusterIPs.isEmpty() && !clusterIP.equals(clusterIPs.getFirst())) {
            errs.invalid("spec.clusterIPs", clusterIPs, "first value must match `clusterIP`");
        }
        if (type.isEmpty()) {
            errs.required("spec.type", "");
        } else if (!TYPES.contains(type)) {
            errs.notSupported("spec.type", type, TYPES);
        }
        if (type.equals("ClusterIP")) {
            for (int i = 0; i < ports.size(); i++) {
                if (ports.get(i).path("nodePort").asLong(0) != 0) {
                    errs.forbidden("spec.ports[" + i + "].nodePort", "may not be used when `type` is 'ClusterIP'");
                }
            }
        }
        Set<String> nodePorts = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            long np = ports.get(i).path("nodePort").asLong(0);
            if (np != 0 && !nodePorts.add(Trees.str(ports.get(i), "protocol") + "/" + np)) {
                errs.duplicate("spec.ports[" + i + "].nodePort", np);
            }
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            String protocol = Trees.str(ports.get(i), "protocol");
            long port = ports.get(i).path("port").asLong(0);
            if (!seen.add(protocol + "/" + port)) {
                errs.duplicate("spec.ports[" + i + "]", new FieldErrors.Raw("core.ServicePort{Name:\"\", Protocol:"
                        + FieldErrors.goQuote(protocol) + ", AppProtocol:(*string)(nil), Port:" + port
                        + ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"));
            }
        }
        String etp = Trees.str(spec, "externalTrafficPolicy");
        if (type.equals("NodePort") || type.equals("LoadBalancer")) {
            if (etp.isEmpty()) {
                errs.required("spec.externalTrafficPolicy", "");
            } else if (!etp.equals("Cluster") && !etp.equals("Local")) {
                errs.notSupported("spec.externalTrafficPolicy", etp, List.of("Cluster", "Local"));
            }
        } else if (!etp.isEmpty()) {
            errs.invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services");
        }
        long healthCheck = spec.path(HEALTH_CHECK_NODE_PORT).asLong(0);
        if (healthCheck != 0 && !needsHealthCheckNodePort(spec)) {
            errs.invalid("spec." + HEALTH_CHECK_NODE_PORT, healthCheck,
                    "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'");
        }
        String itp = Trees.str(spec, "internalTrafficPolicy");
        if (!type.equals("ExternalName")) {
            if (itp.isEmpty()) {
                errs.required("spec.internalTrafficPolicy", "");
            } else if (!itp.equals("Cluster") && !itp.equals("Local")) {
                errs.notSupported("spec.internalTrafficPolicy", itp, List.of("Cluster", "Local"));
            }
        }
    }

    private static void port(ObjectNode p, String path, boolean requireName, Set<String> names, FieldErrors errs) {
        String name = Trees.str(p, "name");
        if (requireName && name.isEmpty()) {
            errs.required(path + ".name", "");
        } else if (!name.isEmpty()) {
            errs.invalidAll(path + ".name", name, Syntax.dns1123Label(name));
            if (!names.add(name)) {
                errs.duplicate(path + ".name", name);
            }
        }
        long port = p.path("port").asLong(0);
        errs.invalidAll(path + ".port", port, Syntax.portNumber(port));
        protocol(path + ".protocol", Trees.str(p, "protocol"), errs);
        JsonNode target = p.get("targetPort");
        if (target != null && target.isTextual()) {
            errs.invalidAll(path + ".targetPort", target.asText(), Syntax.portName(target.asText()));
        } else if (target != null && target.isNumber()) {
            errs.invalidAll(path + ".targetPort", target.asLong(), Syntax.portNumber(target.asLong()));
        }
    }

    /** A resource type and object name, for error wording. */
    record ResourceTypeName(dev.j8s.apiserver.registry.ResourceType type, String name) {}

    /** A port's protocol, as services, pods and endpoints validate it: required, and one of SCTP, TCP or UDP. */
    static void protocol(String path, String protocol, FieldErrors errs) {
        if (protocol.isEmpty()) {
            errs.required(path, "");
        } else if (!PROTOCOLS.contains(protocol)) {
            errs.notSupported(path, protocol, PROTOCOLS);
        }
    }
}
