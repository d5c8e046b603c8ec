package dev.j8s.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The exclusive lock on a data dir: one process at a time may use it. {@code j8s server} holds it while it runs;
 * {@code j8s images} (when no server runs) and {@code j8s reset} hold it while they work. The lock is an
 * {@code fcntl} lock on {@code <data-dir>/j8s.lock}, which the kernel drops when the process ends, however it ends;
 * the file says who holds it ({@code <pid> <command>}), for the message another process shows. Acquiring is
 * thread-safe (a lock this JVM holds is refused like another process's); release with {@link #close()} or by exiting.
 */
final class DataDirLock implements AutoCloseable {
    static final String FILE = "j8s.lock";

    /** Thrown when another process holds the lock; the message names it. */
    static final class InUseException extends IllegalStateException {
        private final Holder holder;

        InUseException(Path dataDir, Holder holder) {
            super("data dir " + dataDir + " in use by pid " + holder.pid() + " (" + holder.command() + ")");
            this.holder = holder;
        }

        Holder holder() {
            return holder;
        }
    }

    /** Who holds a lock: its pid and what it runs ({@code j8s server}, {@code j8s images pull}, …). */
    record Holder(long pid, String command) {
        /** Whether the holder runs a node (a server or an agent), which serves the images endpoint. */
        boolean server() {
            return command.equals(SERVER) || command.equals(AGENT);
        }

        boolean alive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    static final String SERVER = "j8s server";
    static final String AGENT = "j8s agent";

    /** The locks this JVM holds, by lock file. */
    private static final java.util.Map<Path, DataDirLock> HELD = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Holder holder;

    private DataDirLock(Path file, FileChannel channel, FileLock lock, Holder holder) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.holder = holder;
    }

    /**
     * Takes the lock of {@code dataDir} (creating the directory when missing) for {@code command}.
     *
     * @throws InUseException {@code data dir <dir> in use by pid <pid> (<command>)} when another process holds it
     */
    static synchronized DataDirLock acquire(Path dataDir, String command) {
        Path file = dataDir.resolve(FILE).toAbsolutePath().normalize();
        // Held in this JVM: say so without opening the file, since closing any descriptor of a file drops the
        // process's POSIX locks on it.
        DataDirLock mine = HELD.get(file);
        if (mine != null) {
            throw new InUseException(dataDir, mine.holder);
        }
        FileChannel channel = null;
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) {
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another process made it first: it is the same lock file
                }
            }
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                Holder holder = readHolder(channel).orElse(new Holder(0, "unknown"));
                channel.close();
                throw new InUseException(dataDir, holder);
            }
            Holder me = new Holder(ProcessHandle.current().pid(), command);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((me.pid() + " " + me.command() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            DataDirLock held = new DataDirLock(file, channel, lock, me);
            HELD.put(file, held);
            return held;
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new UncheckedIOException("lock data dir " + dataDir, e);
        }
    }

    /** The holder named in a lock file, read through the locked channel (closing another descriptor of the file would drop a POSIX lock). */
    private static Optional<Holder> readHolder(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(256);
        // the holder writes its line right after locking: give it a moment
        for (int attempt = 0; attempt < 50; attempt++) {
            buf.clear();
            int n = channel.read(buf, 0);
            String text = n <= 0 ? "" : new String(buf.array(), 0, n, StandardCharsets.UTF_8).strip();
            int space = text.indexOf(' ');
            if (space > 0) {
                try {
                    return Optional.of(new Holder(Long.parseLong(text.substring(0, space)), text.substring(space + 1)));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        HELD.remove(file, this);
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("release the data dir lock", e);
        }
    }
}
