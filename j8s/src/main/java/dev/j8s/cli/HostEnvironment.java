package dev.j8s.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the command line's defaults depend on: whether we run as root, the environment, the home
 * directory and the host name. Immutable; tests build their own.
 *
 * @param root     whether the effective user is root
 * @param env      environment variables
 * @param home     the user's home directory ({@code $HOME}, where kubectl looks for {@code .kube/config})
 * @param hostname the machine's host name as the kernel reports it
 */
record HostEnvironment(boolean root, Map<String, String> env, Path home, String hostname) {

    HostEnvironment {
        env = Map.copyOf(env);
    }

    static HostEnvironment current() {
        return new HostEnvironment(isRoot(), System.getenv(), home(System.getenv()), kernelHostname());
    }

    /** {@code $HOME} as kubectl reads it (client-go's homedir), else the JDK's idea of it from the user database. */
    static Path home(Map<String, String> env) {
        String home = env.getOrDefault("HOME", "");
        return !home.isEmpty() && Path.of(home).isAbsolute() ? Path.of(home) : Path.of(System.getProperty("user.home"));
    }

    private static boolean isRoot() {
        try {
            // /proc/self belongs to the process's effective user.
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static String kernelHostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException e) {
            // not Linux, or no procfs: ask the resolver below
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
