package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Storage and StatefulSets driven by the real kubectl against {@code j8s server} with real pods: the default
 * {@code local-path} StorageClass, a claim waiting for its first consumer and then bound to a volume provisioned
 * under the data dir, a pod kept Pending by a missing claim with the scheduler's event, and a StatefulSet of three
 * whose pods start in order with their own claims, keep their data across a pod's deletion, update only above a
 * partition, roll back, and scale down keeping (Retain) or removing (Delete) their claims.
 */
class StatefulSetIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("stateful-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0", "2.0");

    static final Duration WAIT = Duration.ofSeconds(120);
    static final String COMMAND = "[\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 1; done\"]";

    static Kubectl kubectl() {
        return SERVERS.kubectl();
    }

    static JsonNode json(String... args) {
        return Await.json(kubectl().run(args));
    }

    static void apply(String name, String manifest) {
        kubectl().run("apply", "-f", SERVERS.file(name + ".yaml", manifest).toString()).ok();
    }

    static String statefulSet(String name, int replicas, String image, String policy, String extraSpec) {
        return """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: %s
                spec:
                  serviceName: %s
                  replicas: %d
                  podManagementPolicy: %s
                  selector:
                    matchLabels:
                      app: %s
                %s  template:
                    metadata:
                      labels:
                        app: %s
                    spec:
                      terminationGracePeriodSeconds: 5
                      containers:
                      - name: main
                        image: %s
                        command: %s
                        volumeMounts:
                        - name: www
                          mountPath: /data
                  volumeClaimTemplates:
                  - metadata:
                      name: www
                    spec:
                      accessModes: ["ReadWriteOnce"]
                      resources:
                        requests:
                          storage: 1Mi
                """.formatted(name, name, replicas, policy, name, extraSpec, name, image, COMMAND);
    }

    static JsonNode pod(String name) {
        return json("get", "pod", name, "-o", "json");
    }

    static boolean ready(JsonNode pod) {
        return readySince(pod) != null;
    }

    static Instant readySince(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals("Ready") && c.path("status").asText().equals("True")) {
                return Instant.parse(c.path("lastTransitionTime").asText());
            }
        }
        return null;
    }

    static List<String> names(String kind, String selector) {
        List<String> out = new ArrayList<>();
        for (JsonNode o : json("get", kind, "-l", selector, "-o", "json").path("items")) {
            out.add(o.path("metadata").path("name").asText());
        }
        return out;
    }

    static String exec(String pod, String script) {
        return kubectl().run("exec", pod, "--", "sh", "-c", script).ok().stdout();
    }

    static void awaitReady(String pod) {
        Await.until(WAIT, pod + " Ready", () -> kubectl().run("get", "pod", pod, "-o", "json"),
                r -> r.exitCode() == 0 && ready(Await.json(r)));
    }

    static void awaitGone(String kind, String name) {
        Await.until(WAIT, kind + " " + name + " gone", () -> kubectl().run("get", kind, name),
                r -> r.exitCode() != 0 && r.stderr().contains("NotFound"));
    }

    static String events(String name) {
        return kubectl().run("get", "events", "--field-selector", "involvedObject.name=" + name).ok().stdout();
    }

    @Test
    void theDefaultStorageClassIsLocalPathAsK3sShipsIt() {
        List<List<String>> cells = kubectl().run("get", "sc").ok().cells();

        assertThat(cells.get(0)).containsExactly("NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE",
                "ALLOWVOLUMEEXPANSION", "AGE");
        assertThat(cells.get(1).subList(0, 5)).containsExactly("local-path (default)", "rancher.io/local-path", "Delete",
                "WaitForFirstConsumer", "false");
    }

    static String canI(String verb, String resource, String serviceAccount) {
        return kubectl().run("auth", "can-i", verb, resource, "--all-namespaces",
                "--as=system:serviceaccount:kube-system:" + serviceAccount).stdout().strip();
    }

    @Test
    void theStorageControllersActAsTheirServiceAccountsHeldToTheirBootstrapRoles() {
        assertThat(kubectl().run("get", "sa", "-n", "kube-system", "statefulset-controller", "persistent-volume-binder")
                .ok().cells()).hasSize(3);
        assertThat(canI("create", "persistentvolumes", "persistent-volume-binder")).isEqualTo("yes");
        assertThat(canI("update", "persistentvolumeclaims/status", "persistent-volume-binder")).isEqualTo("yes");
        assertThat(canI("create", "storageclasses.storage.k8s.io", "persistent-volume-binder")).isEqualTo("no");
        assertThat(canI("create", "persistentvolumeclaims", "statefulset-controller")).isEqualTo("yes");
        assertThat(canI("create", "controllerrevisions.apps", "statefulset-controller")).isEqualTo("yes");
        assertThat(canI("create", "persistentvolumes", "statefulset-controller")).isEqualTo("no");
        assertThat(canI("update", "pods", "persistent-volume-binder")).isEqualTo("no");
    }

    @Test
    void aClaimWaitsForItsFirstConsumerThenGetsADirectoryUnderTheDataDirThatGoesWithIt() throws Exception {
        apply("claim", """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: data
                spec:
                  accessModes: ["ReadWriteOnce"]
                  resources:
                    requests:
                      storage: 2Mi
                """);
        assertThat(kubectl().run("get", "pvc", "data").ok().cells().get(1).subList(0, 2))
                .containsExactly("data", "Pending");
        assertThat(json("get", "pvc", "data", "-o", "json").path("spec").path("storageClassName").asText())
                .isEqualTo("local-path");
        Await.until(WAIT, "the WaitForFirstConsumer event", () -> events("data"),
                e -> e.contains("WaitForFirstConsumer") && e.contains("waiting for first consumer to be created before binding"));

        apply("writer", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: writer
                spec:
                  terminationGracePeriodSeconds: 5
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "echo kept > /data/sub/file; trap 'exit 0' TERM; while true; do sleep 1; done"]
                    volumeMounts:
                    - name: v
                      mountPath: /data
                    - name: v
                      mountPath: /ro
                      readOnly: true
                    - name: v
                      mountPath: /only-sub
                      subPath: sub
                  volumes:
                  - name: v
                    persistentVolumeClaim:
                      claimName: data
                """.formatted(REGISTRY.image("1.0")));
        awaitReady("writer");

        JsonNode claim = json("get", "pvc", "data", "-o", "json");
        String uid = claim.path("metadata").path("uid").asText();
        assertThat(claim.path("status").path("phase").asText()).isEqualTo("Bound");
        assertThat(claim.path("spec").path("volumeName").asText()).isEqualTo("pvc-" + uid);
        assertThat(kubectl().run("get", "pvc", "data").ok().cells().get(1).subList(0, 6))
                .containsExactly("data", "Bound", "pvc-" + uid, "2Mi", "RWO", "local-path");
        List<String> pvRow = kubectl().run("get", "pv", "pvc-" + uid).ok().cells().get(1);
        assertThat(pvRow.subList(0, 7)).containsExactly("pvc-" + uid, "2Mi", "RWO", "Delete", "Bound", "default/data",
                "local-path");
        assertThat(events("data")).contains("ProvisioningSucceeded").contains("Successfully provisioned volume pvc-" + uid);
        Kubectl.Result grow = kubectl().run("patch", "pvc", "data", "-p",
                "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"4Mi\"}}}}");
        assertThat(grow.exitCode()).isNotZero();
        assertThat(grow.stderr()).contains("Error from server (Forbidden): persistentvolumeclaims \"data\" is "
                + "forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the "
                + "pvc must support resize");

        Path dir = SERVERS.server().dataDir().resolve("storage").resolve("pvc-" + uid + "_default_data");
        assertThat(Files.readString(dir.resolve("sub/file"))).isEqualTo("kept\n");
        assertThat(exec("writer", "cat /only-sub/file; cat /ro/sub/file")).isEqualTo("kept\nkept\n");
        assertThat(kubectl().run("exec", "writer", "--", "sh", "-c", "touch /ro/x").exitCode()).isNotZero();

        kubectl().run("delete", "pod", "writer", "--wait=true").ok();
        kubectl().run("delete", "pvc", "data", "--wait=true").ok();
        awaitGone("pv", "pvc-" + uid);
        Await.until(WAIT, "the volume's directory removed", () -> Files.exists(dir), exists -> !exists);
    }

    @Test
    void aPodWhoseClaimDoesNotExistStaysPendingWithTheSchedulersEventUntilTheClaimComes() {
        apply("waiting", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: waiting
                spec:
                  terminationGracePeriodSeconds: 5
                  containers:
                  - name: main
                    image: %s
                    command: %s
                    volumeMounts:
                    - name: v
                      mountPath: /data
                  volumes:
                  - name: v
                    persistentVolumeClaim:
                      claimName: later
                """.formatted(REGISTRY.image("1.0"), COMMAND));
        String message = "0/1 nodes are available: persistentvolumeclaim \"later\" not found. preemption: 0/1 nodes are"
                + " available: 1 Preemption is not helpful for scheduling.";
        Await.until(WAIT, "the FailedScheduling event", () -> events("waiting"),
                e -> e.contains("FailedScheduling") && e.contains(message));
        JsonNode pod = pod("waiting");
        assertThat(pod.path("status").path("phase").asText()).isEqualTo("Pending");
        assertThat(pod.path("spec").path("nodeName").asText()).isEmpty();
        assertThat(kubectl().run("describe", "pod", "waiting").ok().stdout())
                .contains("PodScheduled   False").contains("Warning  FailedScheduling");

        apply("later", """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: later
                spec:
                  accessModes: ["ReadWriteOnce"]
                  resources:
                    requests:
                      storage: 1Mi
                """);
        awaitReady("waiting");
        assertThat(json("get", "pvc", "later", "-o", "json").path("status").path("phase").asText()).isEqualTo("Bound");
        kubectl().run("delete", "pod", "waiting", "--wait=true").ok();
        kubectl().run("delete", "pvc", "later", "--wait=true").ok();
    }

    @Test
    void aStatefulSetStartsItsPodsInOrderEachWithItsClaimKeepsDataUpdatesAbovePartitionAndScales() throws Exception {
        apply("web", statefulSet("web", 3, REGISTRY.image("1.0"), "OrderedReady", ""));
        assertThat(kubectl().run("rollout", "status", "sts/web", "--timeout=" + WAIT.toSeconds() + "s").ok().stdout())
                .endsWith("partitioned roll out complete: 3 new pods have been updated...\n");

        // in order: each pod was made only once the one before it was Ready
        for (int i = 1; i < 3; i++) {
            Instant created = Instant.parse(pod("web-" + i).path("metadata").path("creationTimestamp").asText());
            assertThat(created).as("web-%d created after web-%d was ready", i, i - 1)
                    .isAfterOrEqualTo(readySince(pod("web-" + (i - 1))));
        }
        String revision = json("get", "sts", "web", "-o", "json").path("status").path("updateRevision").asText();
        for (int i = 0; i < 3; i++) {
            JsonNode p = pod("web-" + i);
            assertThat(p.path("metadata").path("labels").path("statefulset.kubernetes.io/pod-name").asText())
                    .isEqualTo("web-" + i);
            assertThat(p.path("metadata").path("labels").path("apps.kubernetes.io/pod-index").asText())
                    .isEqualTo(Integer.toString(i));
            assertThat(p.path("metadata").path("labels").path("controller-revision-hash").asText()).isEqualTo(revision);
            assertThat(p.path("spec").path("hostname").asText()).isEqualTo("web-" + i);
            assertThat(p.path("spec").path("subdomain").asText()).isEqualTo("web");
            assertThat(p.at("/spec/volumes/0/persistentVolumeClaim/claimName").asText()).isEqualTo("www-web-" + i);
            JsonNode claim = json("get", "pvc", "www-web-" + i, "-o", "json");
            assertThat(claim.path("status").path("phase").asText()).isEqualTo("Bound");
            assertThat(claim.path("metadata").path("labels").path("app").asText()).isEqualTo("web");
        }
        assertThat(exec("web-1", "hostname")).isEqualTo("web-1\n");
        // with the set's headless service, each pod's stable name resolves through the cluster DNS
        apply("web-svc", """
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                spec:
                  clusterIP: None
                  selector:
                    app: web
                """);
        String web2 = pod("web-2").path("status").path("podIP").asText();
        Await.until(WAIT, "web-2.web.default.svc.cluster.local resolving to web-2's address from web-0",
                () -> kubectl().run("exec", "web-0", "--", "sh", "-c",
                        "busybox nslookup web-2.web.default.svc.cluster.local"),
                r -> r.exitCode() == 0 && r.stdout().contains(web2));
        assertThat(kubectl().run("get", "sts", "web").ok().cells().get(1).subList(0, 2)).containsExactly("web", "3/3");
        assertThat(events("web")).contains("create Claim www-web-0 Pod web-0 in StatefulSet web success")
                .contains("create Pod web-2 in StatefulSet web successful");

        // data written by web-1 survives deleting that pod
        exec("web-1", "echo survived > /data/file");
        String oldUid = pod("web-1").path("metadata").path("uid").asText();
        kubectl().run("delete", "pod", "web-1", "--wait=true").ok();
        Await.until(WAIT, "web-1 recreated and Ready", () -> kubectl().run("get", "pod", "web-1", "-o", "json"),
                r -> r.exitCode() == 0 && !Await.json(r).path("metadata").path("uid").asText().equals(oldUid)
                        && ready(Await.json(r)));
        assertThat(exec("web-1", "cat /data/file")).isEqualTo("survived\n");

        // an update with partition 2 changes only web-2
        kubectl().run("patch", "sts", "web", "-p", "{\"spec\":{\"updateStrategy\":{\"rollingUpdate\":{\"partition\":2}}}}")
                .ok();
        kubectl().run("set", "image", "sts/web", "main=" + REGISTRY.image("2.0")).ok();
        assertThat(kubectl().run("rollout", "status", "sts/web", "--timeout=" + WAIT.toSeconds() + "s").ok().stdout())
                .endsWith("partitioned roll out complete: 1 new pods have been updated...\n");
        String updated = json("get", "sts", "web", "-o", "json").path("status").path("updateRevision").asText();
        assertThat(updated).isNotEqualTo(revision);
        awaitReady("web-2");
        assertThat(pod("web-2").at("/spec/containers/0/image").asText()).isEqualTo(REGISTRY.image("2.0"));
        assertThat(pod("web-2").at("/metadata/labels/controller-revision-hash").asText()).isEqualTo(updated);
        for (String old : List.of("web-0", "web-1")) {
            assertThat(pod(old).at("/spec/containers/0/image").asText()).isEqualTo(REGISTRY.image("1.0"));
            assertThat(pod(old).at("/metadata/labels/controller-revision-hash").asText()).isEqualTo(revision);
        }
        assertThat(kubectl().run("rollout", "history", "sts/web").ok().stdout()).contains("1 ").contains("2 ");
        assertThat(json("get", "sts", "web", "-o", "json").path("status").path("currentRevision").asText())
                .isEqualTo(revision);

        // undo puts the first template back; web-2 follows
        assertThat(kubectl().run("rollout", "undo", "sts/web").ok().stdout()).isEqualTo("statefulset.apps/web rolled back\n");
        Await.until(WAIT, "web-2 back on the first template", () -> kubectl().run("get", "pod", "web-2", "-o", "json"),
                r -> r.exitCode() == 0 && Await.json(r).at("/spec/containers/0/image").asText().equals(REGISTRY.image("1.0"))
                        && ready(Await.json(r)));

        // scaling to 1 keeps the claims (Retain)...
        kubectl().run("scale", "sts", "web", "--replicas=1").ok();
        awaitGone("pod", "web-2");
        awaitGone("pod", "web-1");
        assertThat(names("pvc", "app=web")).containsExactlyInAnyOrder("www-web-0", "www-web-1", "www-web-2");

        // ...and whenScaled: Delete removes them with the pods
        kubectl().run("patch", "sts", "web", "-p",
                "{\"spec\":{\"persistentVolumeClaimRetentionPolicy\":{\"whenScaled\":\"Delete\"}}}").ok();
        kubectl().run("scale", "sts", "web", "--replicas=3").ok();
        kubectl().run("rollout", "status", "sts/web", "--timeout=" + WAIT.toSeconds() + "s").ok();
        assertThat(exec("web-1", "cat /data/file")).isEqualTo("survived\n"); // the retained claim came back
        String volume = json("get", "pvc", "www-web-1", "-o", "json").path("spec").path("volumeName").asText();
        kubectl().run("scale", "sts", "web", "--replicas=1").ok();
        awaitGone("pvc", "www-web-2");
        awaitGone("pvc", "www-web-1");
        awaitGone("pv", volume);
        assertThat(names("pvc", "app=web")).containsExactly("www-web-0");
        assertThat(names("pod", "app=web")).containsExactly("web-0");
    }

    @Test
    void aParallelStatefulSetMakesAllItsPodsWithoutWaitingForReadiness() {
        apply("par", """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: par
                spec:
                  replicas: 3
                  podManagementPolicy: Parallel
                  selector:
                    matchLabels:
                      app: par
                  template:
                    metadata:
                      labels:
                        app: par
                    spec:
                      terminationGracePeriodSeconds: 5
                      containers:
                      - name: main
                        image: %s
                        command: %s
                        readinessProbe:
                          exec:
                            command: ["false"]
                          periodSeconds: 1
                """.formatted(REGISTRY.image("1.0"), COMMAND));
        Await.until(WAIT, "three par pods", () -> names("pod", "app=par"), n -> n.size() == 3);
        assertThat(names("pod", "app=par")).containsExactlyInAnyOrder("par-0", "par-1", "par-2");
        assertThat(kubectl().run("get", "sts", "par").ok().cells().get(1).subList(0, 2)).containsExactly("par", "0/3");
        kubectl().run("delete", "sts", "par", "--wait=true").ok();
        // the pods go in the background: the server stops only once they are torn down
        Await.until(WAIT, "the par pods gone", () -> names("pod", "app=par"), List::isEmpty);
    }

    @Test
    void invalidStatefulSetsAndClaimsAreRefusedWithUpstreamsMessages() {
        Kubectl.Result policy = kubectl().run("apply", "-f", SERVERS.file("bad.yaml",
                statefulSet("bad", 1, REGISTRY.image("1.0"), "Sometimes", "")).toString());
        assertThat(policy.exitCode()).isNotZero();
        assertThat(policy.stderr()).contains("The StatefulSet \"bad\" is invalid: spec.podManagementPolicy: Invalid value: "
                + "\"Sometimes\": must be 'OrderedReady' or 'Parallel'");

        Kubectl.Result claim = kubectl().run("apply", "-f", SERVERS.file("badclaim.yaml", """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: badclaim
                spec:
                  resources:
                    requests:
                      storage: 1Mi
                """).toString());
        assertThat(claim.exitCode()).isNotZero();
        assertThat(claim.stderr()).contains("spec.accessModes: Required value: at least 1 access mode is required");

        Kubectl.Result attributes = kubectl().run("apply", "-f", SERVERS.file("vacclaim.yaml", """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: vacclaim
                spec:
                  accessModes: ["ReadWriteOnce"]
                  volumeAttributesClassName: gold
                  resources:
                    requests:
                      storage: 1Mi
                """).toString());
        assertThat(attributes.exitCode()).isNotZero();
        assertThat(attributes.stderr()).contains("The PersistentVolumeClaim \"vacclaim\" is invalid: "
                + "spec.volumeAttributesClassName: Forbidden: not supported by j8s: VolumeAttributesClasses are not "
                + "served");
        assertThat(kubectl().run("get", "pvc", "vacclaim").exitCode()).isNotZero();
    }
}
