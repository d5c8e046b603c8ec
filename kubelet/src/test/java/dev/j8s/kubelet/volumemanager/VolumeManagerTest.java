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
    void aDiskSizeLimitIsReportedOnceAsNotEnforced() {
        VolumeManager manager = manager();
        Pod pod = pod("u5").editSpec()
                .addNewVolume().withName("cache").withNewEmptyDir().withSizeLimit(new Quantity("100Mi")).endEmptyDir()
                .endVolume()
                .addNewContainer().withName("a").addNewVolumeMount().withName("cache").withMountPath("/cache")
                .endVolumeMount().endContainer().endSpec().build();
        manager.waitForAttachAndMount(pod);
        manager.waitForAttachAndMount(pod);
        assertThat(events.lines()).containsExactly("Warning SizeLimitNotEnforced emptyDir volume \"cache\" has"
                + " sizeLimit 100Mi, which j8s does not enforce yet: nothing evicts the pod when the volume grows"
                + " past it");
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
}
