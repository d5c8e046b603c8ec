import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.storage.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes per second of {@code SqliteStore} alone (no HTTP, no admission): W concurrent writers creating ConfigMaps,
 * next to one writer doing the same in the same run (the peer: one fsync of the write-ahead log per write), in a
 * temporary directory under /tmp, rounds alternating which goes first:
 *
 * <pre>java -cp j8s/target/j8s.jar bench/StoreCommitBenchmark.java [--writes 2000] [--writers 8] [--rounds 3]</pre>
 */
public final class StoreCommitBenchmark {

    public static void main(String[] args) throws Exception {
        int writes = option(args, "--writes", 2000);
        int writers = option(args, "--writers", 8);
        int rounds = option(args, "--rounds", 3);
        System.out.printf(Locale.ROOT, "SqliteStore creates, %d per run, %d cores, %d rounds%n", writes,
                Runtime.getRuntime().availableProcessors(), rounds);
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double one;
            double many;
            if (r % 2 == 0) {
                one = run(writes, 1);
                many = run(writes, writers);
            } else {
                many = run(writes, writers);
                one = run(writes, 1);
            }
            ratios.add(many / one);
            System.out.printf(Locale.ROOT, "round %d: 1 writer %.0f/s, %d writers %.0f/s, ratio %.2f%n", r + 1, one, writers,
                    many, many / one);
        }
        ratios.sort(null);
        System.out.printf(Locale.ROOT, "median ratio %d writers / 1 writer: %.2f%n", writers, ratios.get(ratios.size() / 2));
    }

    static double run(int writes, int writers) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "store-bench-");
        try (SqliteStore store = SqliteStore.open(dir.resolve("state.db"));
             ExecutorService pool = Executors.newFixedThreadPool(writers, Thread.ofVirtual().factory())) {
            AtomicInteger next = new AtomicInteger();
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                done.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < writes) {
                        store.create("configmaps", configMap("cm-" + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return writes / ((System.nanoTime() - start) / 1e9);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static ObjectNode configMap(String name) {
        ObjectNode cm = Json.object();
        cm.put("apiVersion", "v1");
        cm.put("kind", "ConfigMap");
        cm.putObject("metadata").put("name", name).put("namespace", "default").put("uid", "uid-" + name);
        cm.putObject("data").put("key", "value of " + name);
        return cm;
    }

    static int option(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
