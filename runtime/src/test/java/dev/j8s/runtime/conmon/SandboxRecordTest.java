package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.PodSandboxConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxRecordTest {

    @Test
    void aSandboxWithHostNamespacesSysctlsAndPodLimitsIsRecordedAndReadBack(@TempDir Path dir) throws Exception {
        PodSandboxConfig config = PodSandboxConfig.of("web", "default", "u1", "web").withLinux(
                new PodSandboxConfig.Linux(true, true, false, Map.of("kernel.shm_rmid_forced", "1"),
                        new PodSandboxConfig.PodResources(1024, 50_000, 100_000, 64 << 20, 4096)));
        Meta.Sandbox sandbox = new Meta.Sandbox("id", config, "2026-01-01T00:00:00Z", "READY", List.of(),
                Meta.PidHolder.NONE);

        Meta.write(dir.resolve("sandbox.json"), sandbox);

        assertThat(Meta.read(dir.resolve("sandbox.json"), Meta.Sandbox.class)).contains(sandbox);
    }

    @Test
    void aSandboxRecordedBeforeLinuxOptionsExistedReadsWithTheDefaults(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("sandbox.json"), """
                {"id":"id","config":{"name":"web","namespace":"default","uid":"u1","attempt":0,"hostname":"web",
                "dns":{"servers":[],"searches":[],"options":[]},"portMappings":[],"sharedPidNamespace":false,
                "labels":{},"annotations":{}},"createdAt":"2026-01-01T00:00:00Z","state":"READY","ips":[]}
                """);

        assertThat(Meta.read(dir.resolve("sandbox.json"), Meta.Sandbox.class).orElseThrow().config().linux())
                .isEqualTo(PodSandboxConfig.Linux.DEFAULT);
    }
}
