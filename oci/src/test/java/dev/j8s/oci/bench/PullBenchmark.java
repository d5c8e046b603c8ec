package dev.j8s.oci.bench;

import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.image.ImageStore;
import dev.j8s.oci.image.PullListener;
import dev.j8s.oci.manifest.MediaTypes;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.RegistryOptions;
import dev.j8s.oci.testing.DistributionRegistry;
import dev.j8s.oci.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Cold pulls from a local registry of two images: a generated ~300 MB, 8-layer gzip image of few large files, and an
 * image of real-world shape built from this machine's files ({@link RealWorldImage}: ≈ 660 MB, 7k entries). j8s's
 * ImageStore against {@code skopeo copy docker://… oci:DIR}, {@code podman pull} (when installed) and, for the
 * real-world image, {@code umoci unpack} and the {@code igzip} floors, median of several runs, plus the single-core
 * sha256 and inflate rates measured in the same run. Not a test; see bench/README-pull.md.
 */
public final class PullBenchmark {
    static final int LAYERS = 8;
    static final int LAYER_BYTES = 300 * 1024 * 1024 / LAYERS;

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        // In j8s the registry client is the process's first java.net.http user, and its static initializer sets
        // the client's socket read size; initialize it before the test registry's pusher creates an HttpClient.
        Class.forName("dev.j8s.oci.registry.RegistryClient");
        System.out.println("jdk.httpclient.bufsize=" + System.getProperty("jdk.httpclient.bufsize"));
        Path work = Files.createTempDirectory("j8s-pull-bench");
        Path runRoots = Files.createTempDirectory("pbr"); // podman refuses a runroot longer than 50 characters
        System.out.println("work dir " + work + ", " + runs + " runs each, " + Runtime.getRuntime().availableProcessors() + " cpus");
        try (DistributionRegistry registry = DistributionRegistry.start(Files.createDirectories(work.resolve("registry")), "", "")) {
            boolean peers = !Boolean.getBoolean("bench.j8sOnly"); // -Dbench.j8sOnly=true: profile j8s alone
            boolean hasPodman = peers && Tools.available("podman");
            // podman's default ulimits exceed this machine's hard limits; a throw-away containers.conf lowers them.
            Path containersConf = Files.writeString(work.resolve("containers.conf"),
                    "[containers]\ndefault_ulimits = [\"nproc=4096:4096\", \"nofile=1024:1024\"]\n");
            if (hasPodman) {
                System.out.println("podman: " + podman(work, containersConf, "--version").strip() + ", storage driver "
                        + podman(work, containersConf, "--root", work.resolve("podman-probe/root").toString(), "--runroot",
                        runRoots.resolve("probe").toString(), "info", "--format", "{{.Store.GraphDriverName}}").strip());
                Tools.run(work, "rm", "-rf", work.resolve("podman-probe").toString());
            }
            // -Dbench.image=generated|real|both (both by default)
            String image = System.getProperty("bench.image", "both");
            if (!image.equals("real")) {
                generated(work, runRoots, registry, runs, containersConf, peers, hasPodman);
            }
            if (!image.equals("generated")) {
                realWorld(work, runRoots, registry, runs, containersConf, peers, hasPodman);
            }
        } finally {
            Tools.run(Path.of("/"), "rm", "-rf", work.toString(), runRoots.toString());
        }
    }

    /** The generated image: few large files of pseudo-random words, 8 layers, about 300 MB. */
    static void generated(Path work, Path runRoots, DistributionRegistry registry, int runs, Path containersConf,
                          boolean peers, boolean hasPodman) throws Exception {
        {
            List<byte[]> tars = new ArrayList<>();
            List<byte[]> blobs = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < LAYERS; i++) {
                byte[] tar = layerTar(i);
                byte[] gz = gzip(tar);
                tars.add(tar);
                blobs.add(gz);
                registry.pushBlob("bench/big", Digest.sha256(gz).toString(), gz);
            }
            long compressed = blobs.stream().mapToLong(b -> b.length).sum();
            long uncompressed = tars.stream().mapToLong(b -> b.length).sum();
            StringBuilder diffIds = new StringBuilder();
            StringBuilder layers = new StringBuilder();
            for (int i = 0; i < LAYERS; i++) {
                diffIds.append(i == 0 ? "" : ",").append('"').append(Digest.sha256(tars.get(i))).append('"');
                layers.append(i == 0 ? "" : ",").append(desc(MediaTypes.OCI_LAYER_GZIP, blobs.get(i)));
            }
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
            registry.pushBlob("bench/big", Digest.sha256(config).toString(), config);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                    + desc(MediaTypes.OCI_CONFIG, config) + ",\"layers\":[" + layers + "]}").getBytes(StandardCharsets.UTF_8);
            registry.pushManifest("bench/big", "v1", MediaTypes.OCI_MANIFEST, manifest);
            System.out.printf("image: %d layers, %.1f MB uncompressed, %.1f MB gzip (generated and pushed in %.1f s)%n",
                    LAYERS, uncompressed / 1e6, compressed / 1e6, (System.nanoTime() - t0) / 1e9);

            double sha = sha256Rate(tars.get(0));
            double inflate = inflateRate(blobs.get(0));
            System.out.printf("single core: sha256 %.0f MB/s, gzip inflate %.0f MB/s of output (java.util.zip)%n", sha / 1e6, inflate / 1e6);
            double igzip = igzipRate(work, blobs.get(0), tars.get(0).length);
            if (igzip > 0) {
                System.out.printf("single core: igzip -d %.0f MB/s of output (ISA-L, used by j8s when installed)%n", igzip / 1e6);
            }
            double ceiling = 2 * Math.max(inflate, igzip);

            ImageReference ref = ImageReference.parse(registry.host() + "/bench/big:v1");
            double[] j8s = new double[runs];
            double[] skopeo = new double[runs];
            double[] podman = new double[runs];
            double[][] j8sCpu = new double[2][runs]; // [0] the puller's CPU seconds, [1] the registry's
            double[][] skopeoCpu = new double[2][runs];
            double[][] podmanCpu = new double[2][runs];
            if (System.getProperty("bench.ab") != null) {
                compare(work, registry, ref, runs, uncompressed / 1e6, System.getProperty("bench.ab"));
                return;
            }
            for (int r = 0; r < runs; r++) {
                Path root = work.resolve("j8s-" + r);
                double[] cpu0 = settled(work, registry, "j8s");
                long s = System.nanoTime();
                try (ImageStore store = ImageStore.open(root, RegistryOptions.DEFAULT)) {
                    ImageRecord rec = store.pull(ref, CredentialSupplier.ANONYMOUS, PullListener.NONE);
                    if (rec.layers().size() != LAYERS) {
                        throw new IllegalStateException("pulled " + rec.layers().size() + " layers");
                    }
                }
                j8s[r] = (System.nanoTime() - s) / 1e9;
                cpu(registry, cpu0, j8sCpu, r);
                Tools.run(work, "rm", "-rf", root.toString());

                if (!peers) {
                    continue;
                }
                Path oci = work.resolve("skopeo-" + r);
                cpu0 = settled(work, registry, "skopeo");
                s = System.nanoTime();
                Tools.run(work, "/usr/bin/skopeo", "--insecure-policy", "copy", "-q", "--src-tls-verify=false",
                        "docker://" + ref, "oci:" + oci + ":v1");
                skopeo[r] = (System.nanoTime() - s) / 1e9;
                cpu(registry, cpu0, skopeoCpu, r);
                Tools.run(work, "rm", "-rf", oci.toString());

                if (hasPodman) {
                    Path storage = work.resolve("podman-" + r);
                    cpu0 = settled(work, registry, "podman");
                    s = System.nanoTime();
                    podman(work, containersConf, "--root", storage.resolve("root").toString(), "--runroot",
                            runRoots.resolve("r" + r).toString(), "pull", "-q", "--tls-verify=false", ref.toString());
                    podman[r] = (System.nanoTime() - s) / 1e9;
                    cpu(registry, cpu0, podmanCpu, r);
                    Tools.run(work, "rm", "-rf", storage.toString());
                }
            }
            double mb = compressed / 1e6;
            double mbOut = uncompressed / 1e6;
            report("j8s ImageStore.pull (unpacked)", j8s, mb, mbOut);
            reportCpu("j8s", j8sCpu);
            if (!peers) {
                System.out.printf("j8s output rate %.0f MB/s vs the 2-core inflate ceiling %.0f MB/s%n",
                        mbOut / median(j8s), ceiling / 1e6);
                return;
            }
            report("skopeo copy -> oci dir (no unpack)", skopeo, mb, mbOut);
            reportCpu("skopeo", skopeoCpu);
            if (hasPodman) {
                report("podman pull (unpacked)", podman, mb, mbOut);
                reportCpu("podman", podmanCpu);
            } else {
                System.out.println("podman: not installed, skipped");
            }
            System.out.printf("ratio skopeo/j8s median time: %.2f (>1 means j8s is faster)%n", median(skopeo) / median(j8s));
            if (hasPodman) {
                System.out.printf("ratio podman/j8s median time: %.2f%n", median(podman) / median(j8s));
            }
            System.out.printf("j8s output rate %.0f MB/s vs the 2-core inflate ceiling %.0f MB/s%n",
                    mbOut / median(j8s), ceiling / 1e6);
        }
    }

    /** Pulls an image into a fresh store under {@code root} (this build's {@code oci} classes, or another build's). */
    @FunctionalInterface
    interface Puller {
        void pull(Path root) throws Exception;
    }

    /** This build's ImageStore. */
    static Puller current(ImageReference ref, int layers) {
        return root -> {
            try (ImageStore store = ImageStore.open(root, RegistryOptions.DEFAULT)) {
                ImageRecord rec = store.pull(ref, CredentialSupplier.ANONYMOUS, PullListener.NONE);
                if (rec.layers().size() != layers) {
                    throw new IllegalStateException("pulled " + rec.layers().size() + " layers");
                }
            }
        };
    }

    /**
     * The ImageStore of another build's {@code oci} classes ({@code -Dbench.before=DIR}, e.g. main's
     * {@code oci/target/classes}), loaded with this class path's jars in a class loader of its own, so both builds
     * pull alternately in one JVM and one minute.
     */
    static Puller loaded(Path classes, String ref) throws Exception {
        List<URL> urls = new ArrayList<>(List.of(classes.toUri().toURL()));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith(".jar")) {
                urls.add(Path.of(e).toUri().toURL());
            }
        }
        ClassLoader cl = new URLClassLoader("before", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        Class<?> store = cl.loadClass("dev.j8s.oci.image.ImageStore");
        Class<?> options = cl.loadClass("dev.j8s.oci.registry.RegistryOptions");
        Class<?> reference = cl.loadClass("dev.j8s.oci.reference.ImageReference");
        Class<?> credentials = cl.loadClass("dev.j8s.oci.registry.CredentialSupplier");
        Class<?> listener = cl.loadClass("dev.j8s.oci.image.PullListener");
        Object parsed = reference.getMethod("parse", String.class).invoke(null, ref);
        Object defaults = options.getField("DEFAULT").get(null);
        Object anonymous = credentials.getField("ANONYMOUS").get(null);
        Object none = listener.getField("NONE").get(null);
        Method open = store.getMethod("open", Path.class, options);
        Method pull = store.getMethod("pull", reference, credentials, listener);
        return root -> {
            try (AutoCloseable s = (AutoCloseable) open.invoke(null, root, defaults)) {
                pull.invoke(s, parsed, anonymous, none);
            }
        };
    }

    /**
     * The real-world-shaped image ({@link RealWorldImage}): j8s (and, with {@code -Dbench.before=DIR}, another build
     * alternating with it), {@code skopeo copy}, {@code umoci unpack} of skopeo's copy, {@code podman pull}, and the
     * floors: {@code igzip -dc} of all layers two at a time, and {@code igzip -dc | tar -x} of the layers one after
     * another.
     */
    static void realWorld(Path work, Path runRoots, DistributionRegistry registry, int runs, Path containersConf,
                          boolean peers, boolean hasPodman) throws Exception {
        Path dir = Files.createDirectories(work.resolve("real"));
        long t0 = System.nanoTime();
        List<RealWorldImage.Layer> layers = RealWorldImage.build(dir);
        StringBuilder diffIds = new StringBuilder();
        StringBuilder descs = new StringBuilder();
        for (RealWorldImage.Layer l : layers) {
            registry.pushBlob("bench/real", l.digest().toString(), l.file());
            diffIds.append(diffIds.isEmpty() ? "" : ",").append('"').append(l.diffId()).append('"');
            descs.append(descs.isEmpty() ? "" : ",").append("{\"mediaType\":\"").append(MediaTypes.OCI_LAYER_GZIP)
                    .append("\",\"digest\":\"").append(l.digest()).append("\",\"size\":").append(l.compressed()).append('}');
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        registry.pushBlob("bench/real", Digest.sha256(config).toString(), config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + desc(MediaTypes.OCI_CONFIG, config) + ",\"layers\":[" + descs + "]}").getBytes(StandardCharsets.UTF_8);
        registry.pushManifest("bench/real", "v1", MediaTypes.OCI_MANIFEST, manifest);
        long compressed = layers.stream().mapToLong(RealWorldImage.Layer::compressed).sum();
        long uncompressed = layers.stream().mapToLong(RealWorldImage.Layer::uncompressed).sum();
        int entries = layers.stream().mapToInt(RealWorldImage.Layer::entries).sum();
        System.out.printf("%nreal-world image: %d layers, %.1f MB gzip -> %.1f MB, %d entries (built from this machine's "
                + "files and pushed in %.1f s)%n", layers.size(), compressed / 1e6, uncompressed / 1e6, entries,
                (System.nanoTime() - t0) / 1e9);
        for (int i = 0; i < layers.size(); i++) {
            RealWorldImage.Layer l = layers.get(i);
            System.out.printf("  layer %d: %6.1f MB gzip -> %6.1f MB, %5d entries  /%s%n", i, l.compressed() / 1e6,
                    l.uncompressed() / 1e6, l.entries(), String.join(" /", RealWorldImage.LAYERS.get(i)));
        }

        if (runs == 0) {
            return; // build only: the baseline when tracing system calls of the pulls (strace -c -f)
        }
        String ref = registry.host() + "/bench/real:v1";
        Puller after = current(ImageReference.parse(ref), layers.size());
        String beforeDir = System.getProperty("bench.before");
        Puller before = beforeDir == null ? null : loaded(Path.of(beforeDir), ref);
        int kinds = before == null ? 1 : 2;
        double[][] j8s = new double[kinds][runs];
        double[][][] j8sCpu = new double[kinds][2][runs];
        double[] skopeo = new double[runs];
        double[] umoci = new double[runs];
        double[] podman = new double[runs];
        double[] inflateFloor = new double[runs];
        double[] untarFloor = new double[runs];
        double[][] skopeoCpu = new double[2][runs];
        double[][] umociCpu = new double[2][runs];
        double[][] podmanCpu = new double[2][runs];
        double[][] inflateCpu = new double[2][runs];
        double[][] untarCpu = new double[2][runs];
        // Trees are removed at the end, not between pulls: ext4 without a journal (this machine's) skips inodes
        // deleted in the last seconds when it allocates new ones, scanning past each, so a pull right after a
        // 7k-file rm -rf pays for it in every create (a third of the unpacking thread's time in perf).
        List<Path> trash = new ArrayList<>();
        String[] names = before == null ? new String[] {"j8s"} : new String[] {"j8s after", "j8s before"};
        // A node's JVM has compiled its pull path after its first pulls; one pull per build first, not counted
        // (-Dbench.warmup=0 to count the cold JVM).
        for (int w = 0; w < Integer.getInteger("bench.warmup", 1); w++) {
            for (int m = 0; m < kinds; m++) {
                Path root = work.resolve("real-warmup-" + m + "-" + w);
                long s = System.nanoTime();
                (m == 0 ? after : before).pull(root);
                System.out.printf("  warm-up %-10s %.2f s (not counted)%n", names[m], (System.nanoTime() - s) / 1e9);
                trash.add(root);
            }
        }
        for (int r = 0; r < runs; r++) {
            for (int k = 0; k < kinds; k++) {
                int m = (r + k) % kinds; // the order swaps every run
                Path root = work.resolve("real-j8s-" + m + "-" + r);
                double[] cpu0 = settled(work, registry, names[m]);
                long s = System.nanoTime();
                (m == 0 ? after : before).pull(root);
                j8s[m][r] = (System.nanoTime() - s) / 1e9;
                cpu(registry, cpu0, j8sCpu[m], r);
                trash.add(root);
                System.out.printf("  run %d %-10s %.2f s, CPU %.2f s%n", r, names[m], j8s[m][r], j8sCpu[m][0][r]);
            }
            if (!peers) {
                continue;
            }
            Path oci = work.resolve("real-skopeo-" + r);
            double[] cpu0 = settled(work, registry, "skopeo");
            long s = System.nanoTime();
            Tools.run(work, "/usr/bin/skopeo", "--insecure-policy", "copy", "-q", "--src-tls-verify=false",
                    "docker://" + ref, "oci:" + oci + ":v1");
            skopeo[r] = (System.nanoTime() - s) / 1e9;
            cpu(registry, cpu0, skopeoCpu, r);
            if (Tools.available("umoci")) {
                Path bundle = work.resolve("real-umoci-" + r);
                cpu0 = settled(work, registry, "umoci");
                s = System.nanoTime();
                Tools.run(work, "/usr/bin/umoci", "unpack", "--image", oci + ":v1", bundle.toString());
                umoci[r] = (System.nanoTime() - s) / 1e9;
                cpu(registry, cpu0, umociCpu, r);
                trash.add(bundle);
            }
            trash.add(oci);
            if (hasPodman) {
                Path storage = work.resolve("real-podman-" + r);
                cpu0 = settled(work, registry, "podman");
                s = System.nanoTime();
                podman(work, containersConf, "--root", storage.resolve("root").toString(), "--runroot",
                        runRoots.resolve("real" + r).toString(), "pull", "-q", "--tls-verify=false", ref);
                podman[r] = (System.nanoTime() - s) / 1e9;
                cpu(registry, cpu0, podmanCpu, r);
                trash.add(storage);
            }
            if (Tools.available("igzip")) {
                cpu0 = settled(work, registry, "igzip -dc");
                s = System.nanoTime();
                try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
                    List<java.util.concurrent.Future<String>> done = new ArrayList<>();
                    for (RealWorldImage.Layer l : layers) {
                        done.add(pool.submit(() -> Tools.run(work, "/bin/sh", "-c", "/usr/bin/igzip -dc " + l.file() + " >/dev/null")));
                    }
                    for (var f : done) {
                        f.get();
                    }
                }
                inflateFloor[r] = (System.nanoTime() - s) / 1e9;
                cpu(registry, cpu0, inflateCpu, r);
                Path into = Files.createDirectories(work.resolve("real-tar-" + r));
                cpu0 = settled(work, registry, "igzip|tar");
                s = System.nanoTime();
                for (RealWorldImage.Layer l : layers) {
                    Tools.run(work, "/bin/sh", "-c", "/usr/bin/igzip -dc " + l.file() + " | tar -x -C " + into);
                }
                untarFloor[r] = (System.nanoTime() - s) / 1e9;
                cpu(registry, cpu0, untarCpu, r);
                trash.add(into);
            }
        }
        for (Path p : trash) {
            Tools.run(work, "rm", "-rf", p.toString());
        }
        Tools.run(work, "/bin/sync"); // the removal's write-back too, so the next invocation finds the disk idle
        double mb = compressed / 1e6;
        double mbOut = uncompressed / 1e6;
        System.out.println("real-world image, " + runs + " runs (load average before: "
                + Files.readString(Path.of("/proc/loadavg")).strip() + ")");
        for (int m = 0; m < kinds; m++) {
            report(names[m] + " ImageStore.pull (unpacked)", j8s[m], mb, mbOut);
            reportCpu(names[m], j8sCpu[m]);
        }
        if (before != null) {
            System.out.printf("ratio before/after median time: %.2f, CPU: %.2f%n", median(j8s[1]) / median(j8s[0]),
                    median(j8sCpu[1][0]) / median(j8sCpu[0][0]));
        }
        if (!peers) {
            return;
        }
        report("skopeo copy -> oci dir (no unpack)", skopeo, mb, mbOut);
        reportCpu("skopeo", skopeoCpu);
        if (Tools.available("umoci")) {
            report("umoci unpack of that oci dir", umoci, mb, mbOut);
            reportCpu("umoci", umociCpu);
        }
        if (hasPodman) {
            report("podman pull (unpacked)", podman, mb, mbOut);
            reportCpu("podman", podmanCpu);
        } else {
            System.out.println("podman: not installed, skipped");
        }
        if (Tools.available("igzip")) {
            report("floor: igzip -dc, 2 layers at a time", inflateFloor, mb, mbOut);
            reportCpu("igzip -dc", inflateCpu);
            report("floor: igzip -dc | tar -x, in turn", untarFloor, mb, mbOut);
            reportCpu("igzip | tar -x", untarCpu);
        }
        for (int m = 0; m < kinds; m++) {
            System.out.printf("%s / skopeo median time: %.2f (target <= 2.5)", names[m], median(j8s[m]) / median(skopeo));
            if (hasPodman) {
                System.out.printf(", %s / podman: %.2f (target <= 0.33)", names[m], median(j8s[m]) / median(podman));
            }
            if (Tools.available("igzip")) {
                System.out.printf(", %s / untar floor: %.2f", names[m], median(j8s[m]) / median(untarFloor));
            }
            System.out.println();
        }
    }

    /**
     * {@code -Dbench.ab=gzip}: j8s pulls alternating between ISA-L's {@code igzip} tool in a child process and ISA-L's
     * library in process ({@code j8s.oci.gzip}); {@code -Dbench.ab=sync}: without and with the {@code syncfs} before
     * each layer's rename ({@code j8s.oci.syncLayers}). The order is swapped every run, in one JVM and one minute.
     */
    static void compare(Path work, DistributionRegistry registry, ImageReference ref, int runs, double mbOut, String what)
            throws Exception {
        String property = what.equals("sync") ? "j8s.oci.syncLayers" : "j8s.oci.gzip";
        String[] modes = what.equals("sync") ? new String[] {"false", "true"} : new String[] {"igzip", "isal-library"};
        double[][] times = new double[2][runs];
        double[][][] cpus = new double[2][2][runs];
        for (int r = 0; r < runs; r++) {
            for (int k = 0; k < 2; k++) {
                int m = (r + k) % 2;
                System.setProperty(property, modes[m]);
                Path root = work.resolve("ab-" + m + "-" + r);
                double[] cpu0 = settled(work, registry, modes[m]);
                long s = System.nanoTime();
                try (ImageStore store = ImageStore.open(root, RegistryOptions.DEFAULT)) {
                    store.pull(ref, CredentialSupplier.ANONYMOUS, PullListener.NONE);
                }
                times[m][r] = (System.nanoTime() - s) / 1e9;
                cpu(registry, cpu0, cpus[m], r);
                Tools.run(work, "rm", "-rf", root.toString());
                System.out.printf("run %d %-12s %.2f s%n", r, modes[m], times[m][r]);
            }
        }
        System.clearProperty(property);
        for (int m = 0; m < 2; m++) {
            System.out.printf("j8s with %s=%-12s median %.2f s (%.0f MB/s unpacked), CPU per pull median %.2f s%n",
                    property, modes[m], median(times[m]), mbOut / median(times[m]), median(cpus[m][0]));
        }
        System.out.printf("%s / %s median time: %.2f%n", modes[0], modes[1], median(times[0]) / median(times[1]));
    }

    /** Runs podman with the benchmark's containers.conf; throws with the output on failure. */
    static String podman(Path cwd, Path containersConf, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/podman"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().put("CONTAINERS_CONF", containersConf.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("podman " + String.join(" ", args) + ": " + out);
        }
        return out;
    }

    /**
     * Writes back everything dirty ({@code sync}), then {@link #cpu}: called before every timed step, so each tool
     * starts with nothing of the steps before it left to write back. Without it the write-back of up to 2 GB per run
     * (each unpacking tool leaves its 659 MB tree dirty) fell on whichever step came next: on j8s in full, as its
     * {@code syncfs} before each layer's rename writes back the whole file system, the other tools' trees included,
     * and on the others as a disk shared with the kernel's flusher.
     */
    static double[] settled(Path work, DistributionRegistry registry, String next) throws Exception {
        long dirtyKb = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("Dirty:") || line.startsWith("Writeback:")) {
                dirtyKb += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        long s = System.nanoTime();
        Tools.run(work, "/bin/sync");
        System.out.printf("  sync before %-10s %5.0f MB dirty, written back in %.2f s (not counted)%n", next,
                dirtyKb / 1024.0, (System.nanoTime() - s) / 1e9);
        return cpu(registry);
    }

    /** CPU seconds so far of this JVM, of its reaped children (skopeo, podman) and of the registry. */
    static double[] cpu(DistributionRegistry registry) throws Exception {
        String[] stat = Files.readString(Path.of("/proc/self/stat")).replaceFirst("^.*\\) ", "").split(" ");
        double children = (Long.parseLong(stat[13]) + Long.parseLong(stat[14])) / 100.0; // cutime, cstime (USER_HZ)
        double self = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
        double reg = registry.process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
        return new double[] {self, children, reg};
    }

    /** Records the CPU used since {@code before}: the puller's (this JVM or the child tool) and the registry's. */
    static void cpu(DistributionRegistry registry, double[] before, double[][] into, int run) throws Exception {
        double[] now = cpu(registry);
        double self = now[0] - before[0];
        double children = now[1] - before[1];
        into[0][run] = self + children; // a peer's run is child CPU; j8s's is its own plus any igzip it ran
        into[1][run] = now[2] - before[2];
    }

    static void reportCpu(String what, double[][] cpu) {
        System.out.printf("  %s CPU per pull: median %.2f s in the puller, %.2f s in the registry%n", what,
                median(cpu[0]), median(cpu[1]));
    }

    static void report(String what, double[] secs, double mbIn, double mbOut) {
        double[] s = secs.clone();
        Arrays.sort(s);
        double med = median(secs);
        System.out.printf("%-36s runs %s  min %.2f s  median %.2f s  max %.2f s  -> %.0f MB/s compressed, %.0f MB/s unpacked%n",
                what, Arrays.toString(Arrays.stream(secs).map(x -> Math.round(x * 100) / 100.0).toArray()), s[0], med,
                s[s.length - 1], mbIn / med, mbOut / med);
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String desc(String mediaType, byte[] blob) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + Digest.sha256(blob) + "\",\"size\":" + blob.length + "}";
    }

    /** Files of pseudo-random words: compresses about 3:1 with gzip, like typical binaries and text. */
    static byte[] layerTar(int layer) throws Exception {
        Random random = new Random(42 + layer);
        String[] words = new String[4096];
        for (int i = 0; i < words.length; i++) {
            char[] w = new char[3 + random.nextInt(8)];
            for (int j = 0; j < w.length; j++) {
                w[j] = (char) ('a' + random.nextInt(26));
            }
            words[i] = new String(w);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(LAYER_BYTES + (1 << 20));
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            int file = 0;
            while (out.size() < LAYER_BYTES) {
                int size = 64 * 1024 + random.nextInt(4 << 20);
                StringBuilder sb = new StringBuilder(size + 16);
                while (sb.length() < size) {
                    sb.append(words[random.nextInt(words.length)]).append(random.nextInt(10) == 0 ? '\n' : ' ');
                }
                byte[] data = sb.toString().getBytes(StandardCharsets.US_ASCII);
                TarArchiveEntry e = new TarArchiveEntry("data/l" + layer + "/f" + (file++));
                e.setSize(data.length);
                e.setMode(0644);
                tar.putArchiveEntry(e);
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** Output bytes per second of {@code igzip -d} on one layer (best of 3, file to /dev/null); 0 when not installed. */
    static double igzipRate(Path work, byte[] gz, long outBytes) throws Exception {
        if (!Tools.available("igzip")) {
            return 0;
        }
        Path f = Files.write(work.resolve("layer0.gz"), gz);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long s = System.nanoTime();
            Process p = new ProcessBuilder("/usr/bin/igzip", "-d", "-c", f.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("igzip failed");
            }
            best = Math.min(best, (System.nanoTime() - s) / 1e9);
        }
        Files.delete(f);
        return outBytes / best;
    }

    static double sha256Rate(byte[] data) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(data); // warm-up
        long s = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            md.update(data);
        }
        md.digest();
        return 3.0 * data.length / ((System.nanoTime() - s) / 1e9);
    }

    static double inflateRate(byte[] gz) throws Exception {
        long out = 0;
        long s = 0;
        for (int i = 0; i < 3; i++) {
            if (i == 1) {
                s = System.nanoTime();
                out = 0;
            }
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz), 1 << 16)) {
                out += in.transferTo(OutputStream.nullOutputStream());
            }
        }
        return out / ((System.nanoTime() - s) / 1e9);
    }
}
