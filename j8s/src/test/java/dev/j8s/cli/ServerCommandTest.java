package dev.j8s.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class ServerCommandTest {

    private static final HostEnvironment ROOT =
            new HostEnvironment(true, Map.of(), Path.of("/root"), "Build_Box.Example.COM");
    private static final HostEnvironment USER =
            new HostEnvironment(false, Map.of(), Path.of("/home/ada"), "laptop");

    private static ServerSettings parse(HostEnvironment host, String... args) {
        CommandLine cl = Main.commandLine(host, new PrintStream(new ByteArrayOutputStream()));
        CommandLine.ParseResult result = cl.parseArgs(args);
        return ((ServerCommand) result.subcommand().commandSpec().userObject()).settings();
    }

    @Test
    void defaultsAsRootAreVarLibLoopback6443AndTheHostNameAsNodeName() {
        ServerSettings s = parse(ROOT, "server");

        assertThat(s.dataDir()).isEqualTo(Path.of("/var/lib/j8s"));
        assertThat(s.listen()).isEqualTo(new ListenAddress("127.0.0.1", 6443));
        assertThat(s.nodeName()).isEqualTo("build-box.example.com");
        assertThat(s.serviceCidr()).isEqualTo("10.96.0.0/12");
        assertThat(s.admissionPlugins()).isEmpty();
        assertThat(s.mergeKubeconfig()).isFalse();
        assertThat(s.mergedName()).isEqualTo("j8s");
        assertThat(s.logLevel()).isEqualTo(Level.INFO);
        assertThat(s.stateDb()).isEqualTo(Path.of("/var/lib/j8s/state.db"));
        assertThat(s.pkiDir()).isEqualTo(Path.of("/var/lib/j8s/pki"));
        assertThat(s.kubeconfig()).isEqualTo(Path.of("/var/lib/j8s/kubeconfig"));
    }

    @Test
    void defaultDataDirForAUserIsXdgDataHomeElseLocalShare() {
        assertThat(parse(USER, "server").dataDir()).isEqualTo(Path.of("/home/ada/.local/share/j8s"));
        HostEnvironment xdg = new HostEnvironment(false, Map.of("XDG_DATA_HOME", "/data/ada"), USER.home(), "laptop");
        assertThat(parse(xdg, "server").dataDir()).isEqualTo(Path.of("/data/ada/j8s"));
        HostEnvironment relative = new HostEnvironment(false, Map.of("XDG_DATA_HOME", "rel"), USER.home(), "laptop");
        assertThat(parse(relative, "server").dataDir()).isEqualTo(Path.of("/home/ada/.local/share/j8s"));
    }

    @Test
    void everyFlagIsParsedAndAnotherDataDirGetsItsOwnMergedName() {
        ServerSettings s = parse(ROOT, "server", "--data-dir", "/tmp/j8s-a/", "--listen", "127.0.0.1:0",
                "--node-name", "node-a", "--service-cidr", "10.100.0.0/16",
                "--enable-admission-plugins=AlwaysPullImages,ServiceAccount", "--enable-admission-plugins", "AlwaysPullImages",
                "--merge-kubeconfig", "--log-level", "debug");

        assertThat(s.dataDir()).isEqualTo(Path.of("/tmp/j8s-a"));
        assertThat(s.listen()).isEqualTo(new ListenAddress("127.0.0.1", 0));
        assertThat(s.nodeName()).isEqualTo("node-a");
        assertThat(s.serviceCidr()).isEqualTo("10.100.0.0/16");
        assertThat(s.admissionPlugins()).containsExactly("AlwaysPullImages", "ServiceAccount");
        assertThat(s.mergeKubeconfig()).isTrue();
        assertThat(s.mergedName()).matches("j8s-[0-9a-f]{8}").isNotEqualTo(parse(ROOT, "server", "--data-dir", "/tmp/j8s-b").mergedName());
        assertThat(s.logLevel()).isEqualTo(Level.DEBUG);
    }

    @Test
    void relativeDataDirIsMadeAbsolute() {
        assertThat(parse(ROOT, "server", "--data-dir", "state").dataDir())
                .isEqualTo(Path.of("").toAbsolutePath().resolve("state"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            --listen=6443        | Invalid value for option '--listen': invalid listen address "6443": want HOST:PORT, e.g. 127.0.0.1:6443 or [::1]:6443
            --listen=::1:6443    | Invalid value for option '--listen': invalid listen address "::1:6443": want HOST:PORT, e.g. 127.0.0.1:6443 or [::1]:6443
            --listen=h:70000     | Invalid value for option '--listen': listen port 70000 is out of range 0-65535
            --service-cidr=10.96.0.1/12 | invalid --service-cidr "10.96.0.1/12": the address has bits set beyond the /12 prefix
            --service-cidr=10.96.0.0 | invalid --service-cidr "10.96.0.0": want an IP range such as 10.96.0.0/12
            --enable-admission-plugins=Always-Pull | invalid --enable-admission-plugins "Always-Pull": plugin names are words such as AlwaysPullImages
            """)
    void badFlagValuesAreRejectedNamingTheFlagAndTheValue(String arg, String message) {
        assertThatThrownBy(() -> parse(ROOT, "server", arg))
                .isInstanceOf(ParameterException.class)
                .hasMessage(message);
    }

    @Test
    void invalidNodeNameIsRejectedWithUpstreamsSubdomainMessage() {
        assertThatThrownBy(() -> parse(ROOT, "server", "--node-name", "Node_1"))
                .isInstanceOf(ParameterException.class)
                .hasMessage("invalid node name \"Node_1\": a lowercase RFC 1123 subdomain must consist of lower case"
                        + " alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
                        + " (e.g. 'example.com', regex used for validation is"
                        + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    }

    @Test
    void unknownFlagExitsWithUsageErrorCode2() {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(ROOT, new PrintStream(new ByteArrayOutputStream()));
        cl.setErr(new PrintWriter(err));

        assertThat(cl.execute("server", "--bogus")).isEqualTo(2);
        assertThat(err.toString()).startsWith("Unknown option: '--bogus'");
    }

    @Test
    void servingNamesCoverLoopbackTheListenHostAndTheHostNameButNoWildcard() {
        var names = ServerCommand.servingNames(parse(ROOT, "server", "--listen", "10.1.2.3:6443"), "box");
        assertThat(names.dnsNames()).containsExactlyInAnyOrder("localhost", "box");
        assertThat(names.addresses()).containsExactlyInAnyOrder(InetAddress.ofLiteral("127.0.0.1"),
                InetAddress.ofLiteral("::1"), InetAddress.ofLiteral("10.1.2.3"));

        var wildcard = ServerCommand.servingNames(parse(ROOT, "server", "--listen", "0.0.0.0:6443"), "box");
        assertThat(wildcard.addresses()).doesNotContain(InetAddress.ofLiteral("0.0.0.0"));
    }

    @Test
    void versionPrintsJ8sAndTheKubernetesApiVersion() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.commandLine(ROOT, new PrintStream(out, true, StandardCharsets.UTF_8)).execute("version");

        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .matches("j8s version: \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\nKubernetes API version: v1\\.32\\.0\n");
    }

    @Test
    void kubeconfigPrintsThePathForTheDataDir() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);

        assertThat(Main.commandLine(USER, print).execute("kubeconfig", "--data-dir", "/srv/j8s")).isZero();
        assertThat(Main.commandLine(USER, print).execute("kubeconfig")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("/srv/j8s/kubeconfig\n/home/ada/.local/share/j8s/kubeconfig\n");
    }

    @Test
    void anotherDataDirsServiceRangeLiesFiftyBelowItsPodRangeAndTheDefaultKeepsTheUpstreamOne() {
        Path defaultDir = Path.of("/var/lib/j8s");
        assertThat(ServerCommand.defaultServiceCidr(defaultDir, defaultDir, "10.244.0.0/16")).isEqualTo("10.96.0.0/12");
        assertThat(ServerCommand.defaultServiceCidr(Path.of("/tmp/a"), defaultDir, "10.203.0.0/16"))
                .isEqualTo("10.153.0.0/16");
        assertThat(ServerCommand.defaultServiceCidr(Path.of("/tmp/a"), defaultDir, "10.249.0.0/16"))
                .isEqualTo("10.199.0.0/16");
        assertThat(ServerCommand.defaultServiceCidr(Path.of("/tmp/a"), defaultDir, "192.168.7.0/24"))
                .matches("10\\.1[5-9][0-9]\\.0\\.0/16");
        assertThat(Cidrs.address("10.153.0.0/16", 10)).isEqualTo("10.153.0.10");
        assertThat(Cidrs.address("10.96.0.0/12", 1)).isEqualTo("10.96.0.1");
    }

    @Test
    void aNodeMonitorGracePeriodNoLongerThanTheLeaseRenewalIsWarnedOf() {
        assertThat(ServerCommand.gracePeriodWarning(java.time.Duration.ofSeconds(8))).contains(
                "--node-monitor-grace-period 8s is not longer than the kubelets' lease renewal interval (10s): healthy"
                        + " nodes will turn Unknown between renewals; give it several intervals (default 40s)");
        assertThat(ServerCommand.gracePeriodWarning(java.time.Duration.ofMillis(10_000))).isPresent();
        assertThat(ServerCommand.gracePeriodWarning(java.time.Duration.ofMillis(1500)).orElseThrow())
                .startsWith("--node-monitor-grace-period 1500ms is not longer");
        assertThat(ServerCommand.gracePeriodWarning(java.time.Duration.ofSeconds(20))).isEmpty();
    }
}
