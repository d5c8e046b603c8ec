package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.validation.Syntax;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The container fields the kubelet acts on over a container's life, validated as upstream's {@code validation.go}
 * words it: {@code lifecycle} ({@code validateLifecycle}, {@code validateHandler}, the sleep action bound by the
 * grace period, {@code stopSignal} against {@code spec.os.name}), the probes ({@code validateProbe} and the
 * liveness/startup/readiness rules of {@code validateContainers}) and a container's {@code restartPolicy}
 * (restartable init containers, KEP-753). Stateless and thread-safe.
 */
final class LifecycleValidation {

    private static final Pattern HTTP_HEADER_NAME = Pattern.compile("[-A-Za-z0-9]+");
    private static final List<String> SCHEMES = List.of("HTTP", "HTTPS");
    private static final List<String> PROBES = List.of("livenessProbe", "readinessProbe", "startupProbe");
    /** Upstream's {@code supportedStopSignalsLinux}. */
    static final List<String> LINUX_STOP_SIGNALS = List.of("SIGABRT", "SIGALRM", "SIGBUS", "SIGCHLD", "SIGCLD",
            "SIGCONT", "SIGFPE", "SIGHUP", "SIGILL", "SIGINT", "SIGIO", "SIGIOT", "SIGKILL", "SIGPIPE", "SIGPOLL",
            "SIGPROF", "SIGPWR", "SIGQUIT", "SIGSEGV", "SIGSTKFLT", "SIGSTOP", "SIGSYS", "SIGTERM", "SIGTRAP",
            "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGUSR1", "SIGUSR2", "SIGVTALRM", "SIGWINCH", "SIGXCPU",
            "SIGXFSZ", "SIGRTMIN", "SIGRTMIN+1", "SIGRTMIN+2", "SIGRTMIN+3", "SIGRTMIN+4", "SIGRTMIN+5", "SIGRTMIN+6",
            "SIGRTMIN+7", "SIGRTMIN+8", "SIGRTMIN+9", "SIGRTMIN+10", "SIGRTMIN+11", "SIGRTMIN+12", "SIGRTMIN+13",
            "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMAX-14", "SIGRTMAX-13", "SIGRTMAX-12", "SIGRTMAX-11", "SIGRTMAX-10",
            "SIGRTMAX-9", "SIGRTMAX-8", "SIGRTMAX-7", "SIGRTMAX-6", "SIGRTMAX-5", "SIGRTMAX-4", "SIGRTMAX-3",
            "SIGRTMAX-2", "SIGRTMAX-1", "SIGRTMAX");
    private static final List<String> WINDOWS_STOP_SIGNALS = List.of("SIGKILL", "SIGTERM");

    private LifecycleValidation() {}

    /** A regular container ({@code spec.containers[i]}). */
    static void container(ObjectNode c, String path, Long grace, String os, FieldErrors errs) {
        if (!Trees.str(c, "restartPolicy").isEmpty()) {
            errs.forbidden(path + ".restartPolicy", "may not be set for non-init containers");
        }
        lifecycle(c, path, grace, os, errs);
        probes(c, path, grace, errs);
    }

    /** An init container: hooks and probes only when it is restartable (a sidecar). */
    static void initContainer(ObjectNode c, String path, Long grace, String os, FieldErrors errs) {
        String policy = Trees.str(c, "restartPolicy");
        if (!policy.isEmpty() && !policy.equals("Always")) {
            errs.notSupported(path + ".restartPolicy", policy, List.of("Always"));
        }
        if (policy.equals("Always")) {
            lifecycle(c, path, grace, os, errs);
            probes(c, path, grace, errs);
            return;
        }
        if (Trees.has(c, "lifecycle")) {
            errs.forbidden(path + ".lifecycle", "may not be set for init containers without restartPolicy=Always");
        }
        for (String probe : PROBES) {
            if (Trees.has(c, probe)) {
                errs.forbidden(path + "." + probe, "may not be set for init containers without restartPolicy=Always");
            }
        }
    }

    private static void lifecycle(ObjectNode c, String path, Long grace, String os, FieldErrors errs) {
        ObjectNode lifecycle = Trees.obj(c, "lifecycle");
        if (lifecycle == null) {
            return;
        }
        for (String hook : List.of("postStart", "preStop")) {
            ObjectNode handler = Trees.obj(lifecycle, hook);
            if (handler != null) {
                handler(handler, path + ".lifecycle." + hook, grace, true, errs);
            }
        }
        String signal = Trees.str(lifecycle, "stopSignal");
        if (Trees.has(lifecycle, "stopSignal")) {
            String at = path + ".lifecycle.stopSignal";
            if (os.isEmpty()) {
                errs.forbidden(at, "may not be set for containers with empty `spec.os.name`");
            } else if (os.equals("windows") && !WINDOWS_STOP_SIGNALS.contains(signal)) {
                errs.notSupported(at, signal, WINDOWS_STOP_SIGNALS);
            } else if (os.equals("linux") && !LINUX_STOP_SIGNALS.contains(signal)) {
                errs.notSupported(at, signal, LINUX_STOP_SIGNALS);
            }
        }
    }

    private static void probes(ObjectNode c, String path, Long grace, FieldErrors errs) {
        for (String name : PROBES) {
            ObjectNode probe = Trees.obj(c, name);
            if (probe == null) {
                continue;
            }
            String at = path + "." + name;
            handler(probe, at, grace, false, errs);
            for (String field : List.of("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                    "failureThreshold")) {
                Long v = Trees.longOrNull(probe, field);
                if (v != null && v < 0) {
                    errs.invalid(at + "." + field, v, "must be greater than or equal to 0");
                }
            }
            Long probeGrace = Trees.longOrNull(probe, "terminationGracePeriodSeconds");
            if (probeGrace != null && probeGrace <= 0) {
                errs.invalid(at + ".terminationGracePeriodSeconds", probeGrace, "must be greater than 0");
            }
        }
        for (String name : List.of("livenessProbe", "startupProbe")) {
            ObjectNode probe = Trees.obj(c, name);
            Long success = probe == null ? null : Trees.longOrNull(probe, "successThreshold");
            if (probe != null && success != null && success != 1) {
                errs.invalid(path + "." + name + ".successThreshold", success, "must be 1");
            }
        }
        ObjectNode readiness = Trees.obj(c, "readinessProbe");
        if (readiness != null && Trees.has(readiness, "terminationGracePeriodSeconds")) {
            errs.invalid(path + ".readinessProbe.terminationGracePeriodSeconds",
                    Trees.longOrNull(readiness, "terminationGracePeriodSeconds"), "must not be set for readinessProbes");
        }
    }

    /** Upstream {@code validateHandler}: exactly one handler type, each valid; sleep only for hooks. */
    private static void handler(ObjectNode h, String path, Long grace, boolean hook, FieldErrors errs) {
        int handlers = 0;
        for (String type : hook ? List.of("exec", "httpGet", "tcpSocket", "sleep")
                : List.of("exec", "httpGet", "tcpSocket", "grpc")) {
            ObjectNode action = Trees.obj(h, type);
            if (action == null) {
                continue;
            }
            if (handlers > 0) {
                errs.forbidden(path + "." + type, "may not specify more than 1 handler type");
                continue;
            }
            handlers++;
            String at = path + "." + type;
            switch (type) {
                case "exec" -> {
                    JsonNode command = action.get("command");
                    if (command == null || !command.isArray() || command.isEmpty()) {
                        errs.required(at + ".command", "");
                    }
                }
                case "httpGet" -> httpGet(action, at, errs);
                case "tcpSocket" -> port(action.get("port"), at + ".port", errs);
                case "grpc" -> {
                    long port = action.path("port").asLong(0);
                    errs.invalidAll(at + ".port", port, Syntax.portNumber(port));
                }
                case "sleep" -> {
                    long seconds = action.path("seconds").asLong(0);
                    if (grace != null && (seconds <= 0 || seconds > grace)) {
                        errs.invalid(at, seconds, "must be greater than 0 and less than terminationGracePeriodSeconds ("
                                + grace + ")");
                    }
                }
                default -> throw new IllegalStateException(type);
            }
        }
        if (handlers == 0) {
            errs.required(path, "must specify a handler type");
        }
    }

    private static void httpGet(ObjectNode action, String at, FieldErrors errs) {
        if (Trees.str(action, "path").isEmpty()) {
            errs.required(at + ".path", "");
        }
        port(action.get("port"), at + ".port", errs);
        String scheme = Trees.str(action, "scheme");
        if (!SCHEMES.contains(scheme)) {
            errs.notSupported(at + ".scheme", scheme, SCHEMES);
        }
        List<ObjectNode> headers = Trees.objects(action, "httpHeaders");
        for (int i = 0; i < headers.size(); i++) {
            String name = Trees.str(headers.get(i), "name");
            if (!HTTP_HEADER_NAME.matcher(name).matches()) {
                errs.invalid(at + ".httpHeaders[" + i + "].name", name, "a valid HTTP header must consist of "
                        + "alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is "
                        + "'[-A-Za-z0-9]+')");
            }
        }
    }

    /** Upstream {@code ValidatePortNumOrName}: a number in 1-65535 or an IANA service name. */
    private static void port(JsonNode port, String at, FieldErrors errs) {
        if (port == null || port.isNull()) {
            errs.invalidAll(at, 0L, Syntax.portNumber(0));
        } else if (port.isNumber()) {
            errs.invalidAll(at, port.asLong(), Syntax.portNumber(port.asLong()));
        } else {
            String name = port.asText();
            if (name.isEmpty()) {
                errs.required(at, "");
            } else {
                errs.invalidAll(at, name, Syntax.portName(name));
            }
        }
    }
}
