package dev.j8s.kubelet.lifecycle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The durable record of lifecycle hooks per container instance, beyond upstream: before a hook runs its start is
 * written, after it its outcome, each line forced to disk ({@code fsync}) before the kubelet goes on. A kubelet that
 * restarts reads it back: a postStart whose last record is a start was interrupted and runs again (at least once), one
 * with an outcome never runs again; a preStop likewise. One file per pod, {@code <pods>/<uid>/hook-journal}, of lines
 * {@code <epoch-millis> <container-id> <hook> <state>}; it is compacted to the last state per instance and hook when it
 * grows, and removed with the pod.
 *
 * <p>Thread-safe: writes for one pod are serialized, and the last state of each pod's entries is cached after the
 * first read.
 */
public final class HookJournal {

    private static final System.Logger LOG = System.getLogger(HookJournal.class.getName());
    static final String FILE = "hook-journal";
    /** Lines past which the file is rewritten with the last state per instance and hook. */
    static final int COMPACT_AFTER = 256;

    /** What is known of one hook run of one container instance. */
    public enum State {
        /** It was started and has not reported an outcome (yet, or ever: the kubelet stopped meanwhile). */
        STARTED,
        SUCCEEDED,
        FAILED,
        /** It was stopped: the pod was deleted, or the grace period ran out. */
        CANCELLED;

        static State parse(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    private record Key(String containerId, Hook hook) {}

    /** One pod's journal: its cached last states and the number of lines its file holds. */
    private static final class PodJournal {
        final Map<Key, State> states = new LinkedHashMap<>();
        int lines;
    }

    private final Path podsDir;
    private final Clock clock;
    private final Map<String, PodJournal> pods = new ConcurrentHashMap<>();

    /** @param podsDir the directory holding one directory per pod UID ({@code <data>/pods}) */
    public HookJournal(Path podsDir, Clock clock) {
        this.podsDir = podsDir;
        this.clock = clock;
    }

    /** Records, durably, that {@code hook} of container {@code containerId} of pod {@code podUid} starts now. */
    public void started(String podUid, String containerId, Hook hook) {
        record(podUid, containerId, hook, State.STARTED);
    }

    /** Records, durably, the outcome of a hook run. */
    public void finished(String podUid, String containerId, Hook hook, State outcome) {
        if (outcome == State.STARTED) {
            throw new IllegalArgumentException("an outcome is not a start");
        }
        record(podUid, containerId, hook, outcome);
    }

    /** The last state recorded for a hook of one container instance; empty when none was (an older kubelet ran it). */
    public Optional<State> last(String podUid, String containerId, Hook hook) {
        PodJournal journal = load(podUid);
        synchronized (journal) {
            return Optional.ofNullable(journal.states.get(new Key(containerId, hook)));
        }
    }

    /** The container instances of a pod whose {@code hook} was started and never finished. */
    public Set<String> interrupted(String podUid, Hook hook) {
        PodJournal journal = load(podUid);
        Set<String> ids = new HashSet<>();
        synchronized (journal) {
            journal.states.forEach((k, v) -> {
                if (k.hook() == hook && v == State.STARTED) {
                    ids.add(k.containerId());
                }
            });
        }
        return ids;
    }

    /** Removes a pod's journal (the pod is gone from the node). */
    public void forget(String podUid) {
        pods.remove(podUid);
        Path dir = podsDir.resolve(podUid);
        try {
            Files.deleteIfExists(dir.resolve(FILE));
            Files.deleteIfExists(dir.resolve(FILE + ".tmp"));
            try {
                Files.deleteIfExists(dir); // only when nothing else (volumes) lives there any more
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                // the volume manager removes the rest
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot remove hook journal of pod uid=" + podUid + ": " + e);
        }
    }

    private void record(String podUid, String containerId, Hook hook, State state) {
        if (containerId.isEmpty() || containerId.contains(" ") || containerId.contains("\n")) {
            throw new IllegalArgumentException("invalid container id \"" + containerId + "\"");
        }
        PodJournal journal = load(podUid);
        synchronized (journal) {
            journal.states.remove(new Key(containerId, hook)); // keep insertion order = order of last change
            journal.states.put(new Key(containerId, hook), state);
            Path file = podsDir.resolve(podUid).resolve(FILE);
            try {
                if (journal.lines >= COMPACT_AFTER) {
                    rewrite(file, journal);
                } else {
                    append(file, line(containerId, hook, state));
                    journal.lines++;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("write hook journal " + file, e);
            }
        }
    }

    private String line(String containerId, Hook hook, State state) {
        return clock.millis() + " " + containerId + " " + hook.field() + " " + state.name().toLowerCase(
                java.util.Locale.ROOT) + "\n";
    }

    /** Appends one line and forces it to disk; a new file's directory entry is forced too. */
    private static void append(Path file, String line) throws IOException {
        boolean created = !Files.exists(file);
        if (created) {
            createDirectoryDurably(file.getParent());
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        if (created) {
            forceDirectory(file.getParent());
        }
    }

    /** Writes the last states to a new file, forces it, renames it over the journal and forces the directory. */
    private void rewrite(Path file, PodJournal journal) throws IOException {
        createDirectoryDurably(file.getParent());
        Path tmp = file.resolveSibling(FILE + ".tmp");
        StringBuilder text = new StringBuilder();
        journal.states.forEach((k, v) -> text.append(line(k.containerId(), k.hook(), v)));
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        forceDirectory(file.getParent());
        journal.lines = journal.states.size();
    }

    private static void createDirectoryDurably(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            forceDirectory(dir.getParent());
        }
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** The pod's journal, read from its file on first use. */
    private PodJournal load(String podUid) {
        return pods.computeIfAbsent(podUid, uid -> {
            PodJournal journal = new PodJournal();
            Path file = podsDir.resolve(uid).resolve(FILE);
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] f = line.strip().split(" ");
                    if (f.length != 4) {
                        continue; // a torn last line of a write the crash interrupted: it never completed
                    }
                    Hook hook = f[2].equals(Hook.POST_START.field()) ? Hook.POST_START
                            : f[2].equals(Hook.PRE_STOP.field()) ? Hook.PRE_STOP : null;
                    try {
                        if (hook != null) {
                            Key key = new Key(f[1], hook);
                            journal.states.remove(key);
                            journal.states.put(key, State.parse(f[3]));
                        }
                    } catch (IllegalArgumentException e) {
                        LOG.log(Level.WARNING, "ignoring a malformed hook journal line file=" + file + " line=" + line);
                    }
                    journal.lines++;
                }
            } catch (NoSuchFileException e) {
                // no hook ran for this pod yet
            } catch (IOException e) {
                throw new UncheckedIOException("read hook journal " + file, e);
            }
            return journal;
        });
    }

    /** The cached states of a pod, for tests. */
    Map<String, State> statesOf(String podUid, Hook hook) {
        PodJournal journal = load(podUid);
        Map<String, State> out = new HashMap<>();
        synchronized (journal) {
            journal.states.forEach((k, v) -> {
                if (k.hook() == hook) {
                    out.put(k.containerId(), v);
                }
            });
        }
        return out;
    }
}
