package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;

/**
 * The cluster DNS seen from a busybox pod, with the server's {@code --resolv-conf} naming a fake upstream resolver
 * on a loopback address (no network here): the pod's resolv.conf, names outside the zone forwarded upstream, PTR
 * of a ClusterIP, ExternalName as a CNAME, a pod's A record and {@code dns-version}.
 */
class ClusterDnsIT {

    /** A loopback address of its own, so that port 53 is free whatever else runs on this machine. */
    static final String UPSTREAM = "127.53." + ThreadLocalRandom.current().nextInt(1, 255) + "."
            + ThreadLocalRandom.current().nextInt(1, 255);
    static final DatagramChannel UPSTREAM_SOCKET = fakeUpstream();

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("dns-node", dataDir -> {
        try {
            Files.writeString(dataDir.resolve("resolv.conf"), "nameserver " + UPSTREAM + "\nsearch corp.example\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.of("--resolv-conf", dataDir.resolve("resolv.conf").toString());
    });

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    /** Answers every question with A 192.0.2.99, as a resolver of the host would for names outside the cluster. */
    static DatagramChannel fakeUpstream() {
        try {
            DatagramChannel channel = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.ofLiteral(UPSTREAM),
                    53));
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        ByteBuffer in = ByteBuffer.allocate(4096);
                        SocketAddress client = channel.receive(in);
                        Message query = new Message(in.flip());
                        Message answer = new Message(query.getHeader().getID());
                        answer.getHeader().setFlag(Flags.QR);
                        answer.getHeader().setFlag(Flags.RD);
                        answer.getHeader().setFlag(Flags.RA);
                        answer.addRecord(query.getQuestion(), Section.QUESTION);
                        if (query.getQuestion().getType() == org.xbill.DNS.Type.A) {
                            answer.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, 120,
                                    InetAddress.ofLiteral("192.0.2.99")), Section.ANSWER);
                        }
                        channel.send(ByteBuffer.wrap(answer.toWire()), client);
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException("bind the fake upstream resolver on " + UPSTREAM + ":53", e);
        }
    }

    @AfterAll
    static void closeUpstream() throws IOException {
        UPSTREAM_SOCKET.close();
    }

    static Kubectl.Result lookup(String args) {
        return SERVERS.kubectl().run("exec", "client", "--", "sh", "-c", "busybox nslookup " + args);
    }

    @Test
    void aPodResolvesClusterNamesAndTheUpstreamsNamesThroughTheClusterDns() {
        Kubectl kubectl = SERVERS.kubectl();
        REGISTRY.runShell("client", "1.0");
        kubectl.run("create", "service", "externalname", "ext", "--external-name=db.example.org").ok();
        kubectl.run("create", "service", "clusterip", "web", "--tcp=80:8080").ok();

        String resolv = kubectl.run("exec", "client", "--", "busybox", "cat", "/etc/resolv.conf").ok().stdout();
        String dnsIp = kubectl.run("get", "svc", "-n", "kube-system", "kube-dns", "-o", "jsonpath={.spec.clusterIP}")
                .ok().stdout();
        assertThat(resolv).isEqualTo("search default.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
                + "nameserver " + dnsIp + "\noptions ndots:5\n");

        String forwarded = Await.until(SERVERS_READY, "a name outside the cluster resolved upstream",
                () -> lookup("www.example.org.").stdout(), out -> out.contains("Address: 192.0.2.99"));
        assertThat(forwarded).contains("Server:\t\t" + dnsIp);

        String webIp = kubectl.run("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").ok().stdout();
        assertThat(lookup(webIp).stdout()).contains("web.default.svc.cluster.local");
        assertThat(lookup("ext.default.svc.cluster.local").stdout()).contains("canonical name = db.example.org");
        String podIp = kubectl.run("get", "pod", "client", "-o", "jsonpath={.status.podIP}").ok().stdout();
        assertThat(lookup(podIp.replace('.', '-') + ".default.pod.cluster.local").stdout())
                .contains("Address: " + podIp);
        assertThat(lookup("-type=TXT dns-version.cluster.local").stdout()).contains("1.1.0");
    }

    static final java.time.Duration SERVERS_READY = java.time.Duration.ofSeconds(60);
}
