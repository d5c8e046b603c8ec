package dev.j8s.cli;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything {@code j8s server} was asked to do, with defaults applied and values checked. Immutable.
 *
 * @param dataDir          absolute, normalized data directory
 * @param listen           where the API server listens
 * @param nodeName         this machine's Node name
 * @param serviceCidr      the ClusterIP range; empty until the data dir exists when it follows the pod range
 * @param admissionPlugins admission plugins enabled beyond the defaults, in the order given
 * @param mergeKubeconfig  whether to merge an entry into {@code ~/.kube/config}
 * @param mergedName       the name of that entry's cluster, user and context
 * @param logLevel         the most detailed level logged
 */
record ServerSettings(Path dataDir, ListenAddress listen, String nodeName, String serviceCidr,
                      Set<String> admissionPlugins, boolean mergeKubeconfig, String mergedName, Level logLevel) {

    ServerSettings {
        admissionPlugins = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(admissionPlugins));
    }

    /** These settings with another ClusterIP range. */
    ServerSettings withServiceCidr(String cidr) {
        return new ServerSettings(dataDir, listen, nodeName, cidr, admissionPlugins, mergeKubeconfig, mergedName,
                logLevel);
    }

    Path stateDb() {
        return dataDir.resolve("state.db");
    }

    Path pkiDir() {
        return dataDir.resolve("pki");
    }

    Path kubeconfig() {
        return DataDirs.kubeconfig(dataDir);
    }

    /**
     * The name of the cluster, user and context merged into {@code ~/.kube/config}: {@code j8s} for the
     * default data directory, else {@code j8s-} and the first 8 hex digits of the SHA-256 of the data
     * directory's path, so that servers with different data directories do not overwrite each other.
     */
    static String mergedName(Path dataDir, Path defaultDataDir) {
        if (dataDir.equals(defaultDataDir.toAbsolutePath().normalize())) {
            return "j8s";
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(dataDir.toString().getBytes(StandardCharsets.UTF_8));
            return "j8s-" + HexFormat.of().formatHex(hash, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** Splits comma lists and drops blanks and repeats: {@code a,b} and {@code b} give {@code [a, b]}. */
    static Set<String> plugins(List<String> given) {
        Set<String> plugins = new LinkedHashSet<>();
        for (String value : given) {
            for (String p : value.split(",")) {
                String name = p.strip();
                if (name.isEmpty()) {
                    continue;
                }
                if (!name.matches("[A-Za-z][A-Za-z0-9]*")) {
                    throw new IllegalArgumentException("invalid --enable-admission-plugins \"" + value
                            + "\": plugin names are words such as AlwaysPullImages");
                }
                plugins.add(name);
            }
        }
        return plugins;
    }
}
