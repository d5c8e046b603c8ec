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

    @Test
    void secretAndConfigMapFilesFollowKubectlApplyInTheRunningContainerButNotInASubPathMount() {
        Kubectl kubectl = SERVERS.kubectl();
        Path objects = SERVERS.file("objects-v1.yaml", """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: creds
                stringData:
                  password: first
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: app
                data:
                  app.conf: v1
                """);
        kubectl.run("apply", "-f", objects.toString()).ok();
        Path manifest = SERVERS.file("files.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: files
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - name: creds
                    secret:
                      secretName: creds
                      defaultMode: 0400
                  - name: app
                    configMap:
                      name: app
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "busybox stat -c 'mode %%a' /creds/..data/password; echo ready; while true; do busybox sleep 1; done"]
                    volumeMounts:
                    - {name: creds, mountPath: /creds}
                    - {name: app, mountPath: /app}
                    - {name: app, mountPath: /pinned/app.conf, subPath: app.conf}
                """.formatted(image()));
        kubectl.run("apply", "-f", manifest.toString()).ok();
        assertThat(awaitLogs(kubectl, "files", "main", "ready")).isEqualTo("mode 400\nready\n");
        String containerId = field(kubectl, "files", "{.status.containerStatuses[0].containerID}");
        assertThat(exec(kubectl, "cat /creds/password /app/app.conf /pinned/app.conf")).isEqualTo("firstv1v1");
        String dataBefore = exec(kubectl, "busybox readlink /app/..data").strip();
        assertThat(exec(kubectl, "busybox grep ' /creds ' /proc/mounts")).as("a secret lives on a tmpfs")
                .startsWith("tmpfs /creds tmpfs ro,");
        assertThat(kubectl.run("exec", "files", "--", "sh", "-c", "echo x > /app/new").stderr())
                .contains("Read-only file system");

        kubectl.run("apply", "-f", SERVERS.file("objects-v2.yaml", """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: creds
                stringData:
                  password: second
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: app
                data:
                  app.conf: v2
                """).toString()).ok();
        Await.until(Duration.ofSeconds(90), "the new content in the running container",
                () -> exec(kubectl, "cat /creds/password /app/app.conf"), out -> out.equals("secondv2"));
        assertThat(exec(kubectl, "busybox readlink /app/..data").strip()).as("the ..data link was swapped")
                .matches("\\.\\.\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{2}_\\d{2}\\.\\d+").isNotEqualTo(dataBefore);
        assertThat(exec(kubectl, "cat /pinned/app.conf")).as("a subPath mount is never updated").isEqualTo("v1");
        assertThat(field(kubectl, "files", "{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount}"))
                .isEqualTo(containerId + " 0");
        String uid = field(kubectl, "files", "{.metadata.uid}");
        kubectl.run("delete", "pod", "files").ok();
        assertThat(SERVERS.server().dataDir().resolve("pods").resolve(uid)).doesNotExist();
        kubectl.run("delete", "-f", objects.toString()).ok();
    }

    private static String exec(Kubectl kubectl, String script) {
        return kubectl.run("exec", "files", "--", "sh", "-c", script).ok().stdout();
    }

    @Test
    void aMissingSecretKeepsThePodContainerCreatingUntilItIsCreated() {
        Kubectl kubectl = SERVERS.kubectl();
        Path manifest = SERVERS.file("waits.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: waits
                  labels: {tier: back}
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - name: db
                    secret: {secretName: db}
                  - name: info
                    downwardAPI:
                      items:
                      - path: labels
                        fieldRef: {fieldPath: metadata.labels}
                      - path: mem
                        resourceFieldRef: {containerName: main, resource: limits.memory, divisor: 1Mi}
                  containers:
                  - name: main
                    image: %s
                    resources: {limits: {memory: 64Mi}}
                    command: ["sh", "-c", "cat /db/user; echo; cat /info/labels; echo; cat /info/mem; echo; sleep 3600"]
                    volumeMounts:
                    - {name: db, mountPath: /db}
                    - {name: info, mountPath: /info}
                """.formatted(image()));
        kubectl.run("apply", "-f", manifest.toString()).ok();
        String describe = Await.until(Duration.ofSeconds(30), "a FailedMount event",
                () -> kubectl.run("describe", "pod", "waits").ok().stdout(), out -> out.contains("FailedMount"));
        assertThat(describe).containsPattern("Warning\\s+FailedMount\\s+.*kubelet\\s+MountVolume.SetUp failed for volume"
                + " \"db\" : secret \"db\" not found");
        assertThat(kubectl.run("get", "pod", "waits").ok().cells().get(1).get(2)).isEqualTo("ContainerCreating");

        kubectl.run("create", "secret", "generic", "db", "--from-literal=user=admin").ok();
        assertThat(awaitLogs(kubectl, "waits", "main", "64")).isEqualTo("admin\ntier=\"back\"\n64\n");
        kubectl.run("delete", "pod", "waits", "--wait=false").ok();
        kubectl.run("delete", "secret", "db").ok();
    }

    @Test
    void aHostPathOfTheWrongTypeFailsWithUpstreamsEvent() throws IOException {
        Kubectl kubectl = SERVERS.kubectl();
        Path hostDir = Files.createDirectories(SERVERS.home().resolve("host-dir"));
        Files.writeString(hostDir.resolve("greeting"), "from the host");
        String template = """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: hostpath-%1$s
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - name: host
                    hostPath: {path: %2$s, type: %3$s}
                  containers:
                  - name: main
                    image: %4$s
                    command: ["sh", "-c", "cat /host/greeting; echo; sleep 3600"]
                    volumeMounts:
                    - {name: host, mountPath: /host}
                """;
        kubectl.run("apply", "-f", SERVERS.file("hp-file.yaml", template.formatted("file", hostDir, "File", image()))
                .toString()).ok();
        kubectl.run("apply", "-f", SERVERS.file("hp-dir.yaml", template.formatted("dir", hostDir, "Directory", image()))
                .toString()).ok();

        String describe = Await.until(Duration.ofSeconds(30), "a FailedMount event",
                () -> kubectl.run("describe", "pod", "hostpath-file").ok().stdout(), out -> out.contains("FailedMount"));
        assertThat(describe).containsPattern("Warning\\s+FailedMount\\s+.*kubelet\\s+MountVolume.SetUp failed for volume"
                + " \"host\" : hostPath type check failed: " + hostDir + " is not a file");
        assertThat(kubectl.run("get", "pod", "hostpath-file").ok().cells().get(1).get(2)).isEqualTo("ContainerCreating");
        assertThat(awaitLogs(kubectl, "hostpath-dir", "main", "host")).isEqualTo("from the host\n");
        kubectl.run("delete", "pod", "hostpath-file", "hostpath-dir", "--wait=false").ok();
    }

    @Test
    void linksPlantedInAnEmptyDirNeverLeadASubPathMountToTheHost() {
        Kubectl kubectl = SERVERS.kubectl();
        Path manifest = SERVERS.file("hostile.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: hostile
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - name: shared
                    emptyDir: {}
                  initContainers:
                  - name: planter
                    image: %1$s
                    command: ["sh", "-c", "busybox ln -s / /vol/root; busybox ln -s /etc /vol/etc; busybox mkdir -p /vol/ok; echo fine > /vol/ok/file"]
                    volumeMounts:
                    - {name: shared, mountPath: /vol}
                  containers:
                  - name: victim
                    image: %1$s
                    command: ["sh", "-c", "busybox ls /mnt; sleep 3600"]
                    volumeMounts:
                    - {name: shared, mountPath: /mnt, subPath: etc}
                  - name: fine
                    image: %1$s
                    command: ["sh", "-c", "cat /mnt/file; sleep 3600"]
                    volumeMounts:
                    - {name: shared, mountPath: /mnt, subPath: ok}
                """.formatted(image()));
        kubectl.run("apply", "-f", manifest.toString()).ok();

        String waiting = Await.until(LocalRegistry.timeout(), "the victim refused",
                () -> field(kubectl, "hostile", "{.status.containerStatuses[?(@.name==\"victim\")].state.waiting.reason}: "
                        + "{.status.containerStatuses[?(@.name==\"victim\")].state.waiting.message}"),
                out -> out.startsWith("CreateContainerConfigError"));
        assertThat(waiting).isEqualTo("CreateContainerConfigError: failed to prepare subPath for volumeMount \"shared\""
                + " of container \"victim\"");
        assertThat(awaitLogs(kubectl, "hostile", "fine", "fine")).isEqualTo("fine\n");
        assertThat(kubectl.run("logs", "hostile", "-c", "victim").stdout()).doesNotContain("passwd");
        kubectl.run("delete", "pod", "hostile", "--wait=false").ok();
    }

    @Test
    void aKillNineOfJ8sLeavesTheVolumesOfARunningContainerAsTheyAreAndUpdatesStillReachIt() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "secret", "generic", "survivor-secret", "--from-literal=token=one").ok();
        kubectl.run("create", "configmap", "survivor-config", "--from-literal=mode=calm").ok();
        Path manifest = SERVERS.file("survivor.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: survivor
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - {name: secret, secret: {secretName: survivor-secret}}
                  - {name: config, configMap: {name: survivor-config}}
                  - {name: scratch, emptyDir: {}}
                  - {name: fast, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "echo kept > /scratch/before; echo kept > /fast/before; echo ready; while true; do busybox sleep 1; done"]
                    volumeMounts:
                    - {name: secret, mountPath: /secret}
                    - {name: config, mountPath: /config}
                    - {name: scratch, mountPath: /scratch}
                    - {name: fast, mountPath: /fast}
                """.formatted(image()));
        kubectl.run("apply", "-f", manifest.toString()).ok();
        awaitLogs(kubectl, "survivor", "main", "ready");
        String query = "{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount}";
        String before = field(kubectl, "survivor", query);
        String mountsBefore = survivorExec(kubectl, "cat /proc/self/mountinfo");

        J8sServer server = SERVERS.server();
        server.kill9();
        server.restart();
        Await.until(Duration.ofSeconds(30), "the restarted server serves", () -> kubectl.run("get", "pod", "survivor"),
                r -> r.exitCode() == 0);
        // the re-adopted pod is synced again (its volumes set up again) before the secret changes
        Await.until(Duration.ofSeconds(30), "the pod reported Running by the new kubelet",
                () -> kubectl.run("get", "pod", "survivor").ok().cells().get(1).subList(1, 4),
                row -> row.equals(java.util.List.of("1/1", "Running", "0")));

        kubectl.run("patch", "secret", "survivor-secret", "--type=merge", "-p", "{\"stringData\":{\"token\":\"two\"}}")
                .ok();
        Await.until(Duration.ofSeconds(90), "the secret update in the running container",
                () -> survivorExec(kubectl, "cat /secret/token"), out -> out.equals("two"));
        assertThat(field(kubectl, "survivor", query)).isEqualTo(before);
        assertThat(survivorExec(kubectl, "cat /proc/self/mountinfo")).as("the container's mounts")
                .isEqualTo(mountsBefore);
        assertThat(survivorExec(kubectl, "cat /scratch/before /fast/before /config/mode")).isEqualTo("kept\nkept\ncalm");
        kubectl.run("delete", "pod", "survivor").ok();
        kubectl.run("delete", "secret", "survivor-secret").ok();
        kubectl.run("delete", "configmap", "survivor-config").ok();
    }

    private static String survivorExec(Kubectl kubectl, String script) {
        return kubectl.run("exec", "survivor", "--", "sh", "-c", script).ok().stdout();
    }

    @Test
    void fsGroupOwnsTheVolumesAndIsASupplementaryGroupOfTheContainer() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "secret", "generic", "owned", "--from-literal=key=value").ok();
        Path manifest = SERVERS.file("fsgroup.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: fsgroup
                spec:
                  terminationGracePeriodSeconds: 1
                  securityContext:
                    runAsUser: 1000
                    fsGroup: 2000
                    fsGroupChangePolicy: OnRootMismatch
                  volumes:
                  - {name: data, emptyDir: {}}
                  - {name: secret, secret: {secretName: owned, defaultMode: 0400}}
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "busybox id -G; busybox stat -c '%%g %%a' /data /secret/..data/key; echo x > /data/new; busybox stat -c '%%g' /data/new; cat /secret/key; echo; sleep 3600"]
                    volumeMounts:
                    - {name: data, mountPath: /data}
                    - {name: secret, mountPath: /secret}
                """.formatted(image()));
        kubectl.run("apply", "-f", manifest.toString()).ok();
        // primary group 0: runAsUser without runAsGroup and an image without /etc/passwd, as containerd does
        assertThat(awaitLogs(kubectl, "fsgroup", "main", "value")).isEqualTo("""
                0 2000
                2000 2777
                2000 440
                2000
                value
                """);
        kubectl.run("delete", "pod", "fsgroup", "--wait=false").ok();
        kubectl.run("delete", "secret", "owned").ok();
    }
}
