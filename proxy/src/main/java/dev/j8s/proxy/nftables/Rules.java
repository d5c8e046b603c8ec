package dev.j8s.proxy.nftables;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the {@code nft -f} script of the whole table from the service ports: a pure function, so the rules are
 * tested as text. The layout is kube-proxy's nftables mode (pkg/proxy/nftables/proxier.go): verdict maps from
 * {@code address . protocol . port} to one chain per service port, {@code numgen random} over one chain per
 * endpoint that DNATs, ClientIP affinity in a dynamic set per endpoint, {@code no-endpoint-*} maps that reject,
 * masquerading by mark {@code 0x4000}. Hook priorities are numbers where nft 1.0.6 refuses the names. Each
 * application is one atomic transaction: the first deletes and re-creates the table whatever was there, the next
 * ones update it in place so that the affinity sets keep their entries. Thread-safe.
 *
 * @param table       the table's name, one per instance
 * @param podCidr     the pod network: traffic from elsewhere to a ClusterIP is masqueraded
 * @param serviceCidr the ClusterIP range: an address in it that no service has is dropped
 * @param nodeIps     the node's addresses NodePorts answer on
 */
public record Rules(String table, String podCidr, String serviceCidr, List<String> nodeIps) {

    static final String MASQUERADE_MARK = "0x4000";
    private static final String AFFINITY_PREFIX = "affinity-";
    /** A chain, map or set declared in the table block: two spaces, its kind, its name. */
    private static final Pattern DECLARATION = Pattern.compile("(?m)^  (chain|map|set) (\\S+) \\{");

    public Rules {
        nodeIps = List.copyOf(nodeIps);
    }

    /** The script that makes the table hold exactly the rules for {@code ports}, whatever the table held before. */
    public String script(List<ServicePort> ports) {
        return script(ports, Map.of()).text();
    }

    /**
     * A script and the chains, maps and sets its table holds ({@code name -> "chain"|"map"|"set"}).
     *
     * @param text    what {@code nft -f} applies, in one transaction
     * @param objects what the table holds once it is applied: the {@code previous} argument of the next update
     */
    public record Script(String text, Map<String, String> objects) {
        public Script {
            objects = Map.copyOf(objects);
        }
    }

    /**
     * The script that makes the table hold exactly the rules for {@code ports}. With {@code previous} empty it
     * deletes and re-creates the table. Given what the table holds ({@code previous}, the objects of the last
     * script applied), it updates the table in place instead, as kube-proxy's nftables mode does: the chains, maps
     * and plain sets that stay are flushed and filled again, what is gone is deleted, and the ClientIP affinity sets
     * keep their entries, so that a change to any service does not make every client lose its endpoint. An
     * affinity set's name carries its timeout, so a new timeout is a new, empty set.
     */
    public Script script(List<ServicePort> ports, Map<String, String> previous) {
        String t = "ip " + table;
        StringBuilder s = new StringBuilder();
        s.append("table ").append(t).append(" {\n");
        s.append("  comment \"service rules of this j8s instance\"\n");
        s.append("  map service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }\n");
        s.append("  map service-nodeports { type inet_proto . inet_service : verdict ; }\n");
        s.append("  map no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; }\n");
        s.append("  map no-endpoint-nodeports { type inet_proto . inet_service : verdict ; }\n");
        s.append("  set cluster-ips { type ipv4_addr ; }\n");
        s.append("  set nodeport-ips { type ipv4_addr ; }\n");
        s.append("  chain services { ip daddr . meta l4proto . th dport vmap @service-ips ;"
                + " ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports ; }\n");
        s.append("  chain masquerading { meta mark & " + MASQUERADE_MARK + " == 0 return ;"
                + " meta mark set meta mark ^ " + MASQUERADE_MARK + " ; masquerade fully-random ; }\n");
        s.append("  chain mark-for-masquerade { meta mark set meta mark | " + MASQUERADE_MARK + " ; }\n");
        s.append("  chain service-endpoints-check { ip daddr . meta l4proto . th dport vmap @no-endpoint-services ; }\n");
        s.append("  chain nodeport-endpoints-check { ip daddr @nodeport-ips meta l4proto . th dport"
                + " vmap @no-endpoint-nodeports ; }\n");
        s.append("  chain reject-chain { reject ; }\n");
        s.append("  chain cluster-ips-check {"
                + " ip daddr @cluster-ips reject comment \"Reject traffic to invalid ports of ClusterIPs\" ;"
                + " ip daddr " + serviceCidr + " drop comment \"Drop traffic to unallocated ClusterIPs\" ; }\n");
        List<String> elements = new ArrayList<>();
        for (String ip : nodeIps) {
            elements.add("add element " + t + " nodeport-ips { " + ip + " }");
        }
        for (ServicePort sp : ports) {
            rules(sp, s, elements, t);
        }
        // the hooks last: every chain they reach exists by then
        s.append("  chain nat-prerouting { type nat hook prerouting priority dstnat ; policy accept ; jump services ; }\n");
        s.append("  chain nat-output { type nat hook output priority -100 ; policy accept ; jump services ; }\n");
        s.append("  chain nat-postrouting { type nat hook postrouting priority srcnat ; policy accept ;"
                + " jump masquerading ; }\n");
        s.append("  chain filter-input { type filter hook input priority -110 ; policy accept ;"
                + " ct state new jump nodeport-endpoints-check ; ct state new jump service-endpoints-check ; }\n");
        s.append("  chain filter-forward { type filter hook forward priority -110 ; policy accept ;"
                + " ct state new jump service-endpoints-check ; ct state new jump cluster-ips-check ; }\n");
        s.append("  chain filter-output { type filter hook output priority -110 ; policy accept ;"
                + " ct state new jump service-endpoints-check ; }\n");
        s.append("  chain filter-output-post-dnat { type filter hook output priority -90 ; policy accept ;"
                + " ct state new jump cluster-ips-check ; }\n");
        s.append("}\n");
        elements.forEach(e -> s.append(e).append('\n'));
        Map<String, String> objects = new LinkedHashMap<>();
        Matcher declared = DECLARATION.matcher(s);
        while (declared.find()) {
            objects.put(declared.group(2), declared.group(1));
        }
        StringBuilder out = new StringBuilder("add table ").append(t).append('\n');
        if (previous.isEmpty()) {
            out.append("delete table ").append(t).append('\n').append(s);
            return new Script(out.toString(), objects);
        }
        // in place: what stays is emptied (the block below refills it), the affinity sets keep their entries, and
        // the chains that go are emptied first so that nothing refers to what is deleted at the end
        objects.forEach((name, kind) -> {
            if (kind.equals(previous.get(name)) && !name.startsWith(AFFINITY_PREFIX)) {
                out.append("flush ").append(kind).append(' ').append(t).append(' ').append(name).append('\n');
            }
        });
        previous.forEach((name, kind) -> {
            if (kind.equals("chain") && !kind.equals(objects.get(name))) {
                out.append("flush chain ").append(t).append(' ').append(name).append('\n');
            }
        });
        out.append(s);
        // what is gone, once nothing refers to it any more: sets and maps, then the (emptied) chains
        previous.forEach((name, kind) -> {
            if (!kind.equals(objects.get(name)) && !kind.equals("chain")) {
                out.append("delete ").append(kind).append(' ').append(t).append(' ').append(name).append('\n');
            }
        });
        previous.forEach((name, kind) -> {
            if (!kind.equals(objects.get(name)) && kind.equals("chain")) {
                out.append("delete chain ").append(t).append(' ').append(name).append('\n');
            }
        });
        return new Script(out.toString(), objects);
    }


    private void rules(ServicePort sp, StringBuilder s, List<String> elements, String t) {
        String key = sp.protocol() + " . " + sp.port();
        elements.add("add element " + t + " cluster-ips { " + sp.clusterIp() + " }");
        List<ServicePort.Endpoint> usable = sp.usable();
        if (usable.isEmpty()) {
            // upstream: no endpoints means "connection refused" for every address the service answers on
            elements.add("add element " + t + " no-endpoint-services { " + sp.clusterIp() + " . " + key
                    + " : goto reject-chain }");
            for (String ip : externalAddresses(sp)) {
                elements.add("add element " + t + " no-endpoint-services { " + ip + " . " + key
                        + " : goto reject-chain }");
            }
            if (sp.nodePort() > 0) {
                elements.add("add element " + t + " no-endpoint-nodeports { " + sp.protocol() + " . " + sp.nodePort()
                        + " : goto reject-chain }");
            }
            return;
        }
        String service = chain("service", sp.id());
        String local = chain("local", sp.id());
        String external = chain("external", sp.id());
        boolean externalTraffic = sp.nodePort() > 0 || !externalAddresses(sp).isEmpty();
        boolean localPolicy = sp.internalLocal() || (sp.externalLocal() && externalTraffic);
        List<ServicePort.Endpoint> usableLocal = localPolicy ? sp.usableLocal() : List.of();
        // one chain per endpoint either policy's chain reaches (under a Local policy, this node's serving but
        // terminating endpoints may be used while other nodes have ready ones)
        java.util.Map<ServicePort.Endpoint, String> endpointChains = new java.util.LinkedHashMap<>();
        java.util.Map<ServicePort.Endpoint, String> affinitySets = new java.util.HashMap<>();
        List<ServicePort.Endpoint> reached = new ArrayList<>(usable);
        usableLocal.stream().filter(e -> !usable.contains(e)).forEach(reached::add);
        for (ServicePort.Endpoint e : reached) {
            String suffix = sp.id() + "__" + e.ip() + "/" + e.port();
            String endpoint = chain("endpoint", suffix);
            endpointChains.put(e, endpoint);
            StringBuilder rules = new StringBuilder();
            // hairpin: a pod reaching itself through its service is masqueraded, so the reply comes back through
            // the node
            rules.append("ip saddr ").append(e.ip()).append(" jump mark-for-masquerade ; ");
            if (sp.affinitySeconds() > 0) {
                // its timeout in the name: a new timeout is a new set (nft cannot change a set's timeout in place)
                String set = affinitySet(suffix, sp.affinitySeconds());
                affinitySets.put(e, set);
                s.append("  set ").append(set).append(" { type ipv4_addr ; flags dynamic,timeout ; timeout ")
                        .append(sp.affinitySeconds()).append("s ; }\n");
                rules.append("update @").append(set).append(" { ip saddr } ; ");
            }
            rules.append("meta l4proto ").append(sp.protocol()).append(" dnat to ").append(e.ip()).append(':')
                    .append(e.port()).append(" ;");
            s.append("  chain ").append(endpoint).append(" { ").append(rules).append(" }\n");
        }
        // the cluster policy's chain: every usable endpoint
        s.append("  chain ").append(service).append(" { ")
                .append(dispatch(sp, usable, endpointChains, affinitySets)).append(" }\n");
        if (localPolicy) {
            // the Local policy's chain: this node's endpoints only; without one, traffic under that policy is
            // dropped (upstream: "has no local endpoints"), not rejected as for a service without endpoints
            s.append("  chain ").append(local).append(" { ").append(usableLocal.isEmpty()
                    ? "drop comment \"has no local endpoints\" ;"
                    : dispatch(sp, usableLocal, endpointChains, affinitySets)).append(" }\n");
        }
        elements.add("add element " + t + " service-ips { " + sp.clusterIp() + " . " + key + " : goto "
                + (sp.internalLocal() ? local : service) + " }");
        if (externalTraffic) {
            // external traffic: masqueraded and spread over every endpoint under Cluster; under Local it keeps the
            // client's address and goes to this node's endpoints, except traffic from this node's pods and from the
            // node itself, which goes where the ClusterIP's would (the node's own masqueraded, so replies come back)
            String ext = sp.externalLocal()
                    ? "ip saddr " + podCidr + " goto " + service + " ; fib saddr type local jump mark-for-masquerade ; "
                            + "fib saddr type local goto " + service + " ; goto " + local + " ;"
                    : "jump mark-for-masquerade ; goto " + service + " ;";
            s.append("  chain ").append(external).append(" { ").append(ext).append(" }\n");
            for (String ip : sp.externalIps()) {
                elements.add("add element " + t + " service-ips { " + ip + " . " + key + " : goto " + external + " }");
            }
            String lbTarget = external;
            if (!sp.sourceRanges().isEmpty() && !sp.loadBalancerIps().isEmpty()) {
                // loadBalancerSourceRanges: other sources are dropped before they reach the service
                lbTarget = chain("firewall", sp.id());
                s.append("  chain ").append(lbTarget).append(" { ip saddr != { ")
                        .append(String.join(", ", sp.sourceRanges())).append(" } drop ; goto ").append(external)
                        .append(" ; }\n");
            }
            for (String ip : sp.loadBalancerIps()) {
                elements.add("add element " + t + " service-ips { " + ip + " . " + key + " : goto " + lbTarget + " }");
            }
            if (sp.nodePort() > 0) {
                elements.add("add element " + t + " service-nodeports { " + sp.protocol() + " . " + sp.nodePort()
                        + " : goto " + external + " }");
            }
        }
    }

    /**
     * The rules of a policy's chain: ClusterIP traffic from outside the pod network is masqueraded (a rule that only
     * ClusterIP traffic matches), a source with ClientIP affinity goes back to its endpoint, the rest is spread
     * at random over {@code endpoints}.
     */
    private String dispatch(ServicePort sp, List<ServicePort.Endpoint> endpoints,
                            java.util.Map<ServicePort.Endpoint, String> endpointChains,
                            java.util.Map<ServicePort.Endpoint, String> affinitySets) {
        StringBuilder rules = new StringBuilder();
        rules.append("ip daddr ").append(sp.clusterIp()).append(' ').append(sp.protocol()).append(" dport ")
                .append(sp.port()).append(" ip saddr != ").append(podCidr).append(" jump mark-for-masquerade ; ");
        for (ServicePort.Endpoint e : endpoints) {
            String set = affinitySets.get(e);
            if (set != null) {
                rules.append("ip saddr @").append(set).append(" goto ").append(endpointChains.get(e)).append(" ; ");
            }
        }
        rules.append("numgen random mod ").append(endpoints.size()).append(" vmap { ");
        for (int i = 0; i < endpoints.size(); i++) {
            rules.append(i == 0 ? "" : ", ").append(i).append(" : goto ").append(endpointChains.get(endpoints.get(i)));
        }
        rules.append(" } ;");
        return rules.toString();
    }

    private static List<String> externalAddresses(ServicePort sp) {
        List<String> all = new ArrayList<>(sp.externalIps());
        all.addAll(sp.loadBalancerIps());
        return all;
    }

    /** The ClientIP affinity set of one endpoint: {@code affinity-<H>-<suffix>}, H hashing the suffix and the timeout. */
    static String affinitySet(String suffix, int timeoutSeconds) {
        return AFFINITY_PREFIX + hash(suffix + " " + timeoutSeconds + "s") + "-" + suffix;
    }

    /** {@code <prefix>-<H>-<suffix>}, H the first 8 characters of base32(SHA-256(suffix)), as kube-proxy names chains. */
    static String chain(String prefix, String suffix) {
        return prefix + "-" + hash(suffix) + "-" + suffix;
    }

    static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return base32(digest).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private static String base32(byte[] bytes) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }
}
