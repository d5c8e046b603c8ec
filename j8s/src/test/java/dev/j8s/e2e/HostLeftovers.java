package dev.j8s.e2e;

import dev.j8s.runtime.RuntimeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a j8s instance can leave on the host outside its processes — mounts, its bridge, its nftables tables, its
 * cgroups, its run dir — looked up by the names the instance derives from its data dir. The e2e fixtures tear every
 * instance down with {@code j8s reset} and then require {@link #of} to be empty, so that a cleanup that leaks fails
 * the test class that caused it instead of surfacing later as a stray table or mount.
 */
final class HostLeftovers {

    private HostLeftovers() {
    }

    /**
     * Everything of the instance on {@code dataDir} (run dir {@code runDir}) still on the host, one line each; mounts
     * are looked for under {@code root} (the data dir's temporary parent) and the run dir.
     */
    static List<String> of(Path dataDir, Path runDir, Path root) {
        RuntimeConfig instance = J8sServer.runtimeConfig(dataDir);
        List<String> left = new ArrayList<>();
        for (String mount : mountsUnder(root, runDir)) {
            left.add("mount " + mount);
        }
        if (Files.exists(Path.of("/sys/class/net", instance.bridgeName()))) {
            left.add("bridge " + instance.bridgeName());
        }
        for (String line : run("nft", "list", "tables").lines().toList()) {
            if (line.contains(instance.networkName() + "-")) {
                left.add("nftables " + line.strip());
            }
        }
        for (Path hierarchy : cgroupHierarchies()) {
            Path cgroup = hierarchy.resolve(instance.cgroupParent().substring(1));
            if (Files.isDirectory(cgroup)) {
                left.add("cgroup " + cgroup);
            }
        }
        if (Files.exists(runDir)) {
            left.add("run dir " + runDir);
        }
        return left;
    }

    /** The mount points at or below any of {@code dirs}, as this process's mount table lists them. */
    static List<String> mountsUnder(Path... dirs) {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String point = line.split(" ")[4];
                for (Path dir : dirs) {
                    if (point.equals(dir.toString()) || point.startsWith(dir + "/")) {
                        out.add(point);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read /proc/self/mountinfo", e);
        }
        return out;
    }

    /** The cgroup hierarchies: the unified root on cgroup v2, else one directory per v1 controller mount. */
    static List<Path> cgroupHierarchies() {
        Path root = Path.of("/sys/fs/cgroup");
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            return List.of(root);
        }
        try (Stream<Path> list = Files.list(root)) {
            return list.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("list " + root, e);
        }
    }

    /** Runs {@code command} to completion; its stdout and stderr together. */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("run " + List.of(command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + List.of(command), e);
        }
    }
}
