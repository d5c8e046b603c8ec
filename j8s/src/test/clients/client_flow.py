"""What a user of the official Python client (Debian's python3-kubernetes) does against j8s, driven by
ClientLibrariesIT. Objects are built without apiVersion/kind, as users build them. Prints one JSON object
with what was seen; any failure is an exception (a non-zero exit with its traceback).

  client_flow.py KUBECONFIG flow NAMESPACE   create, list, watch, patch, delete
  client_flow.py KUBECONFIG exec NAMESPACE POD
"""
import json
import sys
import time

from kubernetes import client, config, watch
from kubernetes.stream import stream

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
PROTOBUF_PREFERRED = "application/vnd.kubernetes.protobuf;stream=watch,application/json"


def watch_one_write(api, v1, namespace, name, accept):
    """Opens a watch (the headers are in once the call returns), writes one ConfigMap, then reads lines with the
    library's own splitter until that object's event arrives; nothing else is written meanwhile. Returns the event
    and the time from the write to the event."""
    rv = v1.list_namespaced_config_map(namespace).metadata.resource_version
    resp = api.call_api(
        "/api/v1/namespaces/{namespace}/configmaps", "GET", path_params={"namespace": namespace},
        query_params=[("watch", True), ("resourceVersion", rv), ("timeoutSeconds", 60)],
        header_params={"Accept": accept}, auth_settings=["BearerToken"], _preload_content=False,
        _return_http_data_only=True)
    try:
        started = time.monotonic()
        v1.create_namespaced_config_map(namespace, client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name=name), data={"k": "v"}))
        for line in watch.watch.iter_resp_lines(resp):
            event = json.loads(line)
            obj = event["object"]
            seen = obj["rows"][0]["cells"][0] if obj.get("kind") == "Table" else obj["metadata"]["name"]
            if seen == name:
                return {"type": event["type"], "kind": obj.get("kind"), "name": seen,
                        "latencyMs": round((time.monotonic() - started) * 1000, 1)}
        raise AssertionError("the watch ended without the event of " + name)
    finally:
        resp.release_conn()


def flow(v1, api, namespace):
    out = {}
    v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace)))
    created = v1.create_namespaced_config_map(namespace, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="settings", labels={"app": "py"}), data={"greeting": "hello"}))
    out["createdConfigMap"] = {"apiVersion": created.api_version, "kind": created.kind, "name": created.metadata.name}
    pod = v1.create_namespaced_pod(namespace, client.V1Pod(
        metadata=client.V1ObjectMeta(name="unscheduled"),
        spec=client.V1PodSpec(scheduler_name="python-flow",
                              containers=[client.V1Container(name="c", image="busybox")])))
    out["createdPod"] = {"apiVersion": pod.api_version, "kind": pod.kind, "name": pod.metadata.name}
    out["listed"] = sorted(c.metadata.name for c in v1.list_namespaced_config_map(namespace, label_selector="app=py").items)

    # The library's Watch.stream, as a controller uses it: the event of a change made after the list.
    rv = v1.list_namespaced_config_map(namespace).metadata.resource_version
    v1.patch_namespaced_config_map("settings", namespace, {"data": {"greeting": "hi"}})
    for event in watch.Watch().stream(v1.list_namespaced_config_map, namespace, resource_version=rv, timeout_seconds=30):
        if event["object"].metadata.name != "settings":
            continue  # kube-root-ca.crt, which the root CA publisher puts in every new namespace
        out["streamed"] = {"type": event["type"], "name": event["object"].metadata.name,
                           "greeting": event["object"].data["greeting"]}
        break

    out["watches"] = {
        "JSON": watch_one_write(api, v1, namespace, "once-json", "application/json"),
        "Table": watch_one_write(api, v1, namespace, "once-table", TABLE),
        "protobuf preferred": watch_one_write(api, v1, namespace, "once-protobuf", PROTOBUF_PREFERRED),
    }

    merged = v1.patch_namespaced_config_map("settings", namespace, {"metadata": {"labels": {"patched": "yes"}}})
    out["patchedLabels"] = merged.metadata.labels
    v1.delete_namespaced_config_map("settings", namespace)
    v1.delete_namespaced_pod("unscheduled", namespace, grace_period_seconds=0)
    out["afterDelete"] = sorted(c.metadata.name for c in v1.list_namespaced_config_map(namespace).items)
    return out


def exec_in(v1, namespace, pod):
    resp = stream(v1.connect_get_namespaced_pod_exec, pod, namespace,
                  command=["sh", "-c", "echo out; echo err >&2; exit 3"],
                  stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
    stdout, stderr = "", ""
    deadline = time.monotonic() + 60
    while resp.is_open() and time.monotonic() < deadline:
        resp.update(timeout=1)
        stdout += resp.read_stdout() if resp.peek_stdout() else ""
        stderr += resp.read_stderr() if resp.peek_stderr() else ""
    code = resp.returncode
    resp.close()
    return {"stdout": stdout, "stderr": stderr, "exitCode": code}


def main():
    kubeconfig, command, namespace = sys.argv[1:4]
    config.load_kube_config(kubeconfig)
    v1 = client.CoreV1Api()
    if command == "flow":
        result = flow(v1, client.ApiClient(), namespace)
    elif command == "exec":
        result = exec_in(v1, namespace, sys.argv[4])
    else:
        raise SystemExit("unknown command " + command)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
