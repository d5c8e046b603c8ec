package dev.j8s.apiserver.storage;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.UnaryOperator;

/**
 * The {@link Store} on one SQLite file (WAL, {@code synchronous=FULL}) with every object and a
 * tail of the change log held in memory, the way upstream's cacher fronts etcd. Thread-safe.
 *
 * <p>Writes are serialized by one lock and committed in groups: each write stages its statements (object
 * row, change-log row, revision counter, log trimming) in the open SQLite transaction under a savepoint,
 * then one of the writers waiting commits every staged write with one fsync (group commit). A write is
 * visible in memory, heard by watchers and returned only after the commit that holds it: acknowledged means
 * durable. Writers validate against the staged writes before the committed ones, so a group is the same
 * sequence of writes one at a time would have been; a failed commit fails every write of its group and
 * changes nothing. Reads are served from memory. The change log keeps the last
 * {@code retainedRevisions} revisions; a watch from an older revision is {@code Gone} with
 * upstream's text {@code too old resource version: N (M)}, where M is the newest revision no
 * longer in the log (staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go).
 *
 * <p>A row whose JSON cannot be decoded does not stop the store: it is logged at open, skipped by
 * lists and watches, and a get of its key fails with {@code InternalError} naming it. Such a row
 * may still be overwritten by {@link #update} or removed by {@link #delete} without a UID
 * precondition, so an operator can repair it through the API.
 */
public final class SqliteStore implements Store {

    /** The change-log window used by {@link #open(Path)}. */
    public static final int DEFAULT_RETAINED_REVISIONS = 10_000;

    /** Most change-log entries kept in memory; older replays read the SQLite log. */
    static final int DEFAULT_MEMORY_TAIL = 1_000;

    private static final System.Logger LOG = System.getLogger(SqliteStore.class.getName());
    private static final int SYNCHRONOUS_FULL = 2;

    private final Path file;
    private final int retainedRevisions;
    private final int tailCapacity;
    private final Connection connection;
    private final PreparedStatement insertObject;
    private final PreparedStatement updateObject;
    private final PreparedStatement deleteObject;
    private final PreparedStatement insertChange;
    private final PreparedStatement trimChanges;
    private final PreparedStatement setMeta;

    /**
     * Serializes staging, commits, watch registration and every use of {@link #connection}. Fair, so that
     * writers staging while a commit runs get in before the next commit and share it.
     */
    private final ReentrantLock writeLock = new ReentrantLock(true);
    /** Guards {@link #objects} and {@link #revision} together, so a list sees one revision. */
    private final ReentrantReadWriteLock memoryLock = new ReentrantReadWriteLock();

    private final Map<String, TreeMap<NsName, Row>> objects = new HashMap<>();
    private volatile long revision;
    /** The newest revision trimmed from the log (0 when nothing was); guarded by writeLock. */
    private long compacted;
    /** The newest changes in revision order; guarded by writeLock. */
    private final ArrayDeque<WatchEvent> tail = new ArrayDeque<>();
    /** The tail holds every change after this revision; guarded by writeLock. */
    private long tailFloor;
    private final CopyOnWriteArrayList<Watcher> watchers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** The newest revision staged (equal to {@link #revision} when nothing is); guarded by writeLock. */
    private long stagedRevision;
    /** The compacted revision after the staged writes; guarded by writeLock. */
    private long stagedCompacted;
    /** What the staged writes leave at their keys (null: deleted), by resource; guarded by writeLock. */
    private final Map<String, Map<NsName, Staged>> staged = new HashMap<>();
    /** The writes staged in the open transaction, in revision order; guarded by writeLock. */
    private Group group = new Group();
    /** The newest revision a finished commit made durable. */
    private volatile long durableRevision;
    /** SQLite commits of writes so far (a group is one), for tests and diagnostics. */
    private volatile long commits;

    /** The state a staged write leaves at its key ({@code row} null when it deleted it). */
    private record Staged(Row row) {}

    /** One write waiting for its commit: what to publish once it is durable. */
    private record Pending(WatchEvent event, Row row, long compactedAfter) {}

    /** The writes of one commit; its fields are guarded by writeLock. */
    private static final class Group {
        final List<Pending> writes = new ArrayList<>();
        boolean done;
        RuntimeException failure;
    }

    private SqliteStore(Path file, Connection connection, int retainedRevisions, int tailCapacity) throws SQLException {
        this.file = file;
        this.connection = connection;
        this.retainedRevisions = retainedRevisions;
        this.tailCapacity = tailCapacity;
        configure();
        createSchema();
        load();
        connection.setAutoCommit(false);
        insertObject = connection.prepareStatement(
                "INSERT INTO objects (resource, namespace, name, revision, object) VALUES (?, ?, ?, ?, ?)");
        updateObject = connection.prepareStatement(
                "UPDATE objects SET revision = ?, object = ? WHERE resource = ? AND namespace = ? AND name = ?");
        deleteObject = connection.prepareStatement(
                "DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?");
        insertChange = connection.prepareStatement(
                "INSERT INTO changelog (revision, type, resource, namespace, name, object) VALUES (?, ?, ?, ?, ?, ?)");
        trimChanges = connection.prepareStatement("DELETE FROM changelog WHERE revision <= ?");
        setMeta = connection.prepareStatement("UPDATE meta SET value = ? WHERE key = ?");
        trimToWindow();
        stagedRevision = revision;
        stagedCompacted = compacted;
        durableRevision = revision;
    }

    /**
     * Creates the database file with mode 0600 before SQLite opens it (SQLite gives the {@code -wal} and
     * {@code -shm} files the database's mode), and takes group and others' permissions away from the files
     * an older run left readable (logged): they hold every Secret.
     */
    static void makePrivate(Path file) {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            // an existing store: checked below
        } catch (IOException e) {
            throw new StorageException("open store " + file + ": create: " + e.getMessage(), e);
        }
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            Path f = file.resolveSibling(file.getFileName() + suffix);
            try {
                if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(f);
                Set<PosixFilePermission> owner = EnumSet.noneOf(PosixFilePermission.class);
                mode.stream().filter(p -> p.name().startsWith("OWNER_")).forEach(owner::add);
                if (!owner.equals(mode)) {
                    Files.setPosixFilePermissions(f, owner);
                    LOG.log(Level.WARNING, "store file was open to other users, made private file={0} mode={1} now={2}",
                            f, PosixFilePermissions.toString(mode), PosixFilePermissions.toString(owner));
                }
            } catch (IOException e) {
                throw new StorageException("open store " + file + ": restrict the mode of " + f + ": " + e.getMessage(), e);
            }
        }
    }

    /** Opens (or creates, with its parent directories) the store at {@code dbFile}. */
    public static SqliteStore open(Path dbFile) {
        return open(dbFile, DEFAULT_RETAINED_REVISIONS);
    }

    /** Opens the store keeping the last {@code retainedRevisions} changes for watch replay. */
    public static SqliteStore open(Path dbFile, int retainedRevisions) {
        return open(dbFile, retainedRevisions, DEFAULT_MEMORY_TAIL);
    }

    static SqliteStore open(Path dbFile, int retainedRevisions, int memoryTail) {
        if (retainedRevisions < 1 || memoryTail < 1) {
            throw new IllegalArgumentException("open store " + dbFile + ": retainedRevisions=" + retainedRevisions
                    + " memoryTail=" + memoryTail + " must be positive");
        }
        Path file = dbFile.toAbsolutePath();
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new StorageException("open store " + file + ": create directory: " + e.getMessage(), e);
        }
        makePrivate(file);
        Connection connection;
        try {
            connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        } catch (SQLException e) {
            throw new StorageException("open store " + file + ": " + e.getMessage(), e);
        }
        try {
            return new SqliteStore(file, connection, retainedRevisions, Math.min(memoryTail, retainedRevisions));
        } catch (SQLException | RuntimeException e) {
            try {
                connection.close();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof StorageException se) {
                throw se;
            }
            throw new StorageException("open store " + file + ": " + e.getMessage(), e);
        }
    }

    // ---- start-up ----------------------------------------------------------------------------

    private void configure() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA busy_timeout = 10000");
            String mode = queryString(s, "PRAGMA journal_mode = WAL");
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new StorageException("open store " + file + ": journal_mode is " + mode + " after setting WAL");
            }
            s.execute("PRAGMA synchronous = FULL");
            // The effective default depends on compile flags, so read back what is in effect.
            long sync = Long.parseLong(queryString(s, "PRAGMA synchronous"));
            if (sync != SYNCHRONOUS_FULL) {
                throw new StorageException("open store " + file + ": synchronous is " + sync
                        + " after setting FULL (" + SYNCHRONOUS_FULL + "); writes would not be durable");
            }
        }
    }

    private void createSchema() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("""
                    CREATE TABLE IF NOT EXISTS objects (
                      resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
                      revision INTEGER NOT NULL, object TEXT NOT NULL,
                      PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS changelog (
                      revision INTEGER PRIMARY KEY, type TEXT NOT NULL, resource TEXT NOT NULL,
                      namespace TEXT NOT NULL, name TEXT NOT NULL, object TEXT NOT NULL)""");
            s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            s.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('revision', 0), ('compacted', 0)");
        }
    }

    private void load() throws SQLException {
        try (Statement s = connection.createStatement()) {
            long rev = queryLong(s, "SELECT value FROM meta WHERE key = 'revision'");
            // The counter is written in the same transaction as every row; max() only guards a hand-edited file.
            rev = Math.max(rev, queryLong(s, "SELECT coalesce(max(revision), 0) FROM changelog"));
            rev = Math.max(rev, queryLong(s, "SELECT coalesce(max(revision), 0) FROM objects"));
            revision = rev;
            compacted = queryLong(s, "SELECT value FROM meta WHERE key = 'compacted'");
            int unreadable = 0;
            try (ResultSet rs = s.executeQuery("SELECT resource, namespace, name, revision, object FROM objects")) {
                while (rs.next()) {
                    String resource = rs.getString(1);
                    String namespace = rs.getString(2);
                    String name = rs.getString(3);
                    if (resource == null || namespace == null || name == null) {
                        LOG.log(Level.ERROR, "stored object without a key skipped file={0} resource={1} namespace={2} name={3}",
                                file, resource, namespace, name);
                        continue;
                    }
                    long objectRevision = rs.getLong(4);
                    Row row = decode(rs.getString(5), objectRevision);
                    if (row instanceof Unreadable u) {
                        unreadable++;
                        LOG.log(Level.ERROR, "unreadable stored object kept as an error file={0} object={1} problem={2}",
                                file, path(resource, namespace, name), u.problem());
                    }
                    objects.computeIfAbsent(resource, r -> new TreeMap<>()).put(new NsName(namespace, name), row);
                }
            }
            loadTail();
            // Numbers as strings: the logger's MessageFormat would print 10000 as "10,000".
            LOG.log(Level.INFO, "store opened file={0} revision={1} compacted={2} unreadable={3}",
                    file, Long.toString(revision), Long.toString(compacted), Integer.toString(unreadable));
        }
    }

    private void loadTail() throws SQLException {
        List<WatchEvent> newestFirst = new ArrayList<>();
        int rows = 0;
        long oldestRow = Long.MAX_VALUE;
        try (PreparedStatement p = connection.prepareStatement(
                "SELECT revision, type, resource, namespace, name, object FROM changelog ORDER BY revision DESC LIMIT ?")) {
            p.setInt(1, tailCapacity);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    oldestRow = rs.getLong(1);
                    decodeChange(rs).ifPresent(newestFirst::add);
                }
            }
        }
        for (WatchEvent e : newestFirst.reversed()) {
            tail.addLast(e);
        }
        tailFloor = rows < tailCapacity ? compacted : oldestRow - 1;
    }

    // ---- reads -------------------------------------------------------------------------------

    @Override
    public long revision() {
        return revision;
    }

    @Override
    public Optional<ObjectNode> get(String resource, String namespace, String name) {
        ensureOpen();
        Row row;
        memoryLock.readLock().lock();
        try {
            row = lookup(resource, namespace, name);
        } finally {
            memoryLock.readLock().unlock();
        }
        return switch (row) {
            case null -> Optional.empty();
            case Readable r -> Optional.of(r.object().deepCopy());
            case Unreadable u -> throw unreadable(resource, namespace, name, u);
        };
    }

    @Override
    public Listing list(String resource, String namespace) {
        ensureOpen();
        List<ObjectNode> shared = new ArrayList<>();
        long at;
        memoryLock.readLock().lock();
        try {
            at = revision;
            for (Map.Entry<NsName, Row> e : rows(resource, namespace).entrySet()) {
                switch (e.getValue()) {
                    case Readable r -> shared.add(r.object());
                    case Unreadable u -> LOG.log(Level.WARNING, "unreadable stored object left out of a list object={0} problem={1}",
                            path(resource, e.getKey().namespace(), e.getKey().name()), u.problem());
                }
            }
        } finally {
            memoryLock.readLock().unlock();
        }
        // Stored trees are never changed after they are published, so copying outside the lock is safe.
        List<ObjectNode> items = new ArrayList<>(shared.size());
        for (ObjectNode o : shared) {
            items.add(o.deepCopy());
        }
        return new Listing(at, items);
    }

    // ---- writes ------------------------------------------------------------------------------

    @Override
    public Written createOwned(String resource, ObjectNode object) {
        String namespace = Json.namespace(object);
        String name = requireName(resource, object);
        Group mine;
        ObjectNode stored;
        String json;
        writeLock.lock();
        try {
            ensureOpen();
            if (current(resource, namespace, name) != null) {
                throw new ApiError.AlreadyExists(resource, name);
            }
            long rev = stagedRevision + 1;
            stored = withRevision(object, rev);
            String text = encode(resource, namespace, name, stored);
            json = text;
            mine = stage("create", resource, namespace, name, rev, WatchEvent.Type.ADDED, text, stored, new Readable(stored, rev), () -> {
                insertObject.setString(1, resource);
                insertObject.setString(2, namespace);
                insertObject.setString(3, name);
                insertObject.setLong(4, rev);
                insertObject.setString(5, text);
                insertObject.executeUpdate();
            });
        } finally {
            writeLock.unlock();
        }
        awaitCommit(mine);
        // the stored tree itself, read only by contract: the HTTP create answers with the text alone
        return new Written(stored, json);
    }

    @Override
    public ObjectNode update(String resource, ObjectNode object) {
        String namespace = Json.namespace(object);
        String name = requireName(resource, object);
        Group mine;
        ObjectNode stored;
        writeLock.lock();
        try {
            ensureOpen();
            Row current = current(resource, namespace, name);
            if (current == null) {
                throw new ApiError.NotFound(resource, name);
            }
            String expected = Json.text(object, "metadata.resourceVersion");
            if (!expected.isEmpty() && !expected.equals(Long.toString(current.revision()))) {
                throw new ApiError.Conflict(resource, name);
            }
            stored = object.deepCopy();
            mine = replace(resource, namespace, name, stored);
        } finally {
            writeLock.unlock();
        }
        awaitCommit(mine);
        return stored.deepCopy();
    }

    @Override
    public ObjectNode guaranteedUpdate(String resource, String namespace, String name, UnaryOperator<ObjectNode> change) {
        Group mine;
        ObjectNode stored;
        writeLock.lock();
        try {
            ensureOpen();
            ObjectNode current = switch (current(resource, namespace, name)) {
                case null -> throw new ApiError.NotFound(resource, name);
                case Unreadable u -> throw unreadable(resource, namespace, name, u);
                case Readable r -> r.object();
            };
            ObjectNode next = change.apply(current.deepCopy());
            if (next == null) {
                throw new ApiError.InternalError("update of " + path(resource, namespace, name) + " produced no object");
            }
            // Like upstream's GuaranteedUpdate, an unchanged object is not written again; when what it saw is
            // still being committed, it answers once that is durable.
            if (next.equals(current)) {
                stored = current;
                mine = isStaged(resource, namespace, name) ? group : null;
            } else {
                if (!Json.namespace(next).equals(namespace) || !Json.name(next).equals(name)) {
                    throw new ApiError.InternalError("update of " + path(resource, namespace, name) + " changed the object's key to "
                            + path(resource, Json.namespace(next), Json.name(next)));
                }
                stored = next.deepCopy();
                mine = replace(resource, namespace, name, stored);
            }
        } finally {
            writeLock.unlock();
        }
        if (mine != null) {
            awaitCommit(mine);
        }
        return stored.deepCopy();
    }

    /** Stages a new state of an existing key; the caller holds writeLock and owns {@code stored}. */
    private Group replace(String resource, String namespace, String name, ObjectNode stored) {
        long rev = stagedRevision + 1;
        withRevision(stored, rev);
        String json = encode(resource, namespace, name, stored);
        return stage("update", resource, namespace, name, rev, WatchEvent.Type.MODIFIED, json, stored, new Readable(stored, rev), () -> {
            updateObject.setLong(1, rev);
            updateObject.setString(2, json);
            updateObject.setString(3, resource);
            updateObject.setString(4, namespace);
            updateObject.setString(5, name);
            if (updateObject.executeUpdate() != 1) {
                throw new SQLException("no row for " + path(resource, namespace, name));
            }
        });
    }

    @Override
    public ObjectNode delete(String resource, String namespace, String name, String expectedUid, String expectedResourceVersion) {
        Group mine;
        ObjectNode last;
        writeLock.lock();
        try {
            ensureOpen();
            Row current = current(resource, namespace, name);
            if (current == null) {
                throw new ApiError.NotFound(resource, name);
            }
            if (!expectedUid.isEmpty()) {
                if (current instanceof Unreadable u) {
                    throw unreadable(resource, namespace, name, u);
                }
                String uid = Json.text(((Readable) current).object(), "metadata.uid");
                if (!expectedUid.equals(uid)) {
                    throw new ApiError.Conflict(resource, name,
                            "Precondition failed: UID in precondition: " + expectedUid + ", UID in object meta: " + uid);
                }
            }
            String storedVersion = Long.toString(current.revision());
            if (!expectedResourceVersion.isEmpty() && !expectedResourceVersion.equals(storedVersion)) {
                throw new ApiError.Conflict(resource, name, "Precondition failed: ResourceVersion in precondition: "
                        + expectedResourceVersion + ", ResourceVersion in object meta: " + storedVersion);
            }
            long rev = stagedRevision + 1;
            last = switch (current) {
                case Readable r -> r.object().deepCopy();
                case Unreadable u -> stub(namespace, name);
            };
            withRevision(last, rev);
            String json = encode(resource, namespace, name, last);
            mine = stage("delete", resource, namespace, name, rev, WatchEvent.Type.DELETED, json, last, null, () -> {
                deleteObject.setString(1, resource);
                deleteObject.setString(2, namespace);
                deleteObject.setString(3, name);
                deleteObject.executeUpdate();
            });
        } finally {
            writeLock.unlock();
        }
        awaitCommit(mine);
        return last.deepCopy();
    }

    /** What a key holds after the staged writes: theirs if one staged it, else the committed row. Under writeLock. */
    private Row current(String resource, String namespace, String name) {
        Map<NsName, Staged> byKey = staged.get(resource);
        Staged s = byKey == null ? null : byKey.get(new NsName(namespace, name));
        return s != null ? s.row() : lookup(resource, namespace, name);
    }

    private boolean isStaged(String resource, String namespace, String name) {
        Map<NsName, Staged> byKey = staged.get(resource);
        return byKey != null && byKey.containsKey(new NsName(namespace, name));
    }

    /**
     * Stages one write in the open transaction under a savepoint: the object statement, the change-log row, the
     * revision counter and trimming of the log. On failure the savepoint is rolled back and nothing else staged
     * or in memory has changed. The caller holds writeLock; it then waits for the returned group's commit.
     */
    private Group stage(String action, String resource, String namespace, String name, long rev,
                        WatchEvent.Type type, String json, ObjectNode eventObject, Row row, SqlWork objectStatement) {
        Savepoint savepoint = null;
        long compactedAfter = stagedCompacted;
        try {
            savepoint = connection.setSavepoint();
            objectStatement.run();
            insertChange.setLong(1, rev);
            insertChange.setString(2, type.name());
            insertChange.setString(3, resource);
            insertChange.setString(4, namespace);
            insertChange.setString(5, name);
            insertChange.setString(6, json);
            insertChange.executeUpdate();
            setMeta(rev, "revision");
            if (rev - compactedAfter > retainedRevisions) {
                compactedAfter = rev - retainedRevisions;
                trimChanges.setLong(1, compactedAfter);
                trimChanges.executeUpdate();
                setMeta(compactedAfter, "compacted");
            }
            connection.releaseSavepoint(savepoint);
        } catch (SQLException | RuntimeException e) {
            if (savepoint != null) {
                try {
                    connection.rollback(savepoint);
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
            }
            LOG.log(Level.ERROR, "storage write failed and was rolled back action=" + action + " object="
                    + path(resource, namespace, name) + " revision=" + rev, e);
            throw new ApiError.InternalError(action + " " + path(resource, namespace, name) + " in storage: " + e.getMessage());
        }
        stagedRevision = rev;
        stagedCompacted = compactedAfter;
        staged.computeIfAbsent(resource, r -> new HashMap<>()).put(new NsName(namespace, name), new Staged(row));
        group.writes.add(new Pending(new WatchEvent(type, resource, namespace, name, rev, eventObject), row, compactedAfter));
        return group;
    }

    /**
     * Returns once {@code mine} is committed, committing it (with every write staged since) unless another writer
     * did; throws the commit's failure.
     */
    private void awaitCommit(Group mine) {
        writeLock.lock();
        try {
            if (!mine.done) {
                commitStaged();
            }
        } finally {
            writeLock.unlock();
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
    }

    /** Commits the open transaction (one fsync) and publishes its writes in order. The caller holds writeLock. */
    private void commitStaged() {
        Group committing = group;
        group = new Group();
        try {
            connection.commit();
        } catch (SQLException e) {
            rollback(e);
            LOG.log(Level.ERROR, "storage commit failed and was rolled back writes=" + committing.writes.size()
                    + " revisions=" + (revision + 1) + "-" + stagedRevision, e);
            committing.failure = new ApiError.InternalError("commit " + committing.writes.size()
                    + " writes in storage: " + e.getMessage());
        }
        staged.clear();
        if (committing.failure == null) {
            commits++;
            durableRevision = stagedRevision;
            for (Pending p : committing.writes) {
                publish(p.event(), p.row(), p.compactedAfter());
            }
        } else {
            stagedRevision = revision;
            stagedCompacted = compacted;
        }
        committing.done = true;
    }

    private void setMeta(long value, String key) throws SQLException {
        setMeta.setLong(1, value);
        setMeta.setString(2, key);
        setMeta.executeUpdate();
    }

    private void rollback(Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** Trims a log left longer than the window (the window shrank since the last run). */
    private void trimToWindow() throws SQLException {
        if (revision - compacted <= retainedRevisions) {
            return;
        }
        long newCompacted = revision - retainedRevisions;
        try {
            trimChanges.setLong(1, newCompacted);
            trimChanges.executeUpdate();
            setMeta(newCompacted, "compacted");
            connection.commit();
        } catch (SQLException e) {
            rollback(e);
            throw e;
        }
        compacted = newCompacted;
        while (!tail.isEmpty() && tail.peekFirst().revision() <= compacted) {
            tailFloor = tail.removeFirst().revision();
        }
        tailFloor = Math.max(tailFloor, compacted);
    }

    /** Makes a committed write visible: memory, the tail, then watchers in revision order. */
    private void publish(WatchEvent event, Row row, long newCompacted) {
        memoryLock.writeLock().lock();
        try {
            TreeMap<NsName, Row> byKey = objects.computeIfAbsent(event.resource(), r -> new TreeMap<>());
            NsName key = new NsName(event.namespace(), event.name());
            if (row == null) {
                byKey.remove(key);
            } else {
                byKey.put(key, row);
            }
            revision = event.revision();
        } finally {
            memoryLock.writeLock().unlock();
        }
        compacted = newCompacted;
        tail.addLast(event);
        while (tail.size() > tailCapacity) {
            tailFloor = tail.removeFirst().revision();
        }
        for (Watcher w : watchers) {
            w.offer(event);
        }
    }

    // ---- watch -------------------------------------------------------------------------------

    @Override
    public Watch watch(String resource, String namespace, long fromRevision, WatchSink sink) {
        return watch(resource, namespace, fromRevision, sink, () -> {});
    }

    /**
     * Starts a watch as {@link #watch(String, String, long, WatchSink)} does and runs
     * {@code onEnd} once when it ends for any reason: closed by the caller, cancelled because the
     * sink threw, or the store closed. {@code onEnd} runs on the thread that ended the watch and
     * must not block.
     */
    public Watch watch(String resource, String namespace, long fromRevision, WatchSink sink, Runnable onEnd) {
        if (fromRevision < 0) {
            throw new IllegalArgumentException("watch " + resource + ": negative revision " + fromRevision);
        }
        writeLock.lock();
        try {
            ensureOpen();
            // Replay and registration happen under the write lock, so no write falls between them.
            Watcher w;
            if (fromRevision == 0) {
                w = new Watcher(resource, namespace, revision, sink, onEnd);
                for (Map.Entry<NsName, Row> e : rows(resource, namespace).entrySet()) {
                    if (w.ended()) {
                        break;
                    }
                    switch (e.getValue()) {
                        case Readable r -> w.deliver(new WatchEvent(WatchEvent.Type.ADDED, resource,
                                e.getKey().namespace(), e.getKey().name(), r.revision(), r.object()));
                        case Unreadable u -> LOG.log(Level.WARNING, "unreadable stored object left out of a watch object={0} problem={1}",
                                path(resource, e.getKey().namespace(), e.getKey().name()), u.problem());
                    }
                }
            } else {
                if (fromRevision < compacted) {
                    throw new ApiError.Gone("too old resource version: " + fromRevision + " (" + compacted + ")");
                }
                w = new Watcher(resource, namespace, fromRevision, sink, onEnd);
                if (fromRevision < tailFloor) {
                    replayFromLog(w, fromRevision, tailFloor);
                }
                for (WatchEvent e : tail) {
                    if (w.ended()) {
                        break;
                    }
                    w.offer(e);
                }
            }
            if (!w.ended()) {
                watchers.add(w);
            }
            return w;
        } finally {
            writeLock.unlock();
        }
    }

    /** Replays changes in (after, upTo] from the SQLite log; the caller holds writeLock. */
    private void replayFromLog(Watcher w, long after, long upTo) {
        String sql = "SELECT revision, type, resource, namespace, name, object FROM changelog"
                + " WHERE revision > ? AND revision <= ? AND resource = ?"
                + (w.namespace.isEmpty() ? "" : " AND namespace = ?") + " ORDER BY revision";
        try (PreparedStatement p = connection.prepareStatement(sql)) {
            p.setLong(1, after);
            p.setLong(2, upTo);
            p.setString(3, w.resource);
            if (!w.namespace.isEmpty()) {
                p.setString(4, w.namespace);
            }
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next() && !w.ended()) {
                    decodeChange(rs).ifPresent(w::offer);
                }
            }
        } catch (SQLException e) {
            LOG.log(Level.ERROR, "reading the change log failed resource=" + w.resource + " after=" + after, e);
            throw new ApiError.InternalError("read change log of " + w.resource + " after revision " + after + ": " + e.getMessage());
        } finally {
            // end the read transaction so checkpoints are not held back, unless writes are staged in it: their
            // commit ends it
            if (group.writes.isEmpty()) {
                try {
                    connection.commit();
                } catch (SQLException e) {
                    LOG.log(Level.WARNING, "ending a read transaction failed file={0}: {1}", file, e.getMessage());
                }
            }
        }
    }

    /** One registered watch; its sink is only called with writeLock held. */
    private final class Watcher implements Watch {
        final String resource;
        final String namespace;
        final long after;
        final WatchSink sink;
        final Runnable onEnd;
        final AtomicBoolean ended = new AtomicBoolean();

        Watcher(String resource, String namespace, long after, WatchSink sink, Runnable onEnd) {
            this.resource = resource;
            this.namespace = namespace;
            this.after = after;
            this.sink = sink;
            this.onEnd = onEnd;
        }

        boolean ended() {
            return ended.get();
        }

        /** Delivers a change if it is for this watch and newer than its start. */
        void offer(WatchEvent e) {
            if (e.revision() > after && e.resource().equals(resource)
                    && (namespace.isEmpty() || namespace.equals(e.namespace()))) {
                deliver(e);
            }
        }

        void deliver(WatchEvent e) {
            if (ended()) {
                return;
            }
            try {
                sink.accept(e);
            } catch (RuntimeException | Error failure) {
                // A sink refusing more (a slow or overflowing consumer) is expected: the message says it, the trace is for debugging.
                LOG.log(Level.WARNING, "watch cancelled because its sink failed resource=" + resource
                        + " namespace=" + namespace + " revision=" + e.revision() + ": " + failure);
                LOG.log(Level.DEBUG, "watch sink failure", failure);
                close();
            }
        }

        @Override
        public void close() {
            if (ended.compareAndSet(false, true)) {
                watchers.remove(this);
                try {
                    onEnd.run();
                } catch (RuntimeException failure) {
                    LOG.log(Level.WARNING, "watch end callback failed resource=" + resource, failure);
                }
            }
        }
    }

    // ---- close -------------------------------------------------------------------------------

    /** Ends every watch and closes the SQLite connection; later calls fail. Idempotent. */
    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            // writes staged but not committed were never acknowledged: they fail and are rolled back below
            group.failure = new StorageException("store " + file + " closed before the write was committed");
            group.done = true;
            for (Watcher w : watchers) {
                w.close();
            }
            try {
                connection.rollback();
                connection.close();
            } catch (SQLException e) {
                LOG.log(Level.WARNING, "closing the store failed file={0}: {1}", file, e.getMessage());
            }
            LOG.log(Level.INFO, "store closed file={0} revision={1}", file, Long.toString(revision));
        } finally {
            writeLock.unlock();
        }
    }

    // ---- test support ------------------------------------------------------------------------

    /** A pragma's value as this store's connection sees it. */
    String pragma(String name) {
        writeLock.lock();
        try {
            ensureOpen();
            try (Statement s = connection.createStatement()) {
                return queryString(s, "PRAGMA " + name);
            } catch (SQLException e) {
                throw new StorageException("read pragma " + name + " of " + file + ": " + e.getMessage(), e);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** The newest revision a finished commit made durable. */
    long durableRevision() {
        return durableRevision;
    }

    /** How many SQLite commits wrote objects so far (a group of writes is one). */
    long commits() {
        return commits;
    }

    /** The newest revision no longer in the change log. */
    long compactedRevision() {
        writeLock.lock();
        try {
            return compacted;
        } finally {
            writeLock.unlock();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** What the store holds for one key: a decoded object or a marker for an unreadable row. */
    private sealed interface Row permits Readable, Unreadable {
        long revision();
    }

    /** A decoded object; the tree is never changed after it is stored. */
    private record Readable(ObjectNode object, long revision) implements Row {}

    private record Unreadable(long revision, String problem) implements Row {}

    private record NsName(String namespace, String name) implements Comparable<NsName> {
        @Override
        public int compareTo(NsName o) {
            int c = namespace.compareTo(o.namespace);
            return c != 0 ? c : name.compareTo(o.name);
        }
    }

    @FunctionalInterface
    private interface SqlWork {
        void run() throws SQLException;
    }

    private Row lookup(String resource, String namespace, String name) {
        TreeMap<NsName, Row> byKey = objects.get(resource);
        return byKey == null ? null : byKey.get(new NsName(namespace, name));
    }

    /** The rows of a resource in one namespace (or all when empty), ordered by namespace then name. */
    private NavigableMap<NsName, Row> rows(String resource, String namespace) {
        TreeMap<NsName, Row> byKey = objects.get(resource);
        if (byKey == null) {
            return new TreeMap<>();
        }
        if (namespace.isEmpty()) {
            return byKey;
        }
        // Every name sorts at or after "" and every longer namespace at or after namespace + "\0".
        return byKey.subMap(new NsName(namespace, ""), true, new NsName(namespace + "\0", ""), false);
    }

    private static Row decode(String json, long revision) {
        if (json == null) {
            return new Unreadable(revision, "no object text");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            // Only the position: the text may hold secret data that must not reach logs or clients.
            JsonLocation at = e.getLocation();
            return new Unreadable(revision, at == null ? "invalid JSON"
                    : "invalid JSON at line " + at.getLineNr() + " column " + at.getColumnNr());
        }
        if (!(node instanceof ObjectNode object)) {
            return new Unreadable(revision, "not a JSON object");
        }
        return new Readable(withRevision(object, revision), revision);
    }

    private Optional<WatchEvent> decodeChange(ResultSet rs) throws SQLException {
        long rev = rs.getLong(1);
        String type = rs.getString(2);
        String resource = rs.getString(3);
        String namespace = rs.getString(4);
        String name = rs.getString(5);
        Row row = decode(rs.getString(6), rev);
        WatchEvent.Type eventType = null;
        for (WatchEvent.Type t : WatchEvent.Type.values()) {
            if (t.name().equals(type)) {
                eventType = t;
            }
        }
        if (row instanceof Readable r && eventType != null && resource != null && namespace != null && name != null) {
            return Optional.of(new WatchEvent(eventType, resource, namespace, name, rev, r.object()));
        }
        String problem = row instanceof Unreadable u ? u.problem() : "bad type or key";
        LOG.log(Level.ERROR, "unreadable change-log entry skipped file={0} revision={1} problem={2}", file, Long.toString(rev), problem);
        return Optional.empty();
    }

    private static ObjectNode withRevision(ObjectNode object, long revision) {
        Json.child(object, "metadata").put("resourceVersion", Long.toString(revision));
        return object;
    }

    private static ObjectNode stub(String namespace, String name) {
        ObjectNode o = Json.object();
        ObjectNode meta = o.putObject("metadata");
        meta.put("name", name);
        if (!namespace.isEmpty()) {
            meta.put("namespace", namespace);
        }
        return o;
    }

    private static String encode(String resource, String namespace, String name, ObjectNode object) {
        try {
            return Json.MAPPER.writeValueAsString(object);
        } catch (JacksonException e) {
            throw new ApiError.InternalError("encode " + path(resource, namespace, name) + ": " + e.getOriginalMessage());
        }
    }

    private static String requireName(String resource, ObjectNode object) {
        String name = Json.name(object);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("store " + resource + ": object has no metadata.name");
        }
        return name;
    }

    private static ApiError.InternalError unreadable(String resource, String namespace, String name, Unreadable u) {
        return new ApiError.InternalError("unable to decode stored object " + path(resource, namespace, name) + ": " + u.problem());
    }

    /** {@code pods/default/web}, or {@code namespaces/web} for cluster-scoped objects. */
    static String path(String resource, String namespace, String name) {
        return namespace.isEmpty() ? resource + "/" + name : resource + "/" + namespace + "/" + name;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("store " + file + " is closed");
        }
    }

    private static String queryString(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new SQLException("no result for " + sql);
            }
            return rs.getString(1);
        }
    }

    private static long queryLong(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new SQLException("no result for " + sql);
            }
            return rs.getLong(1);
        }
    }
}
