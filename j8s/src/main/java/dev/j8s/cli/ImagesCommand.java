package dev.j8s.cli;

import dev.j8s.kubelet.credentials.CredentialHelpers;
import dev.j8s.kubelet.credentials.DockerConfig;
import dev.j8s.kubelet.credentials.KeyringImageService;
import dev.j8s.kubelet.credentials.KubeletCredentials;
import dev.j8s.kubelet.credentials.NodeDockerConfig;
import dev.j8s.kubelet.credentials.Resolution;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.images.ImageService;
import dev.j8s.oci.image.GcPolicy;
import dev.j8s.oci.image.GcResult;
import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.image.ImageStore;
import dev.j8s.oci.image.PullListener;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.Credentials;
import dev.j8s.oci.registry.RegistryOptions;
import dev.j8s.runtime.RuntimeConfig;
import dev.j8s.runtime.conmon.ConmonRuntime;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code j8s images}: the node's image store from the command line — list, pull, inspect, remove, import (OCI
 * layouts and {@code docker save} archives, for offline nodes) and prune.
 *
 * <p>One process at a time owns a data dir. While {@code j8s server} runs, every subcommand is handed to it over
 * its {@link ImagesEndpoint} and runs against the server's own store: an import is usable at once by a pod with
 * {@code imagePullPolicy: Never}, a prune keeps every image a container uses, and nothing a running pull or
 * container needs is touched. Without a server, the command takes the data dir lock ({@link DataDirLock}) for its
 * run and works on the store itself (containers left running by a stopped server still count as users). Not
 * thread-safe.
 */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = {"List, pull, inspect, remove, import and prune the node's images.",
                "While `j8s server` runs on the data dir, the command runs in the server."},
        subcommands = {ImagesCommand.Ls.class, ImagesCommand.Pull.class, ImagesCommand.Inspect.class,
                ImagesCommand.Rm.class, ImagesCommand.Import.class, ImagesCommand.Prune.class})
final class ImagesCommand implements Runnable {
    /** How long a command waits for a server that holds the data dir lock but does not listen yet (it is starting). */
    static final java.time.Duration SERVER_START_WAIT = java.time.Duration.ofSeconds(30);

    private final HostEnvironment host;
    private final PrintStream out;
    private final Optional<Backend> served;

    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "State directory (default: /var/lib/j8s as root, else $XDG_DATA_HOME/j8s or ~/.local/share/j8s).")
    Path dataDir;

    ImagesCommand(HostEnvironment host, PrintStream out) {
        this(host, out, Optional.empty());
    }

    private ImagesCommand(HostEnvironment host, PrintStream out, Optional<Backend> served) {
        this.host = host;
        this.out = out;
        this.served = served;
    }

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(out);
    }

    /**
     * What a subcommand works with: the store, the image IDs containers use, the node credentials (as the kubelet
     * reads them), and the caller's working directory (relative paths) and terminal (progress bars).
     */
    record Session(ImageStore store, Supplier<Set<Digest>> inUse, KubeletCredentials node, Path cwd,
                   boolean terminal) {
        Path resolve(Path path) {
            return cwd.resolve(path).normalize();
        }
    }

    /** The body of a subcommand; returns its exit status. */
    @FunctionalInterface
    interface Work {
        int run(Session session);
    }

    /** Where a subcommand's session comes from (a server runs it in its own). */
    @FunctionalInterface
    interface Backend {
        int run(String command, Work work);
    }

    /**
     * The handler of a server's {@link ImagesEndpoint}: parses each request's arguments as {@code j8s images}
     * does and runs the subcommand in a session on the server's store, credentials and containers.
     */
    static ImagesEndpoint.Handler serving(HostEnvironment host, ImageStore store, KubeletCredentials node,
                                          Supplier<Set<Digest>> inUse) {
        return (request, out, err) -> {
            Backend backend = (command, work) -> work.run(new Session(store, inUse, node, request.cwd(), request.terminal()));
            CommandLine cl = new CommandLine(new ImagesCommand(host, out, Optional.of(backend)));
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            Main.reportErrors(cl);
            return cl.execute(request.args().toArray(String[]::new));
        };
    }

    /** Runs a subcommand: in the server when one runs on the data dir, else here under the data dir lock. */
    int run(String command, Work work) {
        if (served.isPresent()) {
            return served.get().run(command, work);
        }
        Path data = DataDirs.resolve(dataDir, host);
        Path runDir = ServerCommand.runDir(data, host);
        Path socket = ImagesEndpoint.socket(runDir);
        ImagesEndpoint.Request request = new ImagesEndpoint.Request(forwardedArgs(), Path.of("").toAbsolutePath(),
                System.console() != null);
        Optional<Integer> inServer = ImagesEndpoint.forward(socket, request, out, System.err);
        if (inServer.isPresent()) {
            return inServer.get();
        }
        DataDirLock lock;
        try {
            lock = DataDirLock.acquire(data, "j8s images " + command);
        } catch (DataDirLock.InUseException e) {
            if (e.holder().server()) {
                // A starting server holds the lock before it listens.
                Optional<Integer> later = awaitServer(socket, request, e.holder());
                if (later.isPresent()) {
                    return later.get();
                }
            }
            throw e;
        }
        try (lock; ImageStore store = ImageStore.open(data.resolve("images"), RegistryOptions.DEFAULT)) {
            RuntimeConfig containers = RuntimeConfig.of(data, runDir, ServerCommand.DEFAULT_POD_CIDR);
            KubeletCredentials node = new KubeletCredentials(Optional.of(NodeDockerConfig.upstreamOrder(data,
                    request.cwd(), host.home(), Path.of("/"), Clock.systemUTC())), CredentialHelpers.fromPath(),
                    List.of(), KubeletCredentials.none().pulledImages());
            return work.run(new Session(store,
                    () -> ServerCommand.imagesInUse(ConmonRuntime.recordedContainerAnnotations(containers), store), node,
                    request.cwd(), request.terminal()));
        }
    }

    private Optional<Integer> awaitServer(Path socket, ImagesEndpoint.Request request, DataDirLock.Holder holder) {
        long deadline = System.nanoTime() + SERVER_START_WAIT.toNanos();
        while (holder.alive() && System.nanoTime() - deadline < 0) {
            Optional<Integer> served = ImagesEndpoint.forward(socket, request, out, System.err);
            if (served.isPresent()) {
                return served;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return Optional.empty();
    }

    /** The arguments after {@code images}, as given, for the server to parse again. */
    private List<String> forwardedArgs() {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        int at = all.indexOf(spec.name());
        return List.copyOf(all.subList(at + 1, all.size()));
    }

    static String shortId(Digest id) {
        return id.hex().substring(0, 12);
    }

    static String humanSize(long bytes) {
        if (bytes < 1000) {
            return bytes + "B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(java.util.Locale.ROOT, v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v, units[u]);
    }

    /** {@code j8s images ls}. */
    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List images.")
    static final class Ls implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        ImagesCommand parent;

        @Override
        public Integer call() {
            return parent.run("ls", session -> {
                parent.out.printf("%-60s %-14s %s%n", "REFERENCE", "IMAGE ID", "SIZE");
                for (ImageRecord image : session.store().list()) {
                    List<String> refs = image.references().isEmpty() ? List.of("<none>") : image.references();
                    for (String ref : refs) {
                        parent.out.printf("%-60s %-14s %s%n", ref, shortId(image.id()), humanSize(image.size()));
                    }
                }
                return 0;
            });
        }
    }

    /**
     * {@code j8s images pull [--creds USER:PASSWORD | --authfile FILE] REF}: with the given credentials (as
     * {@code crictl pull --creds} and {@code podman pull --authfile} take them), else with every credential of the
     * node docker config that matches, in the kubelet's order (the same files the kubelet reads:
     * {@code <data-dir>/config.json}, the working directory's, {@code ~/.docker/config.json}, …), else anonymously.
     */
    @Command(name = "pull", mixinStandardHelpOptions = true, description = "Pull an image from its registry.")
    static final class Pull implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        ImagesCommand parent;

        @Option(names = "--creds", paramLabel = "USER:PASSWORD",
                description = "Authenticate to the image's registry with this user name and password.")
        String creds;

        @Option(names = "--authfile", paramLabel = "FILE",
                description = "Take registry credentials from this docker config file ({\"auths\": {...}}, as "
                        + "~/.docker/config.json and podman's auth.json) instead of the node's.")
        Path authfile;

        @Parameters(paramLabel = "IMAGE", description = "Image reference, e.g. 127.0.0.1:5000/team/app:1.0")
        String image;

        @Override
        public Integer call() {
            ImageReference ref = ImageReference.parse(image).withDefaultTag();
            Optional<Credentials> given = parseCreds(creds);
            if (given.isPresent() && authfile != null) {
                throw new IllegalArgumentException("--creds and --authfile cannot be used together");
            }
            return parent.run("pull", session -> {
                Progress progress = new Progress(parent.out, session.terminal());
                ImageRecord record;
                if (given.isPresent()) {
                    record = session.store().pull(ref, (host, repository) -> given, progress);
                } else {
                    KubeletCredentials keyring = authfile == null ? session.node() : fromAuthfile(session.resolve(authfile));
                    Resolution candidates = keyring.podCredentials((namespace, name) -> Optional.empty(),
                            EventRecorder.DISCARD).resolveWithoutPod(ref);
                    record = new KeyringImageService(ImageService.of(session.store())).pull(ref, candidates, progress);
                }
                progress.finish();
                parent.out.println("pulled " + ref + " " + record.id() + " (" + humanSize(record.size()) + ")");
                return 0;
            });
        }

        /** {@code USER:PASSWORD} (the password may contain colons); empty when not given. */
        static Optional<Credentials> parseCreds(String creds) {
            if (creds == null) {
                return Optional.empty();
            }
            int colon = creds.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("--creds must be USER:PASSWORD");
            }
            return Optional.of(new Credentials.UsernamePassword(creds.substring(0, colon), creds.substring(colon + 1)));
        }

        /** The credentials of one docker config file, refused loudly when it is missing or malformed. */
        static KubeletCredentials fromAuthfile(Path file) {
            try {
                DockerConfig.parseConfigJson(Files.readAllBytes(file), file.toString());
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalArgumentException("--authfile " + file + ": no such file");
            } catch (IOException e) {
                throw new IllegalArgumentException("--authfile " + file + ": " + e.getMessage());
            }
            return new KubeletCredentials(Optional.of(new NodeDockerConfig(List.of(file), List.of(), Clock.systemUTC())),
                    CredentialHelpers.fromPath(), List.of(), KubeletCredentials.none().pulledImages());
        }
    }

    /**
     * Pull progress: one line per layer when not on a terminal, a redrawn bar per layer on one.
     * Thread-safe (layers arrive from pull workers).
     */
    static final class Progress implements PullListener {
        private final PrintStream out;
        private final boolean terminal;
        private final Map<Digest, Long> sizes = new ConcurrentHashMap<>();
        private final Map<Digest, Long> done = new ConcurrentHashMap<>();
        private final AtomicLong lastDraw = new AtomicLong();

        Progress(PrintStream out, boolean terminal) {
            this.out = out;
            this.terminal = terminal;
        }

        @Override
        public void layer(Digest digest, long size) {
            sizes.put(digest, size);
            if (!terminal) {
                synchronized (out) {
                    out.println("layer " + shortId(digest) + " " + humanSize(size));
                }
            }
        }

        @Override
        public void progress(Digest digest, long bytes) {
            done.put(digest, bytes);
            long now = System.nanoTime();
            long last = lastDraw.get();
            if (terminal && now - last > 100_000_000L && lastDraw.compareAndSet(last, now)) {
                draw();
            }
        }

        private void draw() {
            long total = sizes.values().stream().mapToLong(Long::longValue).sum();
            long have = done.values().stream().mapToLong(Long::longValue).sum();
            int width = 30;
            int filled = total == 0 ? width : (int) Math.min(width, have * width / total);
            synchronized (out) {
                out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] "
                        + humanSize(have) + " / " + humanSize(total) + "   ");
                out.flush();
            }
        }

        @Override
        public void done(Duration took, long bytes) {
            if (!terminal) {
                synchronized (out) {
                    out.println("downloaded " + humanSize(bytes) + " in " + took.toMillis() + "ms");
                }
            }
        }

        void finish() {
            if (terminal) {
                draw();
                out.println();
            }
        }
    }

    /** {@code j8s images inspect REF}: the stored record as JSON. */
    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show an image's record and config.")
    static final class Inspect implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        ImagesCommand parent;

        @Parameters(paramLabel = "IMAGE")
        String image;

        @Override
        public Integer call() {
            return parent.run("inspect", session -> {
                ImageRecord record = session.store().find(ImageReference.parse(image).withDefaultTag())
                        .orElseThrow(() -> new IllegalArgumentException("image " + image + " is not present"));
                var json = new com.fasterxml.jackson.databind.ObjectMapper()
                        .findAndRegisterModules()
                        .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                        .writerWithDefaultPrettyPrinter();
                var node = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                node.put("id", record.id().toString());
                node.put("manifestDigest", record.manifestDigest().toString());
                var refs = node.putArray("references");
                record.references().forEach(refs::add);
                node.put("size", record.size());
                node.put("firstSeen", record.firstSeen().toString());
                node.put("lastUsed", record.lastUsed().toString());
                var cfg = node.putObject("config");
                var config = record.config();
                var env = cfg.putArray("env");
                config.env().forEach(env::add);
                var entrypoint = cfg.putArray("entrypoint");
                config.entrypoint().forEach(entrypoint::add);
                var cmd = cfg.putArray("cmd");
                config.cmd().forEach(cmd::add);
                cfg.put("workingDir", config.workingDir());
                cfg.put("user", config.user());
                cfg.put("stopSignal", config.stopSignal());
                var labels = cfg.putObject("labels");
                config.labels().forEach(labels::put);
                var layers = node.putArray("layers");
                record.layers().forEach(p -> layers.add(p.toString()));
                var pulls = node.putArray("pulls");
                record.pulls().forEach(p -> {
                    var o = pulls.addObject();
                    o.put("registry", p.registryHost());
                    o.put("repository", p.repository());
                    o.put("credentialIdentity", p.credentialIdentity());
                    o.put("at", p.at().toString());
                });
                try {
                    parent.out.println(json.writeValueAsString(node));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException("write the record of " + image, e);
                }
                return 0;
            });
        }
    }

    /** {@code j8s images rm REF...}. */
    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove image references (and unreferenced images).")
    static final class Rm implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        ImagesCommand parent;

        @Parameters(paramLabel = "IMAGE", arity = "1..*")
        List<String> images;

        @Override
        public Integer call() {
            return parent.run("rm", session -> {
                Set<Digest> inUse = session.inUse().get();
                for (String image : images) {
                    // An image a container uses loses the name but stays (dangling) until no container uses it.
                    session.store().remove(ImageReference.parse(image).withDefaultTag(), inUse);
                    parent.out.println("removed " + image);
                }
                return 0;
            });
        }
    }

    /** {@code j8s images import PATH}: OCI layout directory or tar, or a docker save archive. */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Import an OCI image layout (directory or tar) or a `docker save` archive.")
    static final class Import implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        ImagesCommand parent;

        @Parameters(paramLabel = "PATH")
        Path archive;

        @Override
        public Integer call() {
            return parent.run("import", session -> {
                ImageRecord record = session.store().importArchive(session.resolve(archive));
                parent.out.println("imported " + (record.references().isEmpty() ? "<none>" : String.join(", ", record.references()))
                        + " " + record.id());
                return 0;
            });
        }
    }

    /** {@code j8s images prune}: the kubelet's GC with its thresholds, or everything unused with --all. */
    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = "Remove unused images: by the kubelet's disk thresholds, or all unused ones with --all.")
    static final class Prune implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        ImagesCommand parent;

        @Option(names = "--all", description = "Remove every image no container uses, whatever the disk usage.")
        boolean all;

        @Override
        public Integer call() {
            return parent.run("prune", session -> {
                GcPolicy policy = all ? new GcPolicy(0, 0, Duration.ZERO) : GcPolicy.DEFAULT;
                GcResult result = session.store().garbageCollect(policy, session.inUse().get(), Instant.now());
                parent.out.println("removed " + result.removed().size() + " images, freed " + humanSize(result.bytesFreed()));
                return 0;
            });
        }
    }
}
