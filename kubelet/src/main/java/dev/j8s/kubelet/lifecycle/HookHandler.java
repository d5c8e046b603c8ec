package dev.j8s.kubelet.lifecycle;

import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import java.util.List;

/** A lifecycle handler as the kubelet runs it (upstream {@code v1.LifecycleHandler}); immutable and thread-safe. */
public sealed interface HookHandler {

    /** Runs {@code command} inside the container, as {@code kubectl exec} would. */
    record Exec(List<String> command) implements HookHandler {
        public Exec {
            command = List.copyOf(command);
        }
    }

    /** A GET to the container's (or the given host's) port. */
    record HttpGet(HTTPGetAction action) implements HookHandler {}

    /** Waits {@code seconds}, or until the container is being stopped. */
    record Sleep(long seconds) implements HookHandler {}

    /**
     * A handler the kubelet cannot run ({@code tcpSocket}, or none): upstream's {@code invalid handler} error with
     * its dump of the handler.
     */
    record Invalid(String dump) implements HookHandler {}

    /** The handler of a spec's {@code postStart} or {@code preStop}. */
    static HookHandler of(LifecycleHandler h) {
        if (h.getExec() != null) {
            return new Exec(h.getExec().getCommand() == null ? List.of() : h.getExec().getCommand());
        }
        if (h.getHttpGet() != null) {
            return new HttpGet(h.getHttpGet());
        }
        if (h.getSleep() != null) {
            return new Sleep(h.getSleep().getSeconds() == null ? 0 : h.getSleep().getSeconds());
        }
        return new Invalid(dump(h));
    }

    /**
     * Go's {@code %v} of a {@code *v1.LifecycleHandler} (the generated {@code String()}) for the handlers this can
     * hold: {@code &LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:&TCPSocketAction{Port:{0 8080 },Host:,},Sleep:nil,}}.
     */
    private static String dump(LifecycleHandler h) {
        TCPSocketAction tcp = h.getTcpSocket();
        String tcpText = tcp == null ? "nil"
                : "&TCPSocketAction{Port:" + intOrString(tcp.getPort()) + ",Host:"
                        + (tcp.getHost() == null ? "" : tcp.getHost()) + ",}";
        return "&LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:" + tcpText + ",Sleep:nil,}";
    }

    /** Go's {@code %v} of an {@code intstr.IntOrString} value: {@code {0 8080 }} or {@code {1 0 http}}. */
    private static String intOrString(IntOrString port) {
        if (port == null) {
            return "{0 0 }";
        }
        if (port.getIntVal() != null) {
            return "{0 " + port.getIntVal() + " }";
        }
        return "{1 0 " + (port.getStrVal() == null ? "" : port.getStrVal()) + "}";
    }
}
