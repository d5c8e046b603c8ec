package dev.j8s.cli;

import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.rest.LogQuery;
import dev.j8s.apiserver.rest.PodLogSource;
import dev.j8s.kubelet.Kubelet;
import dev.j8s.kubelet.logs.LogOptions;
import dev.j8s.kubelet.logs.LogsException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/** Serves the API server's {@code pods/log} from the in-process kubelet's log files; thread-safe. */
final class KubeletLogSource implements PodLogSource {

    private final Kubelet kubelet;
    private final Clock clock;

    KubeletLogSource(Kubelet kubelet, Clock clock) {
        this.kubelet = kubelet;
        this.clock = clock;
    }

    @Override
    public InputStream open(String namespace, String pod, String uid, String container, LogQuery query) {
        Optional<Instant> since = query.sinceTime();
        if (query.sinceSeconds().isPresent()) {
            since = Optional.of(clock.instant().minusSeconds(query.sinceSeconds().getAsLong()));
        }
        LogOptions options = new LogOptions(container, query.follow(), query.previous(), query.tailLines(),
                query.timestamps(), since, query.limitBytes());
        try {
            return kubelet.openLog(namespace, pod, uid, options);
        } catch (LogsException e) {
            throw new ApiError.BadRequest(e.getMessage());
        }
    }
}
