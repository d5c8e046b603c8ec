package dev.j8s.kubelet.volume;

/**
 * A volume that could not be set up; the message is the {@code <err>} of upstream's
 * {@code MountVolume.SetUp failed for volume "<name>" : <err>} event, e.g. {@code secret "db" not found}.
 */
public final class VolumeException extends RuntimeException {
    public VolumeException(String message) {
        super(message);
    }

    public VolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
