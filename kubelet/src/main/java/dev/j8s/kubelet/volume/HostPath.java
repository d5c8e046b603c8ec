package dev.j8s.kubelet.volume;

import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The {@code hostPath} plugin (upstream {@code pkg/volume/hostpath}): the node's path itself, checked against the
 * volume's {@code type} (and made for the {@code …OrCreate} types); never chowned for {@code fsGroup}. Stateless
 * and thread-safe.
 */
public final class HostPath {

    private HostPath() {}

    /**
     * Checks (or makes) the path and returns it.
     *
     * @throws VolumeException with upstream's message when the path is not of the asked type
     */
    public static Path setUp(HostPathVolumeSource source) {
        String text = source.getPath() == null ? "" : source.getPath();
        Path path = Path.of(text);
        for (Path part : path) {
            if (part.toString().equals("..")) {
                throw new VolumeException("invalid HostPath `" + text + "`: must not contain '..'");
            }
        }
        String type = source.getType() == null ? "" : source.getType();
        try {
            switch (type) {
                case "" -> {
                    // no check; as containerd, a missing source becomes a directory (runc alone would fail)
                    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.exists(path)) {
                        makeDir(path);
                    }
                }
                case "DirectoryOrCreate" -> {
                    if (!Files.exists(path)) {
                        makeDir(path);
                    }
                    requireDirectory(path, text);
                }
                case "Directory" -> requireDirectory(path, text);
                case "FileOrCreate" -> {
                    if (!Files.exists(path)) {
                        makeFile(path);
                    }
                    require(Files.isRegularFile(path), text + " is not a file");
                }
                case "File" -> require(Files.isRegularFile(path), text + " is not a file");
                case "Socket" -> require(fileType(path).equals("socket"), text + " is not a socket file");
                case "CharDevice" -> require(fileType(path).equals("char"), text + " is not a character device");
                case "BlockDevice" -> require(fileType(path).equals("block"), text + " is not a block device");
                default -> throw new VolumeException(type + " is an invalid volume type");
            }
        } catch (IOException e) {
            throw new VolumeException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
        return path;
    }

    private static void requireDirectory(Path path, String text) {
        require(Files.isDirectory(path), text + " is not a directory");
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new VolumeException("hostPath type check failed: " + what);
        }
    }

    private static void makeDir(Path path) throws IOException {
        Files.createDirectories(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }

    /** An empty file of mode 0644; its parent must exist (the error is the open's, as upstream). */
    private static void makeFile(Path path) throws IOException {
        try {
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        } catch (FileAlreadyExistsException e) {
            // made meanwhile: the type check decides
        } catch (NoSuchFileException e) {
            throw new IOException("open " + path + ": no such file or directory", e);
        }
    }

    /** {@code socket}, {@code char}, {@code block}, or something else, following symbolic links. */
    private static String fileType(Path path) throws IOException {
        if (!Files.exists(path)) {
            return "";
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode");
        return switch (mode & Fds.S_IFMT) {
            case 0140000 -> "socket";
            case 0020000 -> "char";
            case 0060000 -> "block";
            default -> "";
        };
    }
}
