package dev.j8s.proxy.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The authoritative answers for the cluster domain from a {@link DnsIndex}, per the kubernetes/dns specification as
 * CoreDNS's kubernetes plugin gives them: A for services (the ClusterIP, or the ready endpoints of a headless one),
 * endpoint hostnames, SRV for named ports, pod A records, PTR, ExternalName as CNAME, {@code dns-version} TXT, SOA
 * and NS; NXDOMAIN for a name that does not exist and NODATA for one without that type, both with the SOA. A
 * question it has no answer for ({@link #answer} empty) goes upstream. Stateless and thread-safe.
 */
final class ZoneAnswers {

    static final String SCHEMA_VERSION = "1.1.0";

    private final Name zone;
    private final String zoneText;
    private final long ttl;
    private final String dnsServiceIp;

    /**
     * @param zone         the cluster domain ({@code cluster.local})
     * @param ttl          the TTL of every answer (30, as kubeadm's Corefile)
     * @param dnsServiceIp the kube-dns ClusterIP, the zone's name server address
     */
    ZoneAnswers(String zone, long ttl, String dnsServiceIp) {
        try {
            this.zone = Name.fromString(zone.endsWith(".") ? zone : zone + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("invalid cluster domain " + zone, e);
        }
        this.zoneText = this.zone.toString().toLowerCase(Locale.ROOT);
        this.ttl = ttl;
        this.dnsServiceIp = dnsServiceIp;
    }

    /** The response to {@code query}, or empty when the question is not this server's to answer. */
    Optional<Message> answer(Message query, DnsIndex index) {
        Record question = query.getQuestion();
        if (question == null) {
            return Optional.empty();
        }
        Name qname = question.getName();
        int type = question.getType();
        if (type == Type.PTR && qname.toString().toLowerCase(Locale.ROOT).endsWith(".in-addr.arpa.")) {
            String ip = reverseIp(qname);
            String target = ip == null ? null : index.reverse().get(ip);
            if (target == null) {
                return Optional.empty();
            }
            Message m = response(query);
            m.addRecord(new PTRRecord(qname, DClass.IN, ttl, name(target)), Section.ANSWER);
            return Optional.of(m);
        }
        if (!qname.subdomain(zone)) {
            return Optional.empty();
        }
        String rel = relative(qname);
        List<String> labels = rel.isEmpty() ? List.of() : List.of(rel.split("\\."));
        Message m = response(query);
        Lookup result = lookup(labels, qname, type, index, m);
        if (result == Lookup.NXDOMAIN) {
            m.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        if (m.getSection(Section.ANSWER).isEmpty()) {
            m.addRecord(soa(index), Section.AUTHORITY);
        }
        return Optional.of(m);
    }

    private enum Lookup { FOUND, NXDOMAIN }

    private Lookup lookup(List<String> labels, Name qname, int type, DnsIndex index, Message m) {
        int n = labels.size();
        if (n == 0) {
            if (type == Type.SOA) {
                m.addRecord(soa(index), Section.ANSWER);
            } else if (type == Type.NS) {
                Name ns = name("ns.dns." + zoneText);
                m.addRecord(new NSRecord(qname, DClass.IN, ttl, ns), Section.ANSWER);
                m.addRecord(a(ns, dnsServiceIp), Section.ADDITIONAL);
            }
            return Lookup.FOUND;
        }
        if (n == 1 && labels.get(0).equals("dns-version")) {
            if (type == Type.TXT || type == Type.ANY) {
                m.addRecord(new TXTRecord(qname, DClass.IN, ttl, SCHEMA_VERSION), Section.ANSWER);
            }
            return Lookup.FOUND;
        }
        if (n == 2 && labels.equals(List.of("ns", "dns"))) {
            if (type == Type.A) {
                m.addRecord(a(qname, dnsServiceIp), Section.ANSWER);
            }
            return Lookup.FOUND;
        }
        String last = labels.get(n - 1);
        if (last.equals("pod")) {
            if (n == 1) {
                return Lookup.FOUND;
            }
            if (!index.namespaces().contains(labels.get(n - 2))) {
                return Lookup.NXDOMAIN;
            }
            if (n == 2) {
                return Lookup.FOUND;
            }
            if (n != 3 || !labels.get(0).matches("\\d{1,3}(-\\d{1,3}){3}")) {
                return Lookup.NXDOMAIN;
            }
            if (type == Type.A) {
                m.addRecord(a(qname, labels.get(0).replace('-', '.')), Section.ANSWER);
            }
            return Lookup.FOUND;
        }
        if (!last.equals("svc")) {
            return Lookup.NXDOMAIN;
        }
        if (n == 1) {
            return Lookup.FOUND;
        }
        String namespace = labels.get(n - 2);
        if (n == 2) {
            return index.namespaces().contains(namespace) ? Lookup.FOUND : Lookup.NXDOMAIN;
        }
        DnsIndex.Svc svc = index.services().get(labels.get(n - 3) + "." + namespace);
        if (svc == null) {
            return Lookup.NXDOMAIN;
        }
        Name svcName = name(svc.name() + "." + svc.namespace() + ".svc." + zoneText);
        if (n == 3) {
            return serviceRecords(svc, qname, type, m);
        }
        if (n == 4) {
            // <host>.<svc>.<ns>.svc: the endpoints with that hostname (or dashed address)
            List<DnsIndex.Ep> eps = svc.readyEndpoints().stream().filter(e -> e.host().equals(labels.get(0))).toList();
            if (eps.isEmpty()) {
                return Lookup.NXDOMAIN;
            }
            if (type == Type.A) {
                eps.forEach(e -> m.addRecord(a(qname, e.ip()), Section.ANSWER));
            }
            return Lookup.FOUND;
        }
        if (n == 5 && labels.get(0).startsWith("_") && labels.get(1).startsWith("_")) {
            String portName = labels.get(0).substring(1);
            String protocol = labels.get(1).substring(1);
            List<Record> srv = new ArrayList<>();
            List<Record> extra = new ArrayList<>();
            if (!svc.headless() && svc.externalName().isEmpty()) {
                for (DnsIndex.Port p : svc.ports()) {
                    if (!p.name().isEmpty() && p.name().equals(portName) && p.protocol().equals(protocol)) {
                        srv.add(new SRVRecord(qname, DClass.IN, ttl, 0, 100, p.port(), svcName));
                        extra.add(a(svcName, svc.clusterIp()));
                    }
                }
            } else if (svc.headless()) {
                List<DnsIndex.Ep> ready = svc.readyEndpoints();
                for (DnsIndex.Ep e : ready) {
                    for (DnsIndex.Port p : e.ports()) {
                        if (!p.name().isEmpty() && p.name().equals(portName) && p.protocol().equals(protocol)) {
                            Name target = name(e.host() + "." + svcName);
                            srv.add(new SRVRecord(qname, DClass.IN, ttl, 0, 0, p.port(), target));
                            extra.add(a(target, e.ip()));
                        }
                    }
                }
                int weight = srv.isEmpty() ? 0 : 100 / srv.size();
                srv = srv.stream().map(r -> (Record) new SRVRecord(qname, DClass.IN, ttl, 0, weight,
                        ((SRVRecord) r).getPort(), ((SRVRecord) r).getTarget())).toList();
            }
            if (srv.isEmpty()) {
                return Lookup.NXDOMAIN;
            }
            if (type == Type.SRV) {
                srv.forEach(r -> m.addRecord(r, Section.ANSWER));
                extra.forEach(r -> m.addRecord(r, Section.ADDITIONAL));
            }
            return Lookup.FOUND;
        }
        return Lookup.NXDOMAIN;
    }

    private Lookup serviceRecords(DnsIndex.Svc svc, Name qname, int type, Message m) {
        if (!svc.externalName().isEmpty()) {
            m.addRecord(new CNAMERecord(qname, DClass.IN, ttl, name(svc.externalName())), Section.ANSWER);
            return Lookup.FOUND;
        }
        if (svc.headless()) {
            List<DnsIndex.Ep> ready = new ArrayList<>(svc.readyEndpoints());
            if (ready.isEmpty()) {
                return Lookup.NXDOMAIN;
            }
            Collections.shuffle(ready);
            if (type == Type.A || type == Type.ANY) {
                ready.forEach(e -> m.addRecord(a(qname, e.ip()), Section.ANSWER));
            }
            return Lookup.FOUND;
        }
        if (type == Type.A || type == Type.ANY) {
            m.addRecord(a(qname, svc.clusterIp()), Section.ANSWER);
        }
        return Lookup.FOUND;
    }

    private Message response(Message query) {
        Message m = new Message(query.getHeader().getID());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.AA);
        m.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            m.getHeader().setFlag(Flags.RD);
        }
        m.getHeader().setOpcode(query.getHeader().getOpcode());
        m.addRecord(query.getQuestion(), Section.QUESTION);
        return m;
    }

    SOARecord soa(DnsIndex index) {
        return new SOARecord(zone, DClass.IN, Math.min(ttl, 300), name("ns.dns." + zoneText),
                name("hostmaster." + zoneText), index.serial(), 7200, 1800, 86400, ttl);
    }

    private String relative(Name qname) {
        String q = qname.toString().toLowerCase(Locale.ROOT);
        String rel = q.substring(0, q.length() - zoneText.length());
        return rel.endsWith(".") ? rel.substring(0, rel.length() - 1) : rel;
    }

    private ARecord a(Name name, String ip) {
        try {
            return new ARecord(name, DClass.IN, ttl, InetAddress.ofLiteral(ip));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("not an address: " + ip, e);
        }
    }

    private static Name name(String text) {
        try {
            return Name.fromString(text.endsWith(".") ? text : text + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("invalid name " + text, e);
        }
    }

    /** {@code d.c.b.a.in-addr.arpa.} → {@code a.b.c.d}, or null. */
    static String reverseIp(Name name) {
        String[] parts = name.toString().toLowerCase(Locale.ROOT).split("\\.");
        if (parts.length != 6) {
            return null;
        }
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("\\d{1,3}")) {
                return null;
            }
        }
        return parts[3] + "." + parts[2] + "." + parts[1] + "." + parts[0];
    }
}
