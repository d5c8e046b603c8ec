package dev.j8s.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the e2e tests ask about one pod again and again: a field, its events, its emptyDir on the host. Stateless. */
final class PodQueries {

    private PodQueries() {}

    /** The pod's {@code kubectl get -o jsonpath} output. */
    static String field(Kubectl kubectl, String pod, String jsonpath) {
        return kubectl.run("get", "pod", pod, "-o", "jsonpath=" + jsonpath).ok().stdout();
    }

    /** The pod's events, one line each: type, reason, count and message in columns. */
    static String events(Kubectl kubectl, String pod) {
        return kubectl.run("get", "events", "--field-selector", "involvedObject.name=" + pod, "-o",
                "custom-columns=TYPE:.type,REASON:.reason,COUNT:.count,MESSAGE:.message", "--no-headers").ok().stdout();
    }

    /** Waits until the pod is Running with a started container. */
    static void awaitRunning(Kubectl kubectl, String pod) {
        Await.until(LocalRegistry.timeout(), "pod " + pod + " is Running", () -> field(kubectl, pod,
                "{.status.phase} {.status.containerStatuses[*].state.running.startedAt}"),
                out -> out.startsWith("Running ") && !out.strip().equals("Running"));
    }

    /** The host directory of the pod's emptyDir volume {@code volume}. */
    static Path emptyDir(J8sServer server, String uid, String volume) {
        return server.dataDir().resolve("pods").resolve(uid).resolve("volumes/kubernetes.io~empty-dir").resolve(volume);
    }

    /** The file's content, or "" while it does not exist (or cannot be read yet). */
    static String contentOrEmpty(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
