package dev.j8s.proxy.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ProcessRunner;
import dev.j8s.runtime.cni.Nftables;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's in-place updates against the kernel's nftables (needs root): a ClientIP affinity entry survives a change
 * to another service, what is gone is deleted, a new timeout starts a new set, and the table ends up holding the same
 * rules as a table written whole from the same services. Two tables of this test's own, deleted afterwards.
 */
class RulesInPlaceIT {

    private final String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    private final String table = "j8s-it-" + id + "-services";
    private final String whole = "j8s-it-" + id + "-whole";

    @BeforeEach
    void nft() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nft")), "nft is installed");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "nft needs root");
    }

    @AfterEach
    void deleteTables() {
        assertThat(Nftables.deleteTable("ip", table)).isEmpty();
        assertThat(Nftables.deleteTable("ip", whole)).isEmpty();
    }

    private static ServicePort.Endpoint ready(String ip) {
        return new ServicePort.Endpoint(ip, 8080, true, true, false, true);
    }

    private static ServicePort service(String name, String clusterIp, int affinity, String... endpoints) {
        return new ServicePort("default", name, "http", "tcp", clusterIp, 80, 0, List.of(), List.of(), List.of(),
                affinity, false, false, java.util.Arrays.stream(endpoints).map(RulesInPlaceIT::ready).toList());
    }

    private static String nft(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("/usr/sbin/nft"));
        command.addAll(List.of(args));
        ProcessRunner.Result r = ProcessRunner.run(command, Map.of(), new byte[0], Duration.ofSeconds(30));
        assertThat(r.exitStatus()).as(r.stderrText()).isZero();
        return new String(r.stdout(), StandardCharsets.UTF_8);
    }

    @Test
    void anAffinityEntryOutlivesAChangeToAnotherServiceAndTheTableMatchesOneWrittenWhole() {
        Rules rules = new Rules(table, "10.244.0.0/16", "10.96.0.0/12", List.of("192.0.2.2"));
        ServicePort web = service("web", "10.96.130.7", 10800, "10.244.0.5", "10.244.0.6");
        Rules.Script first = rules.script(List.of(web, service("old", "10.96.130.8", 0, "10.244.0.7")), Map.of());
        Nftables.apply("first", first.text());
        String set = Rules.affinitySet("default/web/tcp/http__10.244.0.5/8080", 10800);
        nft("add", "element", "ip", table, set, "{ 198.51.100.50 }");

        List<ServicePort> changed = List.of(web, service("api", "10.96.130.9", 0, "10.244.0.8"));
        Rules.Script second = rules.script(changed, first.objects());
        assertThat(second.text()).doesNotContain("delete table");
        Nftables.apply("second", second.text());

        assertThat(nft("list", "set", "ip", table, set)).as("the client keeps its endpoint").contains("198.51.100.50");
        String now = nft("list", "table", "ip", table);
        assertThat(now).contains("default/api").doesNotContain("default/old").doesNotContain("10.244.0.7");
        assertThat(second.objects()).containsKey(Rules.chain("service", "default/api/tcp/http"))
                .doesNotContainKey(Rules.chain("service", "default/old/tcp/http"));

        Rules wholeRules = new Rules(whole, "10.244.0.0/16", "10.96.0.0/12", List.of("192.0.2.2"));
        Nftables.apply("whole", wholeRules.script(changed));
        assertThat(normalized(now.replace(table, whole))).isEqualTo(normalized(nft("list", "table", "ip", whole)));

        // a new timeout is a new, empty set; the old one goes
        ServicePort shorter = service("web", "10.96.130.7", 600, "10.244.0.5", "10.244.0.6");
        Rules.Script third = rules.script(List.of(shorter), second.objects());
        Nftables.apply("third", third.text());
        String after = nft("list", "table", "ip", table);
        assertThat(after).doesNotContain(set).doesNotContain("default/api").doesNotContain("198.51.100.50")
                .contains(Rules.affinitySet("default/web/tcp/http__10.244.0.5/8080", 600));
    }

    /** A listing without the entries that dynamic sets hold and with the lines in order (nft lists maps unordered). */
    private static List<String> normalized(String listing) {
        return listing.lines().map(String::strip).filter(l -> !l.startsWith("elements = {") && !l.startsWith("198."))
                .sorted().toList();
    }
}
