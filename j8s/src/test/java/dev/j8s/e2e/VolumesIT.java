package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pod volumes through the real kubectl, read from what the containers themselves print: an emptyDir shared by two
 * containers, a memory emptyDir as a sized tmpfs, a volume type j8s does not support keeping the pod in
 * ContainerCreating with a FailedMount event, and nothing left on the host after a delete.
 */
class VolumesIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("volumes-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    private static String image() {
        return REGISTRY.image("1.0");
    }

    static String awaitLogs(Kubectl kubectl, String pod, String container, String expected) {
        return Await.until(LocalRegistry.timeout(), "pod " + pod + " container " + container + " printed " + expected,
                () -> kubectl.run("logs", pod, "-c", container).stdout(), out -> out.contains(expected));
    }

    static String field(Kubectl kubectl, String pod, String jsonpath) {
        return kubectl.run("get", "pod", pod, "-o", "jsonpath=" + jsonpath).ok().stdout();
    }

    @Test
    void anEmptyDirIsSharedByTwoContainersAndGoneWithThePod() throws IOException {
        Kubectl kubectl = SERVERS.kubectl();
        Path manifest = SERVERS.file("shared.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: shared
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - name: scratch
                    emptyDir: {}
                  containers:
                  - name: writer
                    image: %1$s
                    command: ["sh", "-c", "echo written by writer > /out/note; busybox stat -c 'mode %%a' /out; sleep 3600"]
                    volumeMounts:
                    - name: scratch
                      mountPath: /out
                  - name: reader
                    image: %1$s
                    command: ["sh", "-c", "until [ -f /in/note ]; do sleep 0.2; done; echo read: $(cat /in/note); sleep 3600"]
                    volumeMounts:
                    - name: scratch
                      mountPath: /in
                      readOnly: true
                """.formatted(image()));
        kubectl.run("apply", "-f", manifest.toString()).ok();

        assertThat(awaitLogs(kubectl, "shared", "reader", "read:")).isEqualTo("read: written by writer\n");
        assertThat(awaitLogs(kubectl, "shared", "writer", "mode")).isEqualTo("mode 777\n");
        String uid = field(kubectl, "shared", "{.metadata.uid}");
        Path podDir = SERVERS.server().dataDir().resolve("pods").resolve(uid);
        assertThat(podDir.resolve("volumes/kubernetes.io~empty-dir/scratch/note")).hasContent("written by writer");
        assertThat(kubectl.run("exec", "shared", "-c", "reader", "--", "sh", "-c", "echo x > /in/other").exitCode())
                .as("a readOnly mount refuses writes").isNotZero();

        kubectl.run("delete", "pod", "shared").ok();
        assertThat(podDir).as("the pod's volume directories").doesNotExist();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(uid);
    }

    @Test
    void aMemoryEmptyDirIsATmpfsOfItsSizeLimit() {
        Kubectl kubectl = SERVERS.kubectl();
        Path manifest = SERVERS.file("memory.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: memory
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - name: fast
                    emptyDir:
                      medium: Memory
                      sizeLimit: 16Mi
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "busybox grep ' /fast ' /proc/mounts; busybox dd if=/dev/zero of=/fast/big bs=1M count=20 2>&1 | busybox grep -o 'No space left on device'; echo done; sleep 3600"]
                    volumeMounts:
                    - name: fast
                      mountPath: /fast
                """.formatted(image()));
        kubectl.run("apply", "-f", manifest.toString()).ok();

        String out = awaitLogs(kubectl, "memory", "main", "done");
        assertThat(out.lines().findFirst().orElseThrow()).startsWith("tmpfs /fast tmpfs rw,").contains("size=16384k");
        assertThat(out).contains("No space left on device");
        String uid = field(kubectl, "memory", "{.metadata.uid}");
        kubectl.run("delete", "pod", "memory").ok();
        assertThat(SERVERS.server().dataDir().resolve("pods").resolve(uid)).doesNotExist();
    }

    @Test
    void aVolumeTypeJ8sDoesNotSupportKeepsThePodContainerCreatingWithAFailedMountEventNamingIt() {
        Kubectl kubectl = SERVERS.kubectl();
        Path manifest = SERVERS.file("nfs.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: nfs
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - name: share
                    nfs:
                      server: nfs.invalid
                      path: /export
                  containers:
                  - name: main
                    image: %s
                    command: ["sleep", "3600"]
                    volumeMounts:
                    - name: share
                      mountPath: /share
                """.formatted(image()));
        kubectl.run("apply", "-f", manifest.toString()).ok();

        String describe = Await.until(Duration.ofSeconds(30), "a FailedMount event",
                () -> kubectl.run("describe", "pod", "nfs").ok().stdout(), out -> out.contains("FailedMount"));
        assertThat(describe).containsPattern("Warning\\s+FailedMount\\s+.*kubelet\\s+MountVolume.NewMounter"
                + " initialization failed for volume \"share\" : volume type nfs is not supported by j8s yet");
        Await.until(Duration.ofSeconds(30), "a second attempt", () -> kubectl.run("get", "events",
                "--field-selector", "reason=FailedMount,involvedObject.name=nfs", "-o", "jsonpath={.items[0].count}")
                .ok().stdout(), count -> !count.isEmpty() && Integer.parseInt(count) >= 2);
        assertThat(kubectl.run("get", "pod", "nfs").ok().cells().get(1).subList(0, 3))
                .containsExactly("nfs", "0/1", "ContainerCreating");
        kubectl.run("delete", "pod", "nfs").ok();
    }
}
