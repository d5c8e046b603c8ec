package dev.j8s.cli;

import dev.j8s.oci.image.GcPolicy;
import dev.j8s.oci.image.GcResult;
import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.image.ImageStore;
import dev.j8s.oci.image.PullListener;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.RegistryOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code j8s images}: the node's image store from the command line — list, pull, inspect,
 * remove, import (OCI layouts and {@code docker save} archives, for offline nodes) and prune.
 * Not thread-safe; each subcommand opens the store under the data directory.
 */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = "List, pull, inspect, remove, import and prune the node's images.",
        subcommands = {ImagesCommand.Ls.class, ImagesCommand.Pull.class, ImagesCommand.Inspect.class,
                ImagesCommand.Rm.class, ImagesCommand.Import.class, ImagesCommand.Prune.class})
final class ImagesCommand implements Runnable {

    private final HostEnvironment host;
    private final PrintStream out;

    @Option(names = "--data-dir", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "State directory (default: /var/lib/j8s as root, else $XDG_DATA_HOME/j8s or ~/.local/share/j8s).")
    Path dataDir;

    ImagesCommand(HostEnvironment host, PrintStream out) {
        this.host = host;
        this.out = out;
    }

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(out);
    }

    ImageStore open() {
        return ImageStore.open(DataDirs.resolve(dataDir, host).resolve("images"), RegistryOptions.DEFAULT);
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
            try (ImageStore store = parent.open()) {
                parent.out.printf("%-60s %-14s %s%n", "REFERENCE", "IMAGE ID", "SIZE");
                for (ImageRecord image : store.list()) {
                    List<String> refs = image.references().isEmpty() ? List.of("<none>") : image.references();
                    for (String ref : refs) {
                        parent.out.printf("%-60s %-14s %s%n", ref, shortId(image.id()), humanSize(image.size()));
                    }
                }
            }
            return 0;
        }
    }

    /** {@code j8s images pull REF}: anonymous unless the registry is configured otherwise. */
    @Command(name = "pull", mixinStandardHelpOptions = true, description = "Pull an image from its registry.")
    static final class Pull implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        ImagesCommand parent;

        @Parameters(paramLabel = "IMAGE", description = "Image reference, e.g. 127.0.0.1:5000/team/app:1.0")
        String image;

        @Override
        public Integer call() {
            ImageReference ref = ImageReference.parse(image).withDefaultTag();
            boolean terminal = System.console() != null;
            Progress progress = new Progress(parent.out, terminal);
            try (ImageStore store = parent.open()) {
                ImageRecord record = store.pull(ref, CredentialSupplier.ANONYMOUS, progress);
                progress.finish();
                parent.out.println("pulled " + ref + " " + record.id() + " (" + humanSize(record.size()) + ")");
            }
            return 0;
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
        public Integer call() throws Exception {
            try (ImageStore store = parent.open()) {
                ImageRecord record = store.find(ImageReference.parse(image).withDefaultTag())
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
                parent.out.println(json.writeValueAsString(node));
            }
            return 0;
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
            try (ImageStore store = parent.open()) {
                for (String image : images) {
                    store.remove(ImageReference.parse(image).withDefaultTag());
                    parent.out.println("removed " + image);
                }
            }
            return 0;
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
            try (ImageStore store = parent.open()) {
                ImageRecord record = store.importArchive(archive);
                parent.out.println("imported " + (record.references().isEmpty() ? "<none>" : String.join(", ", record.references()))
                        + " " + record.id());
            }
            return 0;
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
            try (ImageStore store = parent.open()) {
                GcPolicy policy = all ? new GcPolicy(0, 0, Duration.ZERO) : GcPolicy.DEFAULT;
                GcResult result = store.garbageCollect(policy, Set.of(), Instant.now());
                parent.out.println("removed " + result.removed().size() + " images, freed " + humanSize(result.bytesFreed()));
            }
            return 0;
        }
    }
}
