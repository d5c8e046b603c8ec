package dev.j8s.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import java.nio.file.Path;

/**
 * A child-process main for {@link StoreSurvivesKill9Test}: creates pods in a loop and prints each
 * name only after {@code create} has returned, until it is killed. Not thread-safe; one per JVM.
 */
final class KillNineWriter {

    private KillNineWriter() {}

    public static void main(String[] args) {
        Path db = Path.of(args[0]);
        int limit = Integer.parseInt(args[1]);
        SqliteStore store = SqliteStore.open(db);
        for (int i = 0; i < limit; i++) {
            ObjectNode pod = Json.object();
            pod.put("apiVersion", "v1");
            pod.put("kind", "Pod");
            pod.putObject("metadata").put("name", "p-" + i).put("namespace", "default");
            pod.putObject("spec").put("nodeName", "node1");
            store.create("pods", pod);
            System.out.println("p-" + i);
            System.out.flush();
        }
        // Reaching the limit means the parent never killed us; exit without closing, like a crash.
        Runtime.getRuntime().halt(3);
    }
}
