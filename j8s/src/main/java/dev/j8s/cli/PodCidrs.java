package dev.j8s.cli;

import dev.j8s.runtime.RuntimeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The pod range of a data dir that is not the default one: one of the fifty /16s {@code 10.200.0.0}–{@code
 * 10.249.0.0}, the first one from a hash of the data dir's path that no other interface of the host routes,
 * chosen at the instance's first start and recorded in {@code <data-dir>/pod-cidr} so that its pods keep their
 * addresses across restarts. Two instances side by side therefore never share a range (a hash alone collides
 * often among fifty). Thread-safe (static).
 */
final class PodCidrs {

    private static final System.Logger LOG = System.getLogger(PodCidrs.class.getName());
    static final String FILE = "pod-cidr";
    private static final int FIRST = 200;
    private static final int COUNT = 50;

    private PodCidrs() {}

    /**
     * The range recorded for {@code dataDir}, else the first free one from its hash, recorded now.
     *
     * @param routes the host's IPv4 routes in {@code /proc/net/route}'s format
     */
    static String choose(Path dataDir, String routes) {
        Optional<String> recorded = recorded(dataDir);
        if (recorded.isPresent()) {
            return recorded.get();
        }
        String bridge = RuntimeConfig.bridgeName(dataDir);
        int start = hashed(dataDir);
        String chosen = null;
        for (int i = 0; i < COUNT && chosen == null; i++) {
            int second = FIRST + (start + i) % COUNT;
            if (!routedElsewhere(routes, second, bridge)) {
                chosen = "10." + second + ".0.0/16";
            }
        }
        if (chosen == null) {
            chosen = derived(dataDir);
            LOG.log(Level.WARNING, "every pod range 10.200.0.0/16-10.249.0.0/16 is routed by another interface,"
                    + " using " + chosen + " (set --pod-cidr to choose another)");
        }
        record(dataDir, chosen);
        return chosen;
    }

    /** The range the instance of {@code dataDir} recorded at its first start, if it did. */
    static Optional<String> recorded(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            return Files.exists(file)
                    ? Optional.of(Cidrs.validate(file.toString(), Files.readString(file, StandardCharsets.US_ASCII).strip()))
                    : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file, e);
        }
    }

    /** The range from the hash alone (what the instance gets when nothing else routes it). */
    static String derived(Path dataDir) {
        return "10." + (FIRST + hashed(dataDir)) + ".0.0/16";
    }

    /** The host's IPv4 routes, empty when they cannot be read (then nothing counts as taken). */
    static String hostRoutes() {
        try {
            return Files.readString(Path.of("/proc/net/route"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether an interface other than {@code bridge} routes a range of /16 or narrower inside 10.{second}.0.0/16. */
    static boolean routedElsewhere(String routes, int second, String bridge) {
        List<String> lines = routes.lines().skip(1).toList();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 8 || f[0].equals(bridge)) {
                continue;
            }
            long destination = littleEndian(f[1]);
            long mask = littleEndian(f[7]);
            if (destination < 0 || mask < 0 || Long.bitCount(mask) < 16) {
                continue; // wider routes (the default route, a 10.0.0.0/8) do not stop a /16 of its own
            }
            if ((destination >>> 16) == ((10L << 8) | second)) {
                return true;
            }
        }
        return false;
    }

    private static long littleEndian(String hex) {
        if (!hex.matches("[0-9A-Fa-f]{8}")) {
            return -1;
        }
        long v = Long.parseLong(hex, 16);
        return ((v & 0xFF) << 24) | ((v & 0xFF00) << 8) | ((v >>> 8) & 0xFF00) | ((v >>> 24) & 0xFF);
    }

    private static int hashed(Path dataDir) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(dataDir.toString().getBytes(StandardCharsets.UTF_8));
            return Integer.parseUnsignedInt(HexFormat.of().formatHex(d, 0, 2), 16) % COUNT;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private static void record(Path dataDir, String cidr) {
        Path file = dataDir.resolve(FILE);
        try {
            Path tmp = Files.createTempFile(dataDir, FILE, ".tmp");
            Files.writeString(tmp, cidr + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("record the pod range in " + file, e);
        }
    }
}
