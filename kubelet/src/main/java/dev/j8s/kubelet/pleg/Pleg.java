package dev.j8s.kubelet.pleg;

import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ContainerStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Tells the pod workers which pods' containers changed state (upstream's {@code GenericPLEG}): it wakes on
 * conmon's exit files appearing in the exits directory (a {@link WatchService}) and relists the runtime at
 * most once per {@link #RELIST_PERIOD}, and only while pods exist; no busy polling. Thread-safe.
 */
public final class Pleg implements AutoCloseable {

    /** The longest a state change can go unnoticed while pods exist. */
    public static final Duration RELIST_PERIOD = Duration.ofSeconds(1);
    /** The container label holding the pod UID. */
    public static final String POD_UID_LABEL = "io.kubernetes.pod.uid";
    private static final System.Logger LOG = System.getLogger(Pleg.class.getName());

    private final ContainerRuntime runtime;
    private final Path exitsDir;
    private final BooleanSupplier podsExist;
    private final Consumer<String> changed;
    private final WatchService watcher;
    private final Map<String, String> lastStates = new HashMap<>();
    private Thread thread;

    /**
     * @param podsExist whether any pod worker exists (relists stop when false)
     * @param changed receives the UID of each pod one of whose containers changed state
     */
    public Pleg(ContainerRuntime runtime, Path exitsDir, BooleanSupplier podsExist, Consumer<String> changed) {
        this.runtime = runtime;
        this.exitsDir = exitsDir;
        this.podsExist = podsExist;
        this.changed = changed;
        try {
            Files.createDirectories(exitsDir);
            this.watcher = FileSystems.getDefault().newWatchService();
            exitsDir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
            throw new UncheckedIOException("watch exit files in " + exitsDir, e);
        }
    }

    public synchronized void start() {
        relist(); // the baseline: what runs now is not a change
        thread = Thread.ofVirtual().name("pleg").start(this::loop);
    }

    private void loop() {
        try {
            while (true) {
                WatchKey key = podsExist.getAsBoolean()
                        ? watcher.poll(RELIST_PERIOD.toMillis(), TimeUnit.MILLISECONDS)
                        : watcher.poll(10, TimeUnit.SECONDS); // re-checks whether pods appeared
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    Thread.sleep(20); // let conmon finish writing; one relist covers a burst of exits
                    drain();
                }
                if (key != null || podsExist.getAsBoolean()) {
                    relist();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    private void drain() {
        WatchKey more;
        while ((more = watcher.poll()) != null) {
            more.pollEvents();
            more.reset();
        }
    }

    /** Compares every container's state with the last relist and reports the pods that changed. */
    synchronized void relist() {
        Set<String> pods = new HashSet<>();
        Map<String, String> now = new HashMap<>();
        try {
            for (ContainerStatus c : runtime.listContainers()) {
                String state = switch (c.state()) {
                    case ContainerState.Created x -> "created";
                    case ContainerState.Running x -> "running";
                    case ContainerState.Exited x -> "exited";
                    case ContainerState.Unknown x -> "unknown";
                };
                now.put(c.id(), state);
                if (!state.equals(lastStates.get(c.id()))) {
                    pods.add(c.labels().getOrDefault(POD_UID_LABEL, ""));
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "relist failed: " + e.getMessage());
            return;
        }
        lastStates.clear();
        lastStates.putAll(now);
        pods.remove("");
        pods.forEach(changed);
    }

    @Override
    public synchronized void close() {
        try {
            watcher.close();
        } catch (IOException e) {
            // nothing to release beyond the watch
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
