package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.PodSandboxConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodCgroupsTest {

    @Test
    void onCgroupV1ThePodCgroupGetsItsLimitsInEachController(@TempDir Path root) throws Exception {
        for (String hierarchy : java.util.List.of("pids", "memory", "cpu,cpuacct", "freezer")) {
            Files.createDirectories(root.resolve(hierarchy));
        }
        PodCgroups cgroups = new PodCgroups("/j8s-1234abcd", root);

        cgroups.ensureParent(1L << 30);
        cgroups.create("u1", new PodSandboxConfig.PodResources(512, 50_000, 100_000, 64L << 20, 4096));

        assertThat(root.resolve("memory/j8s-1234abcd/memory.limit_in_bytes")).hasContent(Long.toString(1L << 30));
        assertThat(root.resolve("pids/j8s-1234abcd/podu1/pids.max")).hasContent("4096");
        assertThat(root.resolve("memory/j8s-1234abcd/podu1/memory.limit_in_bytes")).hasContent(Long.toString(64L << 20));
        assertThat(root.resolve("cpu,cpuacct/j8s-1234abcd/podu1/cpu.shares")).hasContent("512");
        assertThat(root.resolve("cpu,cpuacct/j8s-1234abcd/podu1/cpu.cfs_quota_us")).hasContent("50000");
        assertThat(root.resolve("freezer/j8s-1234abcd")).as("runc makes the others").doesNotExist();
    }

    @Test
    void onCgroupV2TheLimitsAreTheUnifiedFiles(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        PodCgroups cgroups = new PodCgroups("/j8s-1234abcd", root);
        cgroups.ensureParent(0);
        Files.writeString(root.resolve("j8s-1234abcd/cgroup.controllers"), "cpu memory pids\n");

        cgroups.create("u1", new PodSandboxConfig.PodResources(2, 0, 0, 0, 100));

        assertThat(root.resolve("cgroup.subtree_control")).hasContent("+memory +pids +cpu");
        assertThat(root.resolve("j8s-1234abcd/podu1/pids.max")).hasContent("100");
        assertThat(root.resolve("j8s-1234abcd/podu1/cpu.weight")).hasContent("1");
        assertThat(root.resolve("j8s-1234abcd/podu1/memory.max")).doesNotExist();
    }

    @Test
    void aContainerScoreBelowWhatThisProcessMayGiveIsRaisedToIt() {
        var config = dev.j8s.runtime.ContainerConfig.of("c", "busybox", java.util.List.of(Path.of("/l")),
                java.util.List.of("sh"), Path.of("/log"));
        var guaranteed = config.withResources(dev.j8s.runtime.ContainerConfig.Resources.NONE.withOomScoreAdj(-997));

        assertThat(ConmonRuntime.restrictOomScoreAdj(guaranteed, 0).resources().oomScoreAdj().getAsInt()).isZero();
        assertThat(ConmonRuntime.restrictOomScoreAdj(guaranteed, -1000).resources().oomScoreAdj().getAsInt())
                .isEqualTo(-997);
        assertThat(ConmonRuntime.restrictOomScoreAdj(config, 0).resources().oomScoreAdj()).isEmpty();
    }
}
