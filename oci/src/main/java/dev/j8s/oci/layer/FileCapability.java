package dev.j8s.oci.layer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

/**
 * Checks a {@code security.capability} xattr value from a layer ({@code struct vfs_cap_data} / {@code
 * vfs_ns_cap_data}, little-endian) and turns it into what is written on the host, where containers run without a
 * user namespace: revision 1 (12 bytes) and 2 (20 bytes) are kept; revision 3 (24 bytes, with the root uid of the
 * user namespace it is meant for) whose root uid is 0 becomes the equivalent revision 2, which is what the kernel
 * means by it in the initial namespace and what any kernel or file system accepts; a revision 3 for another root
 * uid is kept as it is (as containerd's {@code Lsetxattr} of the raw value does; the kernel then applies it only in
 * a user namespace whose root is that uid, i.e. never in a container without one). Anything else is invalid.
 *
 * <p>Stateless and thread-safe.
 */
final class FileCapability {
    static final int REVISION_MASK = 0xff000000;
    static final int REVISION_1 = 0x01000000;
    static final int REVISION_2 = 0x02000000;
    static final int REVISION_3 = 0x03000000;
    static final int FLAGS_EFFECTIVE = 0x000001;

    private FileCapability() {}

    /** The value to set on the host, or empty when {@code value} is not a valid capability xattr. */
    static Optional<byte[]> forHost(byte[] value) {
        if (value.length < 4) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        int revision = magic & REVISION_MASK;
        if ((magic & ~REVISION_MASK & ~FLAGS_EFFECTIVE) != 0) {
            return Optional.empty();
        }
        return switch (revision) {
            case REVISION_1 -> value.length == 12 ? Optional.of(value.clone()) : Optional.empty();
            case REVISION_2 -> value.length == 20 ? Optional.of(value.clone()) : Optional.empty();
            case REVISION_3 -> {
                if (value.length != 24) {
                    yield Optional.empty();
                }
                if (b.getInt(20) != 0) {
                    yield Optional.of(value.clone());
                }
                byte[] v2 = Arrays.copyOf(value, 20);
                ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN).putInt(0, REVISION_2 | (magic & FLAGS_EFFECTIVE));
                yield Optional.of(v2);
            }
            default -> Optional.empty();
        };
    }
}
