package dev.j8s.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension for the pod tests of one class: skips the class unless pods can run here, then a
 * {@link LocalRegistry} in a temp dir with the busybox image pushed under the given tags; after the class
 * it deletes the shared server's pods (if the class has one) and removes the registry. Register it on a
 * static field declared after the {@link ServerExtension} (so it ends first, while the server still runs);
 * not thread-safe.
 */
final class BusyboxRegistry implements BeforeAllCallback, AfterAllCallback {

    private final ServerExtension servers;
    private final List<String> tags;
    private LocalRegistry registry;

    private BusyboxRegistry(ServerExtension servers, List<String> tags) {
        this.servers = servers;
        this.tags = List.copyOf(tags);
    }

    /** A registry holding {@code busybox:<tag>} for every tag, for the pods of {@code servers}' shared server. */
    static BusyboxRegistry pushing(ServerExtension servers, String... tags) {
        return new BusyboxRegistry(servers, List.of(tags));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        LocalRegistry.assumePodsCanRun();
        registry = LocalRegistry.startInTempDir();
        registry.pushBusybox(tags);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (registry != null) {
            if (servers.hasSharedServer()) {
                servers.kubectl().run("delete", "pods", "--all", "--grace-period=1", "--wait=true");
            }
            registry.close();
        }
    }

    /** The registry's {@code host:port}. */
    String host() {
        return registry.host();
    }

    /** Pushes tag {@code tag} of an OCI layout as {@code <host>/<name>}; returns the image reference. */
    String pushLayout(java.nio.file.Path layout, String tag, String name) {
        return registry.pushLayout(layout, tag, name);
    }

    /**
     * Pushes busybox with {@code files} added (path in the image to a host file) as {@code <host>/<name>:<tag>};
     * returns that reference.
     */
    String pushBusyboxWith(String name, String tag, java.util.Map<String, java.nio.file.Path> files) {
        registry.pushBusybox(name, List.of(tag), files);
        return host() + "/" + name + ":" + tag;
    }

    /**
     * Runs pod {@code name} of {@code busybox:<tag>} whose shell sleeps until SIGTERM (an exec target), and waits
     * until it is Running.
     */
    void runShell(String name, String tag) {
        Kubectl kubectl = servers.kubectl();
        kubectl.run("run", name, "--image=" + image(tag), "--",
                "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done").ok();
        Await.until(LocalRegistry.timeout(), "pod " + name + " is Running",
                () -> kubectl.run("get", "pod", name).ok().cells(), cells -> cells.get(1).get(2).equals("Running"));
    }

    /** The busybox image reference with {@code tag}. */
    String image(String tag) {
        return host() + "/busybox:" + tag;
    }
}
