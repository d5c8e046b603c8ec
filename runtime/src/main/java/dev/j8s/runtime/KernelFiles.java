package dev.j8s.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the kernel's small text files the runtime and the kubelet measure with: one-number files
 * ({@code pids.current}, {@code memory.usage_in_bytes}), {@code key value} files ({@code memory.stat},
 * {@code cpu.stat}, {@code memory.events}) and {@code /proc/meminfo}. A file that is gone (a cgroup removed with
 * its container) or unreadable reads as 0. Stateless and thread-safe.
 */
public final class KernelFiles {
    private KernelFiles() {}

    /** The number {@code file} holds, or 0. */
    public static long number(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** The value of {@code key} in a {@code key value} file such as {@code memory.stat}, or 0. */
    public static long field(Path file, String key) {
        return field(text(file), key);
    }

    /** The value of {@code key} in {@code key value} lines, or 0. */
    public static long field(String lines, String key) {
        for (String line : lines.split("\n")) {
            if (line.startsWith(key + " ")) {
                try {
                    return Long.parseLong(line.substring(key.length() + 1).strip());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** {@code key} of {@code /proc/meminfo} in bytes ({@code MemTotal}, {@code MemAvailable}), or 0. */
    public static long meminfoBytes(String key) {
        return meminfoBytes(text(Path.of("/proc/meminfo")), key);
    }

    /** {@code key} of {@code meminfo} text ({@code MemTotal:  24683784 kB}) in bytes, or 0. */
    public static long meminfoBytes(String meminfo, String key) {
        for (String line : meminfo.split("\n")) {
            if (line.startsWith(key + ":")) {
                try {
                    return Long.parseLong(line.substring(key.length() + 1).strip().split("\\s+")[0]) * 1024;
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** The text of {@code file}, or empty when it cannot be read. */
    public static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
