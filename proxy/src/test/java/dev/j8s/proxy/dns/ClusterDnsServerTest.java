package dev.j8s.proxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.apiserver.testing.LocalApi;
import dev.j8s.controllers.informers.InformerFactory;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The cluster DNS server over UDP and TCP on loopback, fed by a real API server's watches, forwarding to a fake
 * upstream resolver on loopback that answers every A question with 192.0.2.99.
 */
class ClusterDnsServerTest {

    @TempDir
    Path dir;

    private LocalApi api;
    private InformerFactory informers;
    private ClusterDnsServer server;
    private DatagramChannel upstream;
    private Thread upstreamThread;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws IOException {
        api = LocalApi.open(dir);
        upstream = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        upstreamThread = Thread.ofVirtual().start(this::fakeUpstream);
        var services = api.client().resource(Kind.SERVICES);
        services.create(new ServiceBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.50").addNewPort().withName("http").withPort(80).endPort()
                .endSpec().build());
        services.create(new ServiceBuilder().withNewMetadata().withName("web-h").withNamespace("default")
                .endMetadata().withNewSpec().withClusterIP("None").addNewPort().withName("http").withPort(8080)
                .endPort().endSpec().build());
        services.create(new ServiceBuilder().withNewMetadata().withName("ext").withNamespace("default").endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName("db.example.org").endSpec().build());
        api.client().resource(Kind.ENDPOINT_SLICES).create(new EndpointSliceBuilder().withNewMetadata()
                .withName("web-h-abcde").withNamespace("default").addToLabels("kubernetes.io/service-name", "web-h")
                .endMetadata().withAddressType("IPv4").addNewPort().withName("http").withPort(8080).withProtocol("TCP")
                .endPort()
                .addNewEndpoint().withAddresses("10.244.0.5").withHostname("web-0").withNewConditions().withReady(true)
                .endConditions().endEndpoint()
                .addNewEndpoint().withAddresses("10.244.0.6").withNewConditions().withReady(true).endConditions()
                .endEndpoint()
                .addNewEndpoint().withAddresses("10.244.0.7").withNewConditions().withReady(false).endConditions()
                .endEndpoint().build());
        informers = new InformerFactory(api.client(), Duration.ofMinutes(10));
        server = new ClusterDnsServer("cluster.local", "10.96.0.10",
                List.of((InetSocketAddress) upstream.getLocalAddress()), informers);
        informers.start();
        assertThat(informers.awaitSynced(Duration.ofSeconds(30))).isTrue();
        address = server.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        informers.close();
        upstream.close();
        upstreamThread.interrupt();
        api.close();
    }

    private void fakeUpstream() {
        try {
            while (true) {
                ByteBuffer in = ByteBuffer.allocate(4096);
                SocketAddress client = upstream.receive(in);
                Message query = new Message(in.flip());
                Message answer = new Message(query.getHeader().getID());
                answer.getHeader().setFlag(Flags.QR);
                answer.getHeader().setFlag(Flags.RA);
                answer.addRecord(query.getQuestion(), Section.QUESTION);
                answer.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, 120,
                        InetAddress.ofLiteral("192.0.2.99")), Section.ANSWER);
                upstream.send(ByteBuffer.wrap(answer.toWire()), client);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private Message query(String name, int type, boolean tcp) throws IOException {
        SimpleResolver resolver = new SimpleResolver(address);
        resolver.setTCP(tcp);
        resolver.setTimeout(Duration.ofSeconds(5));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    private static List<String> answers(Message m) {
        return m.getSection(Section.ANSWER).stream().map(Record::rdataToString).sorted().collect(Collectors.toList());
    }

    @Test
    void aServiceResolvesToItsClusterIpAuthoritativelyWithTheTtlOverUdpAndTcp() throws IOException {
        for (boolean tcp : new boolean[] {false, true}) {
            Message m = query("web.default.svc.cluster.local.", Type.A, tcp);
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
            assertThat(answers(m)).containsExactly("10.96.0.50");
            assertThat(m.getSection(Section.ANSWER).getFirst().getTTL()).isEqualTo(30);
        }
        assertThat(answers(query("WEB.Default.svc.cluster.local.", Type.A, false))).containsExactly("10.96.0.50");
    }

    @Test
    void aMissingNameIsNxdomainAndAMissingTypeIsNodataBothWithTheSoa() throws IOException {
        Message missing = query("nope.default.svc.cluster.local.", Type.A, false);
        assertThat(missing.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(missing.getSection(Section.AUTHORITY)).singleElement()
                .satisfies(r -> assertThat(r.getType()).isEqualTo(Type.SOA));
        Message aaaa = query("web.default.svc.cluster.local.", Type.AAAA, false);
        assertThat(aaaa.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(aaaa.getSection(Section.ANSWER)).isEmpty();
        assertThat(aaaa.getSection(Section.AUTHORITY)).hasSize(1);
        assertThat(query("default.svc.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(query("nons.svc.cluster.local.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void aHeadlessServiceResolvesToItsReadyEndpointsAndTheirHostnames() throws IOException {
        assertThat(answers(query("web-h.default.svc.cluster.local.", Type.A, false)))
                .containsExactly("10.244.0.5", "10.244.0.6");
        assertThat(answers(query("web-0.web-h.default.svc.cluster.local.", Type.A, false))).containsExactly("10.244.0.5");
        assertThat(answers(query("10-244-0-6.web-h.default.svc.cluster.local.", Type.A, false)))
                .containsExactly("10.244.0.6");
        Message srv = query("_http._tcp.web-h.default.svc.cluster.local.", Type.SRV, false);
        assertThat(answers(srv)).containsExactly("0 50 8080 10-244-0-6.web-h.default.svc.cluster.local.",
                "0 50 8080 web-0.web-h.default.svc.cluster.local.");
        assertThat(srv.getSection(Section.ADDITIONAL).stream().filter(r -> r.getType() == Type.A)).hasSize(2);
    }

    @Test
    void srvPtrPodExternalNameAndVersionRecords() throws IOException {
        assertThat(answers(query("_http._tcp.web.default.svc.cluster.local.", Type.SRV, false)))
                .containsExactly("0 100 80 web.default.svc.cluster.local.");
        assertThat(answers(query("50.0.96.10.in-addr.arpa.", Type.PTR, false)))
                .containsExactly("web.default.svc.cluster.local.");
        assertThat(answers(query("10-244-0-9.default.pod.cluster.local.", Type.A, false)))
                .containsExactly("10.244.0.9");
        assertThat(answers(query("ext.default.svc.cluster.local.", Type.A, false))).containsExactly("db.example.org.");
        assertThat(answers(query("dns-version.cluster.local.", Type.TXT, false))).containsExactly("\"1.1.0\"");
    }

    @Test
    void otherNamesAreForwardedUpstreamAndNewServicesAppearWithoutRestart() throws IOException {
        Message forwarded = query("example.org.", Type.A, false);
        assertThat(answers(forwarded)).containsExactly("192.0.2.99");
        assertThat(forwarded.getHeader().getFlag(Flags.AA)).isFalse();

        api.client().resource(Kind.SERVICES).create(new ServiceBuilder().withNewMetadata().withName("late")
                .withNamespace("default").endMetadata().withNewSpec().withClusterIP("10.96.0.51").addNewPort()
                .withPort(80).endPort().endSpec().build());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Message late = query("late.default.svc.cluster.local.", Type.A, false);
        while (late.getRcode() != Rcode.NOERROR && System.nanoTime() < deadline) {
            late = query("late.default.svc.cluster.local.", Type.A, false);
        }
        assertThat(answers(late)).containsExactly("10.96.0.51");
    }
}
