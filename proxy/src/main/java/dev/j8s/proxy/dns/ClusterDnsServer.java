package dev.j8s.proxy.dns;

import dev.j8s.api.client.Kind;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;

/**
 * The embedded cluster DNS server: UDP and TCP on one address (the pod network's gateway, behind the
 * {@code kube-dns} service), answering the cluster domain from a {@link DnsIndex} that watches keep current (the
 * index is rebuilt on the first query after a change) and forwarding every other question to the node's resolvers.
 * UDP answers larger than the client's EDNS size (512 without EDNS) are truncated with TC set. Thread-safe.
 */
public final class ClusterDnsServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ClusterDnsServer.class.getName());
    /** kubeadm's Corefile TTL. */
    public static final long TTL = 30;

    private final ZoneAnswers zone;
    private final String zoneName;
    private final SharedInformer<Namespace> namespaces;
    private final SharedInformer<Service> services;
    private final SharedInformer<EndpointSlice> slices;
    private final Optional<Resolver> upstream;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("j8s-dns-", 0).factory());
    private final Object indexLock = new Object();
    private volatile DnsIndex index;
    private volatile boolean stale = true;
    private volatile long serial = Instant.now().getEpochSecond();
    private DatagramChannel udp;
    private ServerSocketChannel tcp;
    private volatile boolean closed;

    /**
     * @param zoneName     the cluster domain
     * @param dnsServiceIp the kube-dns ClusterIP
     * @param upstreams    the resolvers out-of-zone questions go to (addresses and ports); none answers SERVFAIL
     */
    public ClusterDnsServer(String zoneName, String dnsServiceIp, List<InetSocketAddress> upstreams,
                            InformerFactory informers) {
        this.zone = new ZoneAnswers(zoneName, TTL, dnsServiceIp);
        this.zoneName = zoneName;
        this.namespaces = informers.informer(Kind.NAMESPACES);
        this.services = informers.informer(Kind.SERVICES);
        this.slices = informers.informer(Kind.ENDPOINT_SLICES);
        this.upstream = upstream(upstreams);
        namespaces.addEventHandler(ResourceEventHandler.of(o -> changed(), o -> changed()));
        services.addEventHandler(ResourceEventHandler.of(o -> changed(), o -> changed()));
        slices.addEventHandler(ResourceEventHandler.of(o -> changed(), o -> changed()));
    }

    private static Optional<Resolver> upstream(List<InetSocketAddress> upstreams) {
        if (upstreams.isEmpty()) {
            return Optional.empty();
        }
        List<Resolver> resolvers = new ArrayList<>();
        for (InetSocketAddress a : upstreams) {
            SimpleResolver r = new SimpleResolver(a);
            r.setTimeout(Duration.ofSeconds(2));
            resolvers.add(r);
        }
        ExtendedResolver all = new ExtendedResolver(resolvers);
        all.setRetries(1);
        all.setTimeout(Duration.ofSeconds(4));
        return Optional.of(all);
    }

    /**
     * The nameservers of a resolv.conf ({@code nameserver} lines, port 53), without {@code excluded} addresses
     * (the cluster DNS itself: forwarding there would loop).
     */
    public static List<InetSocketAddress> resolvers(Path resolvConf, List<String> excluded) {
        List<InetSocketAddress> out = new ArrayList<>();
        try {
            if (!Files.isRegularFile(resolvConf)) {
                return out;
            }
            for (String line : Files.readAllLines(resolvConf)) {
                String[] f = line.strip().split("\\s+");
                if (f.length >= 2 && f[0].equals("nameserver") && !excluded.contains(f[1])) {
                    try {
                        out.add(new InetSocketAddress(java.net.InetAddress.ofLiteral(f[1]), 53));
                    } catch (IllegalArgumentException e) {
                        // not an address: skipped as the resolver skips it
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read " + resolvConf, e);
        }
        return out;
    }

    private void changed() {
        serial = Math.max(serial + 1, Instant.now().getEpochSecond());
        stale = true;
    }

    /** The current index, rebuilt from the caches if anything changed since it was built. */
    DnsIndex index() {
        if (stale || index == null) {
            synchronized (indexLock) {
                if (stale || index == null) {
                    stale = false;
                    index = DnsIndex.build(namespaces.list(), services.list(), slices.list(), zoneName, serial);
                }
            }
        }
        return index;
    }

    /**
     * Binds UDP and TCP on {@code address} (port 0: any free port, the same for both: the UDP port the kernel picks
     * may be taken for TCP, and then another is tried) and starts serving.
     */
    public synchronized InetSocketAddress start(InetSocketAddress address) {
        try {
            InetSocketAddress bound = null;
            for (int attempt = 1; bound == null; attempt++) {
                udp = DatagramChannel.open(StandardProtocolFamily.INET);
                udp.bind(address);
                InetSocketAddress picked = (InetSocketAddress) udp.getLocalAddress();
                tcp = ServerSocketChannel.open(StandardProtocolFamily.INET);
                try {
                    tcp.bind(picked, 128);
                    bound = picked;
                } catch (java.net.BindException e) {
                    if (address.getPort() != 0 || attempt == 10) {
                        throw e;
                    }
                    tcp.close();
                    udp.close();
                }
            }
            threads.submit(this::serveUdp);
            threads.submit(this::serveTcp);
            LOG.log(Level.INFO, "cluster DNS serving address={0} zone={1}", bound, zoneName);
            return bound;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("serve cluster DNS on " + address, e);
        }
    }

    private void serveUdp() {
        while (!closed) {
            ByteBuffer in = ByteBuffer.allocate(65535);
            SocketAddress client;
            try {
                client = udp.receive(in);
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "cluster DNS UDP receive failed: " + e.getMessage());
                }
                return;
            }
            in.flip();
            byte[] bytes = new byte[in.remaining()];
            in.get(bytes);
            threads.submit(() -> {
                byte[] out = respond(bytes, true);
                if (out != null) {
                    try {
                        udp.send(ByteBuffer.wrap(out), client);
                    } catch (IOException e) {
                        LOG.log(Level.DEBUG, "cluster DNS UDP send failed client=" + client + ": " + e.getMessage());
                    }
                }
            });
        }
    }

    private void serveTcp() {
        while (!closed) {
            SocketChannel c;
            try {
                c = tcp.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "cluster DNS TCP accept failed: " + e.getMessage());
                }
                return;
            }
            threads.submit(() -> serveConnection(c));
        }
    }

    private void serveConnection(SocketChannel c) {
        try (c) {
            while (!closed) {
                ByteBuffer length = ByteBuffer.allocate(2);
                if (!readFully(c, length)) {
                    return;
                }
                ByteBuffer message = ByteBuffer.allocate(length.flip().getShort() & 0xffff);
                if (!readFully(c, message)) {
                    return;
                }
                byte[] out = respond(message.array(), false);
                if (out == null) {
                    return;
                }
                ByteBuffer reply = ByteBuffer.allocate(2 + out.length).putShort((short) out.length).put(out).flip();
                while (reply.hasRemaining()) {
                    c.write(reply);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "cluster DNS TCP connection ended: " + e.getMessage());
        }
    }

    private static boolean readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The wire answer to a wire query; null for bytes that are no DNS query at all. */
    byte[] respond(byte[] wire, boolean overUdp) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException e) {
            return null;
        }
        Message response = zone.answer(query, index()).orElseGet(() -> forward(query));
        OPTRecord opt = query.getOPT();
        int max = overUdp ? (opt == null ? 512 : Math.max(512, opt.getPayloadSize())) : 65535;
        if (opt != null && response.getOPT() == null) {
            response.addRecord(new OPTRecord(Math.max(512, Math.min(opt.getPayloadSize(), 1232)), 0, 0),
                    Section.ADDITIONAL);
        }
        return response.toWire(max);
    }

    private Message forward(Message query) {
        if (upstream.isPresent()) {
            try {
                Message answer = upstream.get().send(query);
                answer.getHeader().setID(query.getHeader().getID());
                return answer;
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "cluster DNS forward failed: " + e.getMessage());
            }
        }
        Message failed = new Message(query.getHeader().getID());
        failed.getHeader().setFlag(Flags.QR);
        failed.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            failed.getHeader().setFlag(Flags.RD);
        }
        failed.getHeader().setRcode(Rcode.SERVFAIL);
        if (query.getQuestion() != null) {
            failed.addRecord(query.getQuestion(), Section.QUESTION);
        }
        return failed;
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            if (udp != null) {
                udp.close();
            }
            if (tcp != null) {
                tcp.close();
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing cluster DNS: " + e.getMessage());
        }
        threads.shutdownNow();
    }
}
