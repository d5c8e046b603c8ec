package dev.j8s.kubelet.container;

/**
 * A container whose config cannot be built: upstream's {@code CreateContainerConfigError}, whose waiting
 * message is this exception's message (e.g. {@code secret "db" not found}).
 */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
