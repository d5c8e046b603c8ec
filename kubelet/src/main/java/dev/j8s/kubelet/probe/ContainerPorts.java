package dev.j8s.kubelet.probe;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;

/** Upstream {@code probe.ResolveContainerPort}: the port number a probe or hook names; stateless and thread-safe. */
public final class ContainerPorts {
    private ContainerPorts() {}

    /**
     * An integer port as it is; a string port is the {@code containerPort} of the container's port of that name, else
     * the string read as a number.
     *
     * @throws ProbeException {@code strconv.Atoi: parsing "web": invalid syntax} for an unknown name,
     *     {@code invalid port number: 0} outside 1-65535
     */
    public static int resolve(IntOrString port, Container container) {
        int number;
        if (port == null) {
            throw new ProbeException("intOrString had no kind: {0 0 }");
        }
        if (port.getIntVal() != null) {
            number = port.getIntVal();
        } else {
            String name = port.getStrVal() == null ? "" : port.getStrVal();
            Integer named = null;
            for (ContainerPort p : container.getPorts()) {
                if (name.equals(p.getName())) {
                    named = p.getContainerPort() == null ? 0 : p.getContainerPort();
                    break;
                }
            }
            if (named != null) {
                number = named;
            } else {
                number = atoi(name);
            }
        }
        if (number > 0 && number < 65536) {
            return number;
        }
        throw new ProbeException("invalid port number: " + number);
    }

    /** Go's {@code strconv.Atoi} with its error text. */
    private static int atoi(String s) {
        String digits = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
            throw new ProbeException("strconv.Atoi: parsing " + dev.j8s.kubelet.format.GoQuote.quote(s)
                    + ": invalid syntax");
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new ProbeException("strconv.Atoi: parsing " + dev.j8s.kubelet.format.GoQuote.quote(s)
                    + ": value out of range");
        }
    }
}
