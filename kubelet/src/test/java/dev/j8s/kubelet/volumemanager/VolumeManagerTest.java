package dev.j8s.kubelet.volumemanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.kubelet.container.ConfigException;
import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.runtime.ContainerConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeManagerTest {

    @TempDir
    Path dir;

    private final RecordingEventRecorder events = new RecordingEventRecorder();

    private VolumeManager manager() {
        return new VolumeManager(dir.resolve("pods"), events, 1L << 30);
    }

    private static PodBuilder pod(String uid) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("default").withUid(uid).endMetadata()
                .withNewSpec().endSpec();
    }

    private static Pod withEmptyDir(String uid) {
        return pod(uid).editSpec()
                .addNewVolume().withName("cache").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewContainer().withName("a").addNewVolumeMount().withName("cache").withMountPath("/cache")
                .endVolumeMount().addNewVolumeMount().withName("cache").withMountPath("/cache/again")
                .withReadOnly(true).endVolumeMount().endContainer()
                .endSpec().build();
    }

    @Test
    void aDiskEmptyDirIsAWorldWritableDirectoryUnderThePodsVolumes() throws Exception {
        VolumeManager manager = manager();
        Pod pod = withEmptyDir("u1");
        assertThat(manager.waitForAttachAndMount(pod)).isInstanceOf(VolumeManager.MountResult.Ready.class);
        Path volume = dir.resolve("pods/u1/volumes/kubernetes.io~empty-dir/cache");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(volume))).isEqualTo("rwxrwxrwx");
        assertThat(manager.makeMounts(pod, pod.getSpec().getContainers().getFirst(), java.util.Map.of())).containsExactly(
                new ContainerConfig.Mount("/cache", volume, false),
                new ContainerConfig.Mount("/cache/again", volume, true));
        assertThat(events.lines()).isEmpty();
    }

    @Test
    void aSecondSetUpKeepsWhatTheContainersWroteAndTearDownRemovesThePodDirectory() throws Exception {
        VolumeManager manager = manager();
        Pod pod = withEmptyDir("u2");
        manager.waitForAttachAndMount(pod);
        Path file = dir.resolve("pods/u2/volumes/kubernetes.io~empty-dir/cache/data");
        Files.writeString(file, "kept");
        Files.createSymbolicLink(file.resolveSibling("escape"), dir.resolve("outside"));
        Files.writeString(dir.resolve("outside"), "host file");
        assertThat(new VolumeManager(dir.resolve("pods"), events, 1L << 30).waitForAttachAndMount(pod))
                .as("a restarted kubelet re-adopts the volume").isInstanceOf(VolumeManager.MountResult.Ready.class);
        assertThat(Files.readString(file)).isEqualTo("kept");

        assertThat(manager.unmountPod("u2")).isTrue();
        assertThat(dir.resolve("pods/u2")).doesNotExist();
        assertThat(Files.readString(dir.resolve("outside"))).as("a link is removed, never followed").isEqualTo("host file");
    }

    @Test
    void anUnsupportedVolumeTypeKeepsThePodWaitingWithAFailedMountEventNamingItAndBacksOff() {
        VolumeManager manager = manager();
        Pod pod = pod("u3").editSpec()
                .addToVolumes(new VolumeBuilder().withName("share").withNewNfs().withServer("nfs.example")
                        .withPath("/export").endNfs().build())
                .addNewContainer().withName("a").addNewVolumeMount().withName("share").withMountPath("/share")
                .endVolumeMount().endContainer().endSpec().build();

        var first = manager.waitForAttachAndMount(pod);
        var second = manager.waitForAttachAndMount(pod);

        assertThat(first).isEqualTo(new VolumeManager.MountResult.NotReady(List.of("share"), Duration.ofMillis(500)));
        assertThat(second).isEqualTo(new VolumeManager.MountResult.NotReady(List.of("share"), Duration.ofSeconds(1)));
        assertThat(events.lines()).containsOnly("Warning FailedMount MountVolume.NewMounter initialization failed for"
                + " volume \"share\" : volume type nfs is not supported by j8s yet");
        assertThatThrownBy(() -> manager.makeMounts(pod, pod.getSpec().getContainers().getFirst(), java.util.Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cannot find volume \"share\" to mount into container \"a\"");
    }

    @Test
    void aVolumeNoContainerMountsIsNotSetUp() {
        VolumeManager manager = manager();
        Pod pod = pod("u4").editSpec()
                .addToVolumes(new VolumeBuilder().withName("unused").withNewNfs().withServer("x").withPath("/")
                        .endNfs().build())
                .addNewContainer().withName("a").endContainer().endSpec().build();
        assertThat(manager.waitForAttachAndMount(pod)).isInstanceOf(VolumeManager.MountResult.Ready.class);
        assertThat(events.lines()).isEmpty();
    }

    @Test
    void aDiskSizeLimitIsLeftToTheEvictionManager() {
        VolumeManager manager = manager();
        Pod pod = pod("u5").editSpec()
                .addNewVolume().withName("cache").withNewEmptyDir().withSizeLimit(new Quantity("100Mi")).endEmptyDir()
                .endVolume()
                .addNewContainer().withName("a").addNewVolumeMount().withName("cache").withMountPath("/cache")
                .endVolumeMount().endContainer().endSpec().build();
        manager.waitForAttachAndMount(pod);
        manager.waitForAttachAndMount(pod);
        assertThat(events.lines()).isEmpty();
    }

    @Test
    void hugePagesAndBidirectionalPropagationAreRefusedNotIgnored() {
        VolumeManager manager = manager();
        Pod huge = pod("u6").editSpec()
                .addNewVolume().withName("h").withNewEmptyDir().withMedium("HugePages").endEmptyDir().endVolume()
                .addNewContainer().withName("a").addNewVolumeMount().withName("h").withMountPath("/h")
                .endVolumeMount().endContainer().endSpec().build();
        assertThat(manager.waitForAttachAndMount(huge)).isInstanceOf(VolumeManager.MountResult.NotReady.class);
        assertThat(events.lines()).containsExactly("Warning FailedMount MountVolume.SetUp failed for volume \"h\" :"
                + " emptyDir medium \"HugePages\" is not supported by j8s yet (supported: \"\" and \"Memory\")");

        Pod bidi = pod("u7").editSpec()
                .addNewVolume().withName("v").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewContainer().withName("a").addNewVolumeMount().withName("v").withMountPath("/v")
                .withMountPropagation("Bidirectional").endVolumeMount().endContainer().endSpec().build();
        manager.waitForAttachAndMount(bidi);
        assertThatThrownBy(() -> manager.makeMounts(bidi, bidi.getSpec().getContainers().getFirst(), java.util.Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Bidirectional mount propagation is available only to privileged containers");
    }

    @Test
    void thePodMemoryLimitIsTheSumOfItsContainersOnlyWhenEachHasOne() {
        Pod limited = pod("u8").editSpec()
                .addNewContainer().withName("a").withNewResources().addToLimits("memory", new Quantity("64Mi"))
                .endResources().endContainer()
                .addNewContainer().withName("b").withNewResources().addToLimits("memory", new Quantity("32Mi"))
                .endResources().endContainer()
                .addNewInitContainer().withName("i").withNewResources().addToLimits("memory", new Quantity("128Mi"))
                .endResources().endInitContainer().endSpec().build();
        assertThat(VolumeManager.podMemoryLimit(limited)).isEqualTo(OptionalLong.of(128L << 20));
        Pod unlimited = new PodBuilder(limited).editSpec().addNewContainer().withName("c").endContainer().endSpec()
                .build();
        assertThat(VolumeManager.podMemoryLimit(unlimited)).isEmpty();
    }

    @Test
    void subPathExprExpandsTheContainersVariablesAndAnEmptyOrMissingOneIsAConfigError() throws Exception {
        VolumeManager manager = manager();
        Pod pod = pod("u9").editSpec()
                .addNewVolume().withName("logs").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewContainer().withName("a").addNewVolumeMount().withName("logs").withMountPath("/logs")
                .withSubPathExpr("$(POD_NAME)/$(MISSING)$(EMPTY)").endVolumeMount().endContainer().endSpec().build();
        manager.waitForAttachAndMount(pod);
        assertThatThrownBy(() -> manager.makeMounts(pod, pod.getSpec().getContainers().getFirst(),
                java.util.Map.of("POD_NAME", "web", "EMPTY", ""))).isInstanceOf(ConfigException.class)
                .hasMessage("missing value for EMPTY, MISSING");
        Pod both = new PodBuilder(pod).editSpec().editFirstContainer().editFirstVolumeMount().withSubPath("x")
                .endVolumeMount().endContainer().endSpec().build();
        assertThatThrownBy(() -> manager.makeMounts(both, both.getSpec().getContainers().getFirst(), java.util.Map.of()))
                .hasMessage("subPathExpr and subPath are mutually exclusive");
        Pod escape = new PodBuilder(pod).editSpec().editFirstContainer().editFirstVolumeMount().withSubPathExpr(null)
                .withSubPath("a/../../etc").endVolumeMount().endContainer().endSpec().build();
        assertThatThrownBy(() -> manager.makeMounts(escape, escape.getSpec().getContainers().getFirst(),
                java.util.Map.of())).hasMessage("unable to provision SubPath `a/../../etc`: must not contain '..'");
        Pod absolute = new PodBuilder(escape).editSpec().editFirstContainer().editFirstVolumeMount()
                .withSubPath("/etc").endVolumeMount().endContainer().endSpec().build();
        assertThatThrownBy(() -> manager.makeMounts(absolute, absolute.getSpec().getContainers().getFirst(),
                java.util.Map.of())).hasMessage("error SubPath `/etc` must not be an absolute path");
    }

    @Test
    void recursiveReadOnlyEnabledAndBlockDevicesAreRefusedNotIgnored() {
        VolumeManager manager = manager();
        Pod pod = pod("u10").editSpec()
                .addNewVolume().withName("v").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewContainer().withName("a").addNewVolumeMount().withName("v").withMountPath("/v").withReadOnly(true)
                .withRecursiveReadOnly("Enabled").endVolumeMount().endContainer().endSpec().build();
        manager.waitForAttachAndMount(pod);
        assertThatThrownBy(() -> manager.makeMounts(pod, pod.getSpec().getContainers().getFirst(), java.util.Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("recursiveReadOnly: Enabled");
        Pod block = new PodBuilder(pod).editSpec().editFirstContainer().editFirstVolumeMount()
                .withRecursiveReadOnly(null).endVolumeMount().addNewVolumeDevice().withName("v").withDevicePath("/dev/xvda")
                .endVolumeDevice().endContainer().endSpec().build();
        assertThatThrownBy(() -> manager.makeMounts(block, block.getSpec().getContainers().getFirst(), java.util.Map.of()))
                .hasMessageContaining("volumeDevices");
    }

    @Test
    void theReconcilerProjectsAChangedConfigMapAndDownwardApiIntoRunningPodsAndAMissingOneIsReported() throws Exception {
        java.util.Map<String, String> data = new java.util.concurrent.ConcurrentHashMap<>(java.util.Map.of("k", "v1"));
        dev.j8s.kubelet.envvars.EnvSources objects = new dev.j8s.kubelet.envvars.EnvSources() {
            @Override
            public java.util.Optional<io.fabric8.kubernetes.api.model.Secret> secret(String ns, String name) {
                return java.util.Optional.empty();
            }

            @Override
            public java.util.Optional<io.fabric8.kubernetes.api.model.ConfigMap> configMap(String ns, String name) {
                return data.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(
                        new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName(name)
                                .endMetadata().withData(java.util.Map.copyOf(data)).build());
            }

            @Override
            public java.util.List<io.fabric8.kubernetes.api.model.Service> services(String ns) {
                return java.util.List.of();
            }
        };
        VolumeManager manager = new VolumeManager(dir.resolve("pods"), events, 1L << 30, objects,
                () -> new dev.j8s.kubelet.envvars.DownwardApi.Node(java.util.List.of(), java.util.Map.of()),
                java.time.Clock.systemUTC(), java.util.Optional.empty());
        Pod pod = pod("u11").editMetadata().addToLabels("app", "one").endMetadata().editSpec()
                .addNewVolume().withName("cfg").withNewConfigMap().withName("app").endConfigMap().endVolume()
                .addNewVolume().withName("info").withNewDownwardAPI().addNewItem().withPath("labels").withNewFieldRef()
                .withFieldPath("metadata.labels").endFieldRef().endItem().endDownwardAPI().endVolume()
                .addNewContainer().withName("a").addNewVolumeMount().withName("cfg").withMountPath("/cfg").endVolumeMount()
                .addNewVolumeMount().withName("info").withMountPath("/info").endVolumeMount().endContainer()
                .endSpec().build();
        assertThat(manager.waitForAttachAndMount(pod)).isInstanceOf(VolumeManager.MountResult.Ready.class);
        Path cfg = dir.resolve("pods/u11/volumes/kubernetes.io~configmap/cfg");
        Path first = Files.readSymbolicLink(cfg.resolve("..data"));
        assertThat(cfg.resolve("k")).hasContent("v1");
        assertThat(manager.makeMounts(pod, pod.getSpec().getContainers().getFirst(), java.util.Map.of()))
                .allMatch(ContainerConfig.Mount::readOnly);

        data.put("k", "v2");
        manager.reconcile();
        assertThat(cfg.resolve("k")).hasContent("v2");
        assertThat(Files.readSymbolicLink(cfg.resolve("..data"))).isNotEqualTo(first);

        Pod relabelled = new PodBuilder(pod).editMetadata().addToLabels("app", "two").endMetadata().build();
        manager.waitForAttachAndMount(relabelled);
        assertThat(dir.resolve("pods/u11/volumes/kubernetes.io~downward-api/info/labels")).hasContent("app=\"two\"");

        data.clear();
        manager.reconcile();
        assertThat(cfg.resolve("k")).as("the old files stay").hasContent("v2");
        assertThat(events.lines()).containsExactly("Warning FailedMount MountVolume.SetUp failed for volume \"cfg\" :"
                + " configmap \"app\" not found");
    }
}
