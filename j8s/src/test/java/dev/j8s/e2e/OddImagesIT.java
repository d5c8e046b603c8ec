package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.oci.testing.OddLayers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Images other runtimes accept pull and run: the odd-but-legal layers of {@link OddLayers} (GNU tar's formats over a
 * busybox base), pulled from a local registry by the kubelet, and what a busybox container sees of each entry
 * ({@code ls -l}, {@code stat}, {@code readlink}, {@code cat}) is what containerd's overlay snapshotter shows: symlink
 * targets verbatim and resolved inside the container's root, hardlinks sharing an inode, modes, owners, holes, and
 * whiteouts, opaque directories and type swaps applied across layers. A layer that writes through a symlink is
 * refused, with the pull error's prefix once.
 */
class OddImagesIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("odd-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS);

    private static OddLayers odd;
    private static String corpus;
    private static String hostile;

    @BeforeAll
    static void pushImages() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(OddLayers.available(), "GNU tar and busybox are needed");
        odd = OddLayers.build(Files.createDirectories(SERVERS.home().resolve("odd")));
        corpus = REGISTRY.pushLayout(odd.layout, OddLayers.ODD, "odd/corpus:1");
        hostile = REGISTRY.pushLayout(odd.layout, OddLayers.HOSTILE, "odd/hostile:1");
    }

    /** One line {@code key=value} per fact the container sees; values are single lines. */
    private static final String PROBE = """
            p() { printf '%s=%s\\n' "$1" "$(echo "$2" | tr '\\n' ' ' | sed 's/ *$//')"; }
            yn() { if "$@"; then echo yes; else echo no; fi; }
            p climbing.ls "$(ls -l /lib/libatk-wrapper.so | sed 's/.* \\/lib/\\/lib/')"
            p climbing.mode "$(ls -l /lib/libatk-wrapper.so | cut -c1-10)"
            p climbing.readlink "$(readlink /lib/libatk-wrapper.so)"
            p climbing.cat "$(cat /lib/libatk-wrapper.so)"
            p climbing.real "$(readlink -f /lib/libatk-wrapper.so)"
            p absolute.readlink "$(readlink /etc/motd-link)"
            p absolute.cat "$(cat /etc/motd-link)"
            p dangling.stat "$(stat -c '%F %N' /dangling)"
            p dangling.exists "$(yn test -e /dangling)"
            p hard.same "$(yn test "$(stat -c %i /data/hard-a)" = "$(stat -c %i /data/hard-b)")"
            p hard.stat "$(stat -c '%h %s' /data/hard-b)"
            p hard.cat "$(cat /data/hard-b)"
            p gnu.long "$(ls /long) $(cat /long/*)"
            p pax.long "$(cd /pax/*/* && pwd | wc -c) $(cat /pax/*/*/file)"
            p suid "$(stat -c '%A %u %g' /bin/suid)"
            p sgid "$(stat -c '%A %u %g' /bin/sgid)"
            p fifo "$(stat -c '%F %a %u' /run/pipe)"
            p owner.dir "$(stat -c '%A %u %g' /home/user)"
            p owner.file "$(stat -c '%A %u %g' /home/user/file)"
            p owner.ls "$(ls -ln /home/user | tail -1 | tr -s ' ' | cut -d' ' -f1,3,4)"
            for f in /var/sparse.img /var/pax-sparse.img; do
              set -- $(md5sum $f); p "sparse$f" "$(stat -c %s $f) $1 $(stat -c %b $f)"
            done
            p whiteout.file "$(yn test -e /etc/motd-to-delete) $(ls -a /etc | grep -c -e motd-to-delete -e '^\\.wh\\.') $(ls /etc | grep -c motd)"
            p whiteout.dir "$(yn test -e /gone-dir) $(ls -a / | grep -c gone)"
            p opaque "$(ls -A /opaque)"
            p swap.dir "$(stat -c %F /swap-dir) $(cat /swap-dir)"
            p swap.file "$(stat -c %F /swap-file) $(ls /swap-file) $(cat /swap-file/inside)"
            """;

    @Test
    void aContainerSeesEveryOddButLegalEntryAsContainerdShowsIt() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("run", "odd", "--image=" + corpus, "--restart=Never", "--", "sleep", "3600").ok();
        Await.until(LocalRegistry.timeout(), "pod odd is Running",
                () -> kubectl.run("get", "pod", "odd").ok().cells(), cells -> cells.get(1).get(2).equals("Running"));

        Map<String, String> seen = facts(kubectl.run("exec", "odd", "--", "sh", "-c", PROBE).ok().stdout());

        assertThat(seen.get("climbing.ls")).isEqualTo("/lib/libatk-wrapper.so -> " + OddLayers.CLIMBING_TARGET);
        assertThat(seen.get("climbing.mode")).isEqualTo("lrwxrwxrwx");
        assertThat(seen.get("climbing.readlink")).isEqualTo(OddLayers.CLIMBING_TARGET);
        assertThat(seen.get("climbing.cat")).as("resolved inside the container's root").isEqualTo("atk-wrapper");
        assertThat(seen.get("climbing.real")).isEqualTo("/x86_64-linux-gnu/jni/libatk-wrapper.so");
        assertThat(seen.get("absolute.readlink")).isEqualTo("/etc/motd");
        assertThat(seen.get("absolute.cat")).isEqualTo("motd");
        assertThat(seen.get("dangling.stat")).isEqualTo("symbolic link '/dangling' -> '/does/not/exist'");
        assertThat(seen.get("dangling.exists")).isEqualTo("no");
        assertThat(seen.get("hard.same")).isEqualTo("yes");
        assertThat(seen.get("hard.stat")).isEqualTo("2 21");
        assertThat(seen.get("hard.cat")).isEqualTo("one inode, two names");
        assertThat(seen.get("gnu.long")).isEqualTo("g".repeat(220) + " gnu long name");
        assertThat(seen.get("pax.long")).as("length of the 486-byte directory path with its newline, content")
                .isEqualTo("487 pax long name");
        assertThat(seen.get("suid")).isEqualTo("-rwsr-xr-x 0 0");
        assertThat(seen.get("sgid")).isEqualTo("-rwxr-sr-x 0 42");
        assertThat(seen.get("fifo")).isEqualTo("fifo 640 0");
        assertThat(seen.get("owner.dir")).isEqualTo("drwx------ 1234 5678");
        assertThat(seen.get("owner.file")).isEqualTo("-rw-r----- 1234 5678");
        assertThat(seen.get("owner.ls")).isEqualTo("-rw-r----- 1234 5678");
        for (String sparse : new String[] {"sparse/var/sparse.img", "sparse/var/pax-sparse.img"}) {
            String[] f = seen.get(sparse).split(" ");
            assertThat(f[0]).as("%s size", sparse).isEqualTo(Long.toString(OddLayers.SPARSE_SIZE));
            assertThat(f[1]).as("%s content", sparse).isEqualTo(OddLayers.sparseMd5());
            assertThat(Long.parseLong(f[2]) * 512).as("%s allocated bytes (holes kept)", sparse).isLessThan(1 << 20);
        }
        assertThat(seen.get("whiteout.file")).as("gone, no whiteout file shown, the two other motd entries left")
                .isEqualTo("no 0 2");
        assertThat(seen.get("whiteout.dir")).isEqualTo("no 0");
        assertThat(seen.get("opaque")).isEqualTo("new-file");
        assertThat(seen.get("swap.dir")).isEqualTo("regular file now a file");
        assertThat(seen.get("swap.file")).isEqualTo("directory inside now a directory");
    }

    @Test
    void aLayerWritingThroughAClimbingSymlinkFailsThePullWithThePrefixOnce() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("run", "hostile", "--image=" + hostile, "--restart=Never", "--", "sleep", "3600").ok();
        String expected = "Failed to pull image \"" + hostile + "\": failed to pull and unpack image \"" + hostile
                + "\": layer " + odd.layers(OddLayers.HOSTILE).get(1) + ": entry \"" + OddLayers.HOSTILE_ENTRY
                + "\": path goes through symlink \"" + OddLayers.HOSTILE_LINK + "\"";
        String messages = Await.until(LocalRegistry.timeout(), "a Failed event for the pull of " + hostile,
                () -> kubectl.run("get", "events", "--field-selector", "involvedObject.name=hostile,reason=Failed",
                        "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}").ok().stdout(),
                out -> out.contains("Failed to pull image"));
        assertThat(messages.lines().filter(l -> l.startsWith("Failed to pull image")).toList()).first().isEqualTo(expected);
        assertThat(kubectl.run("get", "pod", "hostile", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}")
                .ok().stdout()).isIn("ErrImagePull", "ImagePullBackOff");
        assertThat(Path.of("/tmp/breakout-j8s")).doesNotExist();
    }

    private static Map<String, String> facts(String output) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }
}
