package dev.j8s.controllers.ttlafterfinished;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Deletes finished Jobs whose {@code ttlSecondsAfterFinished} has expired (upstream's ttlafterfinished controller):
 * the expiry is the finish condition's {@code lastTransitionTime} plus the TTL; before it the Job is looked at again
 * when it falls due; at it the Job is read again from the API (the cache may be stale, the TTL may have changed)
 * and deleted in the foreground with its uid and resourceVersion as preconditions, so its pods go first and a
 * Job changed meanwhile is spared. Times come from the injected clock. Thread-safe.
 */
public final class TtlAfterFinishedController implements AutoCloseable {

    /** Upstream's name of this controller, also the name of its service account in {@code kube-system}. */
    public static final String SERVICE_ACCOUNT = "ttl-after-finished-controller";

    private static final System.Logger LOG = System.getLogger(TtlAfterFinishedController.class.getName());

    private final ResourceClient<Job> jobs;
    private final SharedInformer<Job> informer;
    private final Clock clock;
    private final WorkQueue queue = new WorkQueue("ttl-after-finished", RateLimiter.defaults());
    private final ControllerLoop loop;

    public TtlAfterFinishedController(KubeClient client, InformerFactory informers, Clock clock) {
        this.jobs = client.resource(Kind.JOBS);
        this.informer = informers.informer(Kind.JOBS);
        this.clock = clock;
        this.loop = new ControllerLoop("ttl-after-finished-controller", queue, this::sync, 1);
        informer.addEventHandler(ResourceEventHandler.of(job -> {
            if (needsCleanup(job)) {
                queue.add(SharedInformer.key(job));
            }
        }, job -> { }));
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
    }

    /** A finished Job with a TTL that is not being deleted already. */
    static boolean needsCleanup(Job job) {
        return job.getSpec().getTtlSecondsAfterFinished() != null && !Owners.isDeleting(job) && finishedAt(job).isPresent();
    }

    /** When the Job finished: its Complete or Failed condition's lastTransitionTime. */
    static Optional<Instant> finishedAt(Job job) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        for (JobCondition c : job.getStatus().getConditions()) {
            if (("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus())) {
                return Pods.time(c.getLastTransitionTime());
            }
        }
        return Optional.empty();
    }

    /** How long until the Job expires; zero or negative when it has. */
    static Duration timeLeft(Job job, Instant now) {
        Instant expiry = finishedAt(job).orElse(now).plusSeconds(job.getSpec().getTtlSecondsAfterFinished());
        return Duration.between(now, expiry);
    }

    void sync(String key) {
        Optional<Job> cached = informer.getByKey(key);
        if (cached.isEmpty() || !needsCleanup(cached.get())) {
            return;
        }
        Duration left = timeLeft(cached.get(), clock.instant());
        if (left.isPositive()) {
            queue.addAfter(key, left);
            return;
        }
        // the cache may be stale and the TTL may have been changed: decide on the Job as the API has it now
        Optional<Job> fresh = jobs.get(cached.get().getMetadata().getNamespace(), cached.get().getMetadata().getName());
        if (fresh.isEmpty() || !needsCleanup(fresh.get())) {
            return;
        }
        Duration freshLeft = timeLeft(fresh.get(), clock.instant());
        if (freshLeft.isPositive()) {
            queue.addAfter(key, freshLeft);
            return;
        }
        Job job = fresh.get();
        try {
            jobs.delete(job.getMetadata().getNamespace(), job.getMetadata().getName(),
                    DeleteOptions.propagation(DeleteOptions.Propagation.FOREGROUND).withUid(Owners.uid(job))
                            .withResourceVersion(job.getMetadata().getResourceVersion()));
            LOG.log(Level.INFO, "deleted a finished job whose TTL expired job={0}", key);
        } catch (ClusterException.NotFound gone) {
            // deleted meanwhile
        }
    }
}
