#!/usr/bin/env python3
"""Throwaway capture server for the protobuf golden files next to this script.

It answers just enough of the API (version, legacy discovery, core/v1 resource list) for
kubectl 1.32+ to send its typed-client create requests, and writes each POST body verbatim
to OUT_DIR/<n>-<resource>.bin (Content-Type in <n>-<resource>.ct). Listens on 127.0.0.1 only.

Regenerate (from this directory):
  python3 capture.py /tmp/cap 18080 &
  export HOME=$(mktemp -d); K="/usr/lib/google-cloud-sdk/bin/kubectl.1.32 --server=http://127.0.0.1:18080"
  $K create secret docker-registry regcred --docker-server=127.0.0.1:5000 \
      --docker-username=u --docker-password=p --docker-email=e@x
  $K create secret generic s1 --from-literal=a=b --from-literal=c=d
  ... (see the test class KubernetesProtobufTest for the full list and the file names)
  then copy the wanted /tmp/cap/*.bin files here under the names the test uses.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/cap"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 18080
os.makedirs(OUT, exist_ok=True)
counter = [0]

VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "platform": "linux/amd64",
           "goVersion": "go1.23.0", "compiler": "gc"}


def res(name, kind, namespaced):
    return {"name": name, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}


RESOURCES = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
    res("secrets", "Secret", True), res("configmaps", "ConfigMap", True),
    res("serviceaccounts", "ServiceAccount", True),
    {"name": "serviceaccounts/token", "singularName": "", "namespaced": True, "group": "authentication.k8s.io",
     "version": "v1", "kind": "TokenRequest", "verbs": ["create"]},
    res("namespaces", "Namespace", False), res("services", "Service", True), res("pods", "Pod", True),
    res("nodes", "Node", False)]}


class H(BaseHTTPRequestHandler):
    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path.split("?")[0]
        if p == "/version":
            self.send_json(200, VERSION)
        elif p == "/api":
            self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                 "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        elif p == "/apis":
            self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        elif p == "/api/v1":
            self.send_json(200, RESOURCES)
        elif p.startswith("/api/v1/nodes/"):
            # kubectl debug node/<name> reads the node before it creates its pod
            self.send_json(200, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": p.rsplit("/", 1)[1]}})
        else:
            self.send_json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                 "reason": "NotFound", "code": 404, "message": "not found"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        counter[0] += 1
        parts = [x for x in self.path.split("?")[0].split("/") if x]
        resource = parts[-1] if parts[-1] != "token" else "token"
        base = os.path.join(OUT, "%02d-%s" % (counter[0], resource))
        with open(base + ".bin", "wb") as f:
            f.write(body)
        with open(base + ".ct", "w") as f:
            f.write(self.headers.get("Content-Type", "") + "\n" + self.path + "\n")
        kinds = {"secrets": "Secret", "configmaps": "ConfigMap", "serviceaccounts": "ServiceAccount",
                 "namespaces": "Namespace", "services": "Service", "pods": "Pod"}
        if resource == "token":
            self.send_json(201, {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                                 "metadata": {"name": parts[-2], "namespace": "default"},
                                 "spec": {"audiences": []}, "status": {"token": "t", "expirationTimestamp": "2030-01-01T00:00:00Z"}})
            return
        self.send_json(201, {"apiVersion": "v1", "kind": kinds.get(resource, "Secret"),
                             "metadata": {"name": "x", "namespace": "default"}})

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.command, self.path))


ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
