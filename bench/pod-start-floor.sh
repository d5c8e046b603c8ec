#!/bin/bash
# The floor of a pod start: the same container j8s runs, started by hand with the same tools j8s uses
# (a network namespace, the CNI loopback and bridge plugins with host-local IPAM, an overlay rootfs,
# conmon running `runc create`, then `runc start`) and no API server, kubelet or JVM in the way.
#
#   pod-start-floor.sh setup WORK LOWER CONFIG   prepare WORK (bridge conf, config template) once
#   pod-start-floor.sh up WORK NAME              start one container; prints its start time in µs
#   pod-start-floor.sh down WORK NAME            stop and remove it (not measured)
#   pod-start-floor.sh teardown WORK             remove the bridge and WORK
#
# LOWER is the unpacked image rootfs (the overlay's lower dir), CONFIG a runtime spec whose root path is
# @ROOTFS@ and whose network namespace path is @NETNS@. Everything lives under WORK; the bridge is
# j8sfloor0 on 10.254.77.0/24. Needs root. Used by PodStartBenchmark.java.
set -euo pipefail

CNI_BIN=${CNI_BIN:-/usr/lib/cni}
RUNC=${RUNC:-$(command -v runc)}
CONMON=${CONMON:-$(command -v conmon)}
BRIDGE=j8sfloor0

cni() { # COMMAND PLUGIN NAME IFNAME CONF
  CNI_COMMAND=$1 CNI_CONTAINERID=$3 CNI_NETNS=${NETNS:-} CNI_IFNAME=$4 CNI_PATH=$CNI_BIN \
    "$CNI_BIN/$2" <<<"$5"
}

loopback_conf='{"cniVersion":"1.0.0","name":"floor-lo","type":"loopback"}'

case ${1:-} in
setup)
  work=$2 lower=$3 config=$4
  mkdir -p "$work"/{ipam,exits,sockets,runc}
  ln -sfn "$lower" "$work/lower"
  cp "$config" "$work/config.tmpl"
  # The same network j8s configures: bridge, gateway, masquerade, hairpin, host-local IPAM.
  printf '%s' '{"cniVersion":"1.0.0","name":"j8s-floor","type":"bridge","bridge":"'$BRIDGE'",' \
    '"isGateway":true,"ipMasq":true,"hairpinMode":true,"ipam":{"type":"host-local",' \
    '"ranges":[[{"subnet":"10.254.77.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}],' \
    '"dataDir":"'"$work"'/ipam"}}' >"$work/bridge.conf"
  ;;
up)
  work=$2 name=$3 dir=$2/$3
  t0=$(date +%s%N)
  ip netns add "$name"
  NETNS=/var/run/netns/$name
  cni ADD loopback "$name" lo "$loopback_conf" >/dev/null
  cni ADD bridge "$name" eth0 "$(<"$work/bridge.conf")" >/dev/null
  mkdir -p "$dir"/{upper,work,rootfs}
  mount -t overlay overlay -o "lowerdir=$work/lower,upperdir=$dir/upper,workdir=$dir/work" "$dir/rootfs"
  sed -e "s|@ROOTFS@|$dir/rootfs|" -e "s|@NETNS@|$NETNS|" "$work/config.tmpl" >"$dir/config.json"
  # conmon runs `runc create` and reports the container pid on its sync pipe (fd 3), as j8s uses it;
  # the reader drains the pipe after the first line so conmon never writes into a closed pipe.
  exec 4< <(_OCI_SYNCPIPE=3 "$CONMON" --api-version 1 -c "$name" -u "$name" -n "$name" -r "$RUNC" \
    -b "$dir" -p "$dir/pid" -P "$dir/conmon.pid" -l "k8s-file:$dir/log" --exit-dir "$work/exits" \
    --socket-dir-path "$work/sockets" -0 "$dir" --runtime-arg "--root=$work/runc" --log-level error \
    3>&1 >/dev/null | { IFS= read -r line; printf '%s\n' "$line"; exec cat >/dev/null; })
  IFS= read -r sync <&4
  exec 4<&-
  if [[ ! $sync =~ \"data\":\ *[1-9] ]]; then
    echo "conmon did not create $name: $sync" >&2
    exit 1
  fi
  "$RUNC" --root "$work/runc" start "$name"
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
  ;;
down)
  work=$2 name=$3 dir=$2/$3
  NETNS=/var/run/netns/$name
  "$RUNC" --root "$work/runc" kill "$name" KILL 2>/dev/null || true
  for _ in $(seq 100); do
    [[ -e $work/exits/$name ]] && break
    sleep 0.05
  done
  "$RUNC" --root "$work/runc" delete -f "$name" 2>/dev/null || true
  umount "$dir/rootfs" 2>/dev/null || true
  cni DEL bridge "$name" eth0 "$(<"$work/bridge.conf")" >/dev/null || true
  cni DEL loopback "$name" lo "$loopback_conf" >/dev/null || true
  ip netns delete "$name" 2>/dev/null || true
  rm -rf "$dir" "$work/exits/$name"
  ;;
teardown)
  work=$2
  ip link delete "$BRIDGE" type bridge 2>/dev/null || true
  rm -rf "$work"
  ;;
*)
  echo "usage: $0 setup WORK LOWER CONFIG | up WORK NAME | down WORK NAME | teardown WORK" >&2
  exit 2
  ;;
esac
