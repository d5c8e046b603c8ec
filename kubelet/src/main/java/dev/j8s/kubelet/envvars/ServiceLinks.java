package dev.j8s.kubelet.envvars;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;

/**
 * The service-link variables of a pod (upstream {@code getServiceEnvVarMap} and {@code envvars.FromServices}):
 * {@code <NAME>_SERVICE_HOST}, {@code <NAME>_SERVICE_PORT}, one {@code <NAME>_SERVICE_PORT_<PORT>} per named
 * port and Docker's link variables, for every service of the pod's namespace that has a cluster IP and for the
 * {@code kubernetes} service of {@code default}. Stateless and thread-safe.
 */
public final class ServiceLinks {

    /** The services whose variables every pod gets, even with {@code enableServiceLinks: false}. */
    static final String MASTER_NAMESPACE = "default";
    static final String MASTER_SERVICE = "kubernetes";

    private ServiceLinks() {}

    /**
     * The services a pod in {@code namespace} sees, by name: the master service from {@code default} unless the
     * pod's namespace has a service of the same name (which then wins, as upstream), and with
     * {@code enableServiceLinks} every service of {@code namespace}; headless and ExternalName services skipped.
     */
    public static List<Service> select(String namespace, boolean enableServiceLinks, List<Service> inNamespace,
            List<Service> inDefault) {
        Map<String, Service> byName = new LinkedHashMap<>();
        for (Service s : inDefault) {
            if (hasClusterIp(s) && MASTER_SERVICE.equals(s.getMetadata().getName())) {
                byName.putIfAbsent(s.getMetadata().getName(), s);
            }
        }
        if (enableServiceLinks) {
            for (Service s : inNamespace) {
                boolean master = MASTER_NAMESPACE.equals(namespace) && MASTER_SERVICE.equals(s.getMetadata().getName());
                if (hasClusterIp(s) && !master) {
                    byName.put(s.getMetadata().getName(), s);
                }
            }
        }
        return byName.values().stream().sorted(Comparator.comparing(s -> s.getMetadata().getName())).toList();
    }

    private static boolean hasClusterIp(Service s) {
        String ip = s.getSpec() == null ? null : s.getSpec().getClusterIP();
        return ip != null && !ip.isEmpty() && !"None".equals(ip);
    }

    /** Upstream {@code FromServices}: the variables of {@code services}, in their order. */
    public static SequencedMap<String, String> fromServices(List<Service> services) {
        SequencedMap<String, String> env = new LinkedHashMap<>();
        for (Service s : services) {
            if (!hasClusterIp(s)) {
                continue;
            }
            String prefix = makeEnvVariableName(s.getMetadata().getName());
            String ip = s.getSpec().getClusterIP();
            List<ServicePort> ports = s.getSpec().getPorts() == null ? List.of() : s.getSpec().getPorts();
            env.put(prefix + "_SERVICE_HOST", ip);
            if (!ports.isEmpty()) {
                env.put(prefix + "_SERVICE_PORT", Integer.toString(ports.getFirst().getPort()));
            }
            for (ServicePort p : ports) {
                if (p.getName() != null && !p.getName().isEmpty()) {
                    env.put(prefix + "_SERVICE_PORT_" + makeEnvVariableName(p.getName()),
                            Integer.toString(p.getPort()));
                }
            }
            linkVariables(prefix, ip, ports).forEach(env::put);
        }
        return env;
    }

    /** Docker's link variables: {@code <P>_PORT} for the first port, then four per port. */
    private static SequencedMap<String, String> linkVariables(String prefix, String ip, List<ServicePort> ports) {
        SequencedMap<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < ports.size(); i++) {
            ServicePort p = ports.get(i);
            String protocol = p.getProtocol() == null || p.getProtocol().isEmpty() ? "TCP" : p.getProtocol();
            String lower = protocol.toLowerCase(Locale.ROOT);
            String port = Integer.toString(p.getPort());
            String url = lower + "://" + ip + ":" + port;
            if (i == 0) {
                env.put(prefix + "_PORT", url);
            }
            String portPrefix = prefix + "_PORT_" + port + "_" + protocol.toUpperCase(Locale.ROOT);
            env.put(portPrefix, url);
            env.put(portPrefix + "_PROTO", lower);
            env.put(portPrefix + "_PORT", port);
            env.put(portPrefix + "_ADDR", ip);
        }
        return env;
    }

    /** Upstream {@code makeEnvVariableName}: upper case, {@code -} becomes {@code _}. */
    public static String makeEnvVariableName(String name) {
        return name.toUpperCase(Locale.ROOT).replace('-', '_');
    }
}
