package dev.j8s.kubelet.prober;

import dev.j8s.kubelet.probe.HttpProbe;
import dev.j8s.kubelet.probe.NonBlockingProbe;
import dev.j8s.kubelet.probe.PodConnector;
import dev.j8s.kubelet.probe.ProbeException;
import dev.j8s.kubelet.probe.ProbeResult;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.netns.NetworkNamespaces;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs every probe worker's rounds on one platform thread with a selector: the timers of all workers, and the plain
 * HTTP and TCP probes to pods' own addresses as non-blocking exchanges, on sockets the thread makes inside each pod's
 * network namespace itself; any other probe (exec, HTTPS, gRPC, another host) runs blocking on a virtual thread and
 * reports back. Round times are rounded up to {@value #TICK_MILLIS} ms, so the probes of a period gather into few
 * wake-ups: on a busy node wake-ups, not the probes' own work, are what probing costs
 * ({@code bench/ProbeBenchmark.java}). A slow or hanging endpoint holds nothing but its own socket until its
 * timeout. Thread-safe: other threads only post commands.
 */
final class ProbeLoop implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ProbeLoop.class.getName());
    static final long TICK_MILLIS = 50;
    private static final long TICK = Duration.ofMillis(TICK_MILLIS).toNanos();

    private final Prober prober;
    private final ContainerRuntime runtime;
    private final Selector selector;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(Comparator.comparingLong(Timer::due));
    private final PriorityQueue<InFlight> deadlines = new PriorityQueue<>(Comparator.comparingLong(InFlight::deadline));
    private final Thread thread;
    private volatile boolean closed;

    private record Timer(long due, long generation, ProbeWorker worker) {}

    /** A non-blocking probe under way. */
    private static final class InFlight {
        final ProbeWorker worker;
        final Prober.Target target;
        final NonBlockingProbe probe;
        final long deadline;
        boolean done;

        InFlight(ProbeWorker worker, Prober.Target target, NonBlockingProbe probe, long deadline) {
            this.worker = worker;
            this.target = target;
            this.probe = probe;
            this.deadline = deadline;
        }

        long deadline() {
            return deadline;
        }
    }

    ProbeLoop(Prober prober, ContainerRuntime runtime) {
        this.prober = prober;
        this.runtime = runtime;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("open the prober's selector", e);
        }
        this.thread = NetworkNamespaces.threadFactory("prober-loop-").newThread(this::loop);
        thread.start();
    }

    /** Starts a worker: its first round now, or somewhere within its first period ({@code jitter}). */
    void start(ProbeWorker worker, boolean jitter, Runnable onExit) {
        post(() -> {
            worker.onExit = onExit;
            long delay = jitter ? (long) (ThreadLocalRandom.current().nextDouble() * worker.period().toNanos()) : 0;
            schedule(worker, System.nanoTime() + delay);
        });
    }

    /** Ends a worker after its current round, if one runs. */
    void stop(ProbeWorker worker) {
        post(() -> {
            worker.stopped = true;
            if (!worker.running) {
                worker.generation++; // its timer is void
                worker.exit();
            }
        });
    }

    /** Moves a worker's next round to now (upstream's manual trigger). */
    void trigger(ProbeWorker worker) {
        post(() -> {
            if (worker.running) {
                worker.triggered = true;
            } else if (!worker.stopped && !worker.exited) {
                schedule(worker, System.nanoTime());
            }
        });
    }

    private void post(Runnable command) {
        commands.add(command);
        selector.wakeup();
    }

    private void schedule(ProbeWorker worker, long due) {
        long tick = Math.floorDiv(due + TICK - 1, TICK) * TICK;
        worker.generation++;
        worker.due = tick;
        timers.add(new Timer(tick, worker.generation, worker));
    }

    private void loop() {
        while (!closed) {
            try {
                long now = System.nanoTime();
                long next = Long.MAX_VALUE;
                if (!timers.isEmpty()) {
                    next = timers.peek().due();
                }
                if (!deadlines.isEmpty()) {
                    next = Math.min(next, deadlines.peek().deadline());
                }
                if (next == Long.MAX_VALUE) {
                    selector.select();
                } else if (next - now > 0) {
                    selector.select(Math.max(1, (next - now + 999_999) / 1_000_000));
                } else {
                    selector.selectNow();
                }
                Runnable command;
                while ((command = commands.poll()) != null) {
                    command.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    ready(key);
                }
                selector.selectedKeys().clear();
                expire(System.nanoTime());
                runDue(System.nanoTime());
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.log(Level.ERROR, "prober loop failed; going on: " + e, e);
                }
            }
        }
    }

    private void runDue(long now) {
        while (!timers.isEmpty() && timers.peek().due() - now <= 0) {
            Timer t = timers.poll();
            if (t.generation() == t.worker().generation && !t.worker().exited) {
                round(t.worker(), now);
            }
        }
    }

    /** One round of a worker: {@link ProbeWorker#prepare}, then the probe as its plan says. */
    private void round(ProbeWorker worker, long now) {
        if (worker.stopped) {
            worker.exit();
            return;
        }
        worker.running = true;
        worker.due = now; // when this round began
        ProbeWorker.Step step;
        try {
            step = worker.prepare();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "probe round failed " + worker.describe() + ": " + e, e);
            finish(worker, true);
            return;
        }
        switch (step) {
            case ProbeWorker.Step.Skip s -> finish(worker, s.keep());
            case ProbeWorker.Step.Run r -> probe(worker, r.target());
        }
    }

    private void probe(ProbeWorker worker, Prober.Target target) {
        Prober.Plan plan = prober.plan(worker.spec(), target);
        long deadline = System.nanoTime() + Prober.timeout(worker.spec()).toNanos();
        switch (plan) {
            case Prober.Plan.Error e -> {
                worker.complete(prober.errored(worker.type(), target, e.message()));
                finish(worker, true);
            }
            case Prober.Plan.Blocking b -> blocking(worker, target, b.run()::call);
            case Prober.Plan.Http h -> open(worker, target, h.request().port(), deadline,
                    channel -> NonBlockingProbe.http(h.request(), channel));
            case Prober.Plan.Tcp t -> open(worker, target, t.port(), deadline,
                    channel -> NonBlockingProbe.tcp(t.host(), t.port(), channel));
        }
    }

    /** Opens a socket in the pod's namespace and starts the exchange; a socket that cannot be made is an error. */
    private void open(ProbeWorker worker, Prober.Target target, int port, long deadline,
            java.util.function.Function<SocketChannel, NonBlockingProbe> exchange) {
        SocketChannel channel;
        try {
            channel = runtime.openSocket(target.sandboxId(), StandardProtocolFamily.INET);
            channel.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
            worker.complete(prober.errored(worker.type(), target, "open a socket in the pod's network: "
                    + e.getMessage()));
            finish(worker, true);
            return;
        }
        NonBlockingProbe probe = exchange.apply(channel);
        int ops = probe.start(new InetSocketAddress(InetAddress.ofLiteral(target.podIp()), port));
        InFlight flight = new InFlight(worker, target, probe, deadline);
        if (ops == 0) {
            done(flight);
            return;
        }
        try {
            channel.register(selector, ops, flight);
        } catch (IOException e) {
            done(flight);
            return;
        }
        deadlines.add(flight);
    }

    private void ready(SelectionKey key) {
        InFlight flight = (InFlight) key.attachment();
        if (flight.done || !key.isValid()) {
            return;
        }
        int ops = flight.probe.ready(key);
        if (ops == 0) {
            key.cancel();
            done(flight);
        } else {
            key.interestOps(ops);
        }
    }

    private void expire(long now) {
        while (!deadlines.isEmpty() && (deadlines.peek().done || deadlines.peek().deadline() - now <= 0)) {
            InFlight flight = deadlines.poll();
            if (!flight.done) {
                flight.probe.expire();
                SelectionKey key = flight.probe.channel().keyFor(selector);
                if (key != null) {
                    key.cancel();
                }
                done(flight);
            }
        }
    }

    /** An exchange ended: its verdict, or the blocking client for a redirect it follows. */
    private void done(InFlight flight) {
        flight.done = true;
        try {
            flight.probe.channel().close();
        } catch (IOException e) {
            // the verdict is in
        }
        if (flight.probe.redirected()) {
            var request = ((Prober.Plan.Http) prober.plan(flight.worker.spec(), flight.target)).request();
            PodConnector connector = new PodConnector(runtime, flight.target.sandboxId(), flight.target.podIp());
            Duration left = Duration.ofNanos(Math.max(1, flight.deadline - System.nanoTime()));
            blocking(flight.worker, flight.target, () -> HttpProbe.probe(request, connector, left));
            return;
        }
        ProbeResult result = flight.probe.result().orElseGet(flight.probe::expire);
        flight.worker.complete(prober.interpret(flight.worker.type(), flight.target, result));
        finish(flight.worker, true);
    }

    /** A call that runs a probe to its end, blocking. */
    @FunctionalInterface
    private interface BlockingProbe {
        ProbeResult call() throws Exception;
    }

    /** Runs a blocking probe on a virtual thread; its verdict comes back to the loop. */
    private void blocking(ProbeWorker worker, Prober.Target target, BlockingProbe call) {
        Thread.ofVirtual().name("probe-" + worker.type()).start(() -> {
            Optional<ProbeResult> result;
            String error = null;
            try {
                result = Optional.of(call.call());
            } catch (ProbeException e) {
                result = Optional.empty();
                error = e.getMessage();
            } catch (InterruptedIOException | InterruptedException e) {
                result = Optional.empty();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "probe failed to run " + worker.describe() + ": " + e);
                result = Optional.empty();
            }
            Optional<ProbeResult> outcome = result;
            String failure = error;
            post(() -> {
                if (outcome.isPresent()) {
                    worker.complete(prober.interpret(worker.type(), target, outcome.get()));
                } else if (failure != null) {
                    worker.complete(prober.errored(worker.type(), target, failure));
                }
                finish(worker, true);
            });
        });
    }

    /** A round ended: the next one a period after this one began (now when triggered meanwhile), or the end. */
    private void finish(ProbeWorker worker, boolean keep) {
        worker.running = false;
        if (!keep || worker.stopped) {
            worker.exit();
            return;
        }
        long next = worker.triggered ? System.nanoTime() : worker.due + worker.period().toNanos();
        worker.triggered = false;
        schedule(worker, next);
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {
            try {
                key.channel().close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
