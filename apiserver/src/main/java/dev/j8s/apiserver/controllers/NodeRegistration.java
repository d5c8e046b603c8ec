package dev.j8s.apiserver.controllers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ObjectService;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;

/**
 * Registers this machine's Node with what upstream's kubelet reports at registration: labels,
 * addresses, capacity and allocatable, nodeInfo and conditions. Until a kubelet heartbeats
 * for the node, its Ready condition says so. Stateless.
 */
final class NodeRegistration {

    private NodeRegistration() {}

    static void register(ObjectService objects, String nodeName) {
        var type = objects.resources().find("", "v1", "nodes").orElseThrow();
        if (objects.store().get("nodes", "", nodeName).isPresent()) {
            return;
        }
        ObjectNode node = Json.object();
        node.put("apiVersion", "v1");
        node.put("kind", "Node");
        ObjectNode meta = node.putObject("metadata");
        meta.put("name", nodeName);
        ObjectNode labels = meta.putObject("labels");
        labels.put("beta.kubernetes.io/arch", "amd64");
        labels.put("beta.kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", "amd64");
        labels.put("kubernetes.io/hostname", nodeName);
        labels.put("kubernetes.io/os", "linux");
        labels.put("node-role.kubernetes.io/control-plane", "");
        meta.putObject("annotations").put("node.alpha.kubernetes.io/ttl", "0");
        node.putObject("spec");
        ObjectNode status = node.putObject("status");
        ObjectNode capacity = status.putObject("capacity");
        capacity.put("cpu", Integer.toString(Runtime.getRuntime().availableProcessors()));
        capacity.put("memory", memoryKi() + "Ki");
        capacity.put("pods", "110");
        capacity.put("ephemeral-storage", diskKi() + "Ki");
        status.set("allocatable", capacity.deepCopy());
        ArrayNode conditions = status.putArray("conditions");
        String now = objects.now();
        condition(conditions, "MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now);
        condition(conditions, "DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now);
        condition(conditions, "PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now);
        condition(conditions, "Ready", "False", "KubeletNotReady", "no kubelet has reported for this node yet", now);
        ArrayNode addresses = status.putArray("addresses");
        ObjectNode internal = addresses.addObject();
        internal.put("type", "InternalIP");
        internal.put("address", internalIp());
        ObjectNode host = addresses.addObject();
        host.put("type", "Hostname");
        host.put("address", nodeName);
        status.putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", 10250);
        ObjectNode info = status.putObject("nodeInfo");
        info.put("machineID", read("/etc/machine-id"));
        info.put("systemUUID", read("/sys/class/dmi/id/product_uuid"));
        info.put("bootID", read("/proc/sys/kernel/random/boot_id"));
        info.put("kernelVersion", read("/proc/sys/kernel/osrelease"));
        info.put("osImage", osImage());
        info.put("containerRuntimeVersion", "runc://unknown");
        info.put("kubeletVersion", "v1.32.0");
        info.put("kubeProxyVersion", "");
        info.put("operatingSystem", "linux");
        info.put("architecture", "amd64");
        try {
            objects.create(type, "", node, false);
        } catch (ApiError.AlreadyExists e) {
            // registered concurrently
        }
    }

    private static void condition(ArrayNode conditions, String type, String status, String reason, String message, String now) {
        ObjectNode c = conditions.addObject();
        c.put("type", type);
        c.put("status", status);
        c.put("lastHeartbeatTime", now);
        c.put("lastTransitionTime", now);
        c.put("reason", reason);
        c.put("message", message);
    }

    private static long memoryKi() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return 0;
    }

    private static long diskKi() {
        try {
            return Files.getFileStore(Path.of("/")).getTotalSpace() / 1024;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String osImage() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "Linux";
    }

    private static String internalIp() {
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nif.isLoopback() || !nif.isUp() || nif.getName().startsWith("j8s") || nif.getName().startsWith("veth")) {
                    continue;
                }
                for (var addr : Collections.list(nif.getInetAddresses())) {
                    if (addr instanceof Inet4Address) {
                        return addr.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            // fall through
        }
        return "127.0.0.1";
    }
}
