package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The eviction manager on a server whose data dir is a 384 MiB tmpfs (so filling it fills no real disk) with
 * {@code --eviction-hard=nodefs.available<30%}: pods over their own limits (an emptyDir {@code sizeLimit}, an
 * {@code ephemeral-storage} limit) evicted at once with upstream's messages; a pod filling an emptyDir without a
 * {@code sizeLimit} evicted under node pressure with upstream's event, status and {@code DisruptionTarget}
 * condition, the node's {@code DiskPressure} condition and taint while it lasts, a new pod rejected meanwhile, and
 * the pressure gone with the pod's volume.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EvictionIT {

    /** Unmounts the tmpfs once the server (declared after, so closed before) is gone. */
    static final class Tmpfs implements AfterAllCallback {
        private Path mountPoint;

        Path mount(Path dir, String size) {
            try {
                Files.createDirectories(dir);
                run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", dir.toString());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            mountPoint = dir;
            return dir;
        }

        /**
         * Unmounts it; while the stopped server's last processes still hold it, detaches it lazily (the kernel frees
         * it once they are gone), so nothing of it stays visible.
         */
        @Override
        public void afterAll(ExtensionContext context) {
            if (mountPoint != null) {
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (exec("umount", mountPoint.toString()) != 0) {
                    if (System.nanoTime() > deadline) {
                        run("umount", "--lazy", mountPoint.toString());
                        break;
                    }
                    J8sServer.sleep(Duration.ofMillis(200));
                }
                J8sServer.deleteRecursively(mountPoint.getParent());
            }
        }

        private static void run(String... command) {
            assertThat(exec(command)).as(String.join(" ", command)).isZero();
        }

        private static int exec(String... command) {
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                return p.waitFor();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @RegisterExtension
    static final Tmpfs TMPFS = new Tmpfs();

    /**
     * The data dir is the tmpfs (the image store wants 256 MiB free to pull, so 384 MiB); pressure below 30 %.
     * {@code j8s reset --delete-data} empties a data dir that is a mount point.
     */
    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("eviction-node", dataDir -> {
        TMPFS.mount(dataDir, "384m");
        return List.of("--eviction-hard=nodefs.available<30%", "--eviction-pressure-transition-period=30s");
    });

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    static final Duration EVICTION = Duration.ofSeconds(90);

    private static void apply(Kubectl kubectl, String manifest) {
        kubectl.runWithStdin(manifest.formatted(REGISTRY.image("1.0")), "apply", "-f", "-").ok();
    }

    private static String status(Kubectl kubectl, String pod) {
        return kubectl.run("get", "pod", pod, "-o", "jsonpath={.status.phase}|{.status.reason}|{.status.message}").ok()
                .stdout();
    }

    @Test
    @Order(1)
    void podsOverTheirOwnLocalStorageLimitsAreEvictedAtOnce() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: over-size-limit
                spec:
                  containers:
                  - name: writer
                    image: %s
                    command: ["sh", "-c", "busybox dd if=/dev/zero of=/cache/fill bs=1M count=6; exec sleep 3600"]
                    volumeMounts:
                    - name: cache
                      mountPath: /cache
                  volumes:
                  - name: cache
                    emptyDir:
                      sizeLimit: 5Mi
                """);
        apply(kubectl, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: over-ephemeral-limit
                spec:
                  containers:
                  - name: writer
                    image: %s
                    command: ["sh", "-c", "busybox dd if=/dev/zero of=/fill bs=1M count=3; exec sleep 3600"]
                    resources:
                      limits:
                        ephemeral-storage: 2Mi
                """);

        Await.until(EVICTION, "pod over-size-limit is evicted", () -> status(kubectl, "over-size-limit"),
                s -> s.startsWith("Failed|"));
        assertThat(status(kubectl, "over-size-limit"))
                .isEqualTo("Failed|Evicted|Usage of EmptyDir volume \"cache\" exceeds the limit \"5Mi\". ");
        Await.until(EVICTION, "pod over-ephemeral-limit is evicted", () -> status(kubectl, "over-ephemeral-limit"),
                s -> s.startsWith("Failed|"));
        assertThat(status(kubectl, "over-ephemeral-limit")).isEqualTo(
                "Failed|Evicted|Pod ephemeral local storage usage exceeds the total limit of containers 2Mi. ");
        assertThat(events(kubectl, "over-size-limit"))
                .contains("Warning Evicted Usage of EmptyDir volume \"cache\" exceeds the limit \"5Mi\". ");
        kubectl.run("delete", "pod", "over-size-limit", "over-ephemeral-limit", "--grace-period=1", "--wait=true").ok();
    }

    @Test
    @Order(2)
    void aPodFillingAnEmptyDirIsEvictedUnderDiskPressureWithUpstreamsEventAndStatus() {
        Kubectl kubectl = SERVERS.kubectl();
        assertThat(condition(kubectl, "DiskPressure")).isEqualTo("False/KubeletHasNoDiskPressure");
        apply(kubectl, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: filler
                spec:
                  containers:
                  - name: filler
                    image: %s
                    command: ["sh", "-c", "busybox dd if=/dev/zero of=/cache/fill bs=1M count=300; exec sleep 3600"]
                    volumeMounts:
                    - name: cache
                      mountPath: /cache
                  volumes:
                  - name: cache
                    emptyDir: {}
                """);

        Await.until(EVICTION, "node eviction-node reports DiskPressure", () -> condition(kubectl, "DiskPressure"),
                c -> c.equals("True/KubeletHasDiskPressure"));
        assertThat(kubectl.run("get", "node", "eviction-node", "-o",
                "jsonpath={range .spec.taints[*]}{.key}:{.effect}{\"\\n\"}{end}").ok().lines())
                .contains("node.kubernetes.io/disk-pressure:NoSchedule");
        // a pod bound to the node under disk pressure is not admitted by its kubelet (bound directly: the scheduler
        // keeps an unbound pod off a node with the untolerated disk-pressure taint, so it would only wait)
        apply(kubectl, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: latecomer
                spec:
                  nodeName: eviction-node
                  containers:
                  - name: c
                    image: %s
                    command: ["sleep", "3600"]
                """);

        Await.until(EVICTION, "pod filler is evicted", () -> status(kubectl, "filler"), s -> s.startsWith("Failed|"));
        String[] filler = status(kubectl, "filler").split("\\|", 3);
        assertThat(filler[1]).isEqualTo("Evicted");
        assertThat(filler[2]).matches("The node was low on resource: ephemeral-storage\\. Threshold quantity: \\d+,"
                + " available: \\d+(Ki)?\\. Container filler was using \\d+(Ki|Mi)?, request is 0, has larger"
                + " consumption of ephemeral-storage\\. ");
        assertThat(kubectl.run("get", "pod", "filler", "-o",
                "jsonpath={.status.conditions[?(@.type==\"DisruptionTarget\")].status}/"
                        + "{.status.conditions[?(@.type==\"DisruptionTarget\")].reason}").ok().stdout())
                .isEqualTo("True/TerminationByKubelet");
        assertThat(events(kubectl, "filler")).contains("Warning Evicted " + filler[2]);
        Await.until(EVICTION, "pod latecomer is rejected", () -> status(kubectl, "latecomer"),
                s -> s.startsWith("Failed|"));
        assertThat(status(kubectl, "latecomer"))
                .isEqualTo("Failed|Evicted|Pod was rejected: The node had condition: [DiskPressure]. ");

        // the evicted pod's emptyDir goes, and after the transition period the pressure with it
        Await.until(Duration.ofSeconds(120), "node eviction-node has no DiskPressure",
                () -> condition(kubectl, "DiskPressure"), c -> c.equals("False/KubeletHasNoDiskPressure"));
        assertThat(kubectl.run("get", "node", "eviction-node", "-o", "jsonpath={.spec.taints}").ok().stdout())
                .doesNotContain("disk-pressure");
        assertThat(kubectl.run("get", "events", "--field-selector", "involvedObject.kind=Node", "-o",
                "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}").ok().lines())
                .contains("NodeHasDiskPressure: Node eviction-node status is now: NodeHasDiskPressure",
                        "NodeHasNoDiskPressure: Node eviction-node status is now: NodeHasNoDiskPressure");
        kubectl.run("delete", "pod", "filler", "latecomer", "--grace-period=1", "--wait=true").ok();
    }

    private static String condition(Kubectl kubectl, String type) {
        return kubectl.run("get", "node", "eviction-node", "-o", "jsonpath={.status.conditions[?(@.type==\"" + type
                + "\")].status}/{.status.conditions[?(@.type==\"" + type + "\")].reason}").ok().stdout();
    }

    private static List<String> events(Kubectl kubectl, String pod) {
        return kubectl.run("get", "events", "--field-selector", "involvedObject.name=" + pod, "-o",
                "jsonpath={range .items[*]}{.type} {.reason} {.message}{\"\\n\"}{end}").ok().lines();
    }
}
