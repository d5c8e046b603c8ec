package dev.j8s.kubelet.format;

/**
 * An integer as Go's {@code resource.Quantity.String()} prints it (canonical form): in {@code BinarySI} the largest
 * of {@code Ki}…{@code Ei} that divides it exactly ({@code 2Ki}, {@code 100Mi}, else the plain number), in
 * {@code DecimalSI} the largest of {@code k}…{@code E} ({@code 5k}). Stateless.
 */
public final class GoQuantity {

    private static final String[] BINARY = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    private static final String[] DECIMAL = {"k", "M", "G", "T", "P", "E"};

    private GoQuantity() {}

    /** {@code value} in {@code BinarySI} ({@code binary}) or {@code DecimalSI} canonical form. */
    public static String format(long value, boolean binary) {
        if (value == 0) {
            return "0";
        }
        long base = binary ? 1024 : 1000;
        String[] suffixes = binary ? BINARY : DECIMAL;
        long magnitude = Math.abs(value);
        int exponent = -1;
        while (exponent + 1 < suffixes.length && magnitude % base == 0) {
            magnitude /= base;
            exponent++;
        }
        return (value < 0 ? "-" : "") + magnitude + (exponent < 0 ? "" : suffixes[exponent]);
    }
}
