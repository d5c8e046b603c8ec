# shellcheck shell=bash
# Shared by bin/j8s, scripts/run-server and scripts/test: find a JDK 25, install missing Debian packages.
# Everything here is quiet when there is nothing to do.

# What `j8s server` runs pods with (Debian 12 package names; all exist in bookworm): catatonit is PID 1
# of a shareProcessNamespace pod, bsdutils' script(1) gives `kubectl exec -t` its terminal, conntrack removes the
# stale UDP entries of service endpoints that went away.
J8S_SERVER_PACKAGES=(maven runc conmon containernetworking-plugins iproute2 iptables nftables util-linux bsdutils
  catatonit isal conntrack)
# What the test suite needs beyond that: image tools, a local registry with htpasswd auth, a static
# busybox to build test images from, python3 for test helpers and the official Python client, gcc with a static
# libc for the packet-crafting probe of LocalnetIT, strace to observe the store's fsyncs (StoreSyncsBeforeAckTest), etcd
# and openssl for the upstream control plane j8s agent joins in UpstreamAgentIT.
J8S_TEST_PACKAGES=("${J8S_SERVER_PACKAGES[@]}" skopeo umoci docker-registry busybox-static apache2-utils python3
  python3-kubernetes gcc libc6-dev strace etcd-server openssl)

# kubectl for the end-to-end tests, which are run with kubectl 1.27 to 1.33: the /usr/bin/kubectl dispatcher and
# /usr/lib/google-cloud-sdk/bin/kubectl.1.NN of the Google Cloud SDK, which no Debian package has. A machine with no
# kubectl at all gets Debian's kubernetes-client (1.20); the tests that need a newer one skip, saying which.
j8s_ensure_kubectl() {
    command -v kubectl >/dev/null || j8s_ensure_packages kubernetes-client
}

# The upstream kube-apiserver (v1.20.2, built from Debian's kubernetes source package by the upstream-apiserver tool,
# cached in /var/tmp/j8s-upstream) that UpstreamAgentIT joins with j8s agent: the tool is $J8S_UPSTREAM_APISERVER or
# shared/tools/upstream-apiserver in a directory above the checkout. The first build takes about ten minutes; when the
# tool is missing or cannot build, the test skips and says so.
j8s_ensure_upstream_apiserver() {
    local tool=${J8S_UPSTREAM_APISERVER:-} dir=$1
    while [[ -z $tool && $dir != / ]]; do
        [[ -x $dir/shared/tools/upstream-apiserver ]] && tool=$dir/shared/tools/upstream-apiserver
        dir=$(dirname "$dir")
    done
    [[ -n $tool && -x $tool ]] || return 0
    "$tool" build >/dev/null 2>&1 || echo "j8s: $tool build failed; UpstreamAgentIT will skip" >&2
}

# The official JavaScript client for the end-to-end tests: @kubernetes/client-node 1.x (2.x needs node 22) as the
# checked-in j8s/src/test/clients/package-lock.json pins it, from the npm registry into node_modules beside it.
# Node and npm come from Debian when there is no node at all. Quiet when that lock file is installed already.
j8s_ensure_node_clients() {
    local dir=$1/j8s/src/test/clients
    command -v node >/dev/null && command -v npm >/dev/null || j8s_ensure_packages nodejs npm
    [[ -f $dir/node_modules/.package-lock.json && ! $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]] \
        && return 0
    echo "j8s: installing the JavaScript client into $dir/node_modules" >&2
    npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null \
        || j8s_die "npm ci in $dir failed"
}

j8s_die() {
    echo "j8s: $*" >&2
    exit 1
}

# Prints the home of a JDK 25: $JAVA_HOME if it is one, else /usr/lib/jvm/temurin-25*; fails otherwise.
j8s_find_jdk() {
    local candidate
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25*; do
        [[ -n $candidate && -x $candidate/bin/java ]] || continue
        if grep -qs '^JAVA_VERSION="25[."]' "$candidate/release" \
            || "$candidate/bin/java" -version 2>&1 | grep -q 'version "25[."]'; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# Like j8s_find_jdk, but installs temurin-25-jdk through apt-get when none is there and the package exists.
j8s_ensure_jdk() {
    local jdk
    if jdk=$(j8s_find_jdk); then
        echo "$jdk"
        return 0
    fi
    j8s_apt_update_once
    if [[ -n $(apt-cache policy temurin-25-jdk 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)') ]]; then
        j8s_apt_install temurin-25-jdk
        jdk=$(j8s_find_jdk) && { echo "$jdk"; return 0; }
    fi
    j8s_die "no JDK 25 found: set JAVA_HOME to a JDK 25, or install one under /usr/lib/jvm/temurin-25* (Debian 12 ships none; apt package temurin-25-jdk comes from the Adoptium repository)"
}

j8s_sudo() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        j8s_die "need root to run: $*"
    fi
}

J8S_APT_UPDATED=${J8S_APT_UPDATED:-}
j8s_apt_update_once() {
    [[ -n $J8S_APT_UPDATED ]] && return 0
    j8s_sudo apt-get update -qq >/dev/null || j8s_die "apt-get update failed"
    J8S_APT_UPDATED=1
}

j8s_apt_install() {
    echo "j8s: installing $*" >&2
    j8s_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >/dev/null \
        || j8s_die "apt-get install $* failed"
}

# Installs the given Debian packages that are not installed yet; does nothing (and says nothing) if all are.
j8s_ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    command -v apt-get >/dev/null || j8s_die "missing packages ${missing[*]}, and there is no apt-get to install them"
    j8s_apt_update_once
    j8s_apt_install "${missing[@]}"
}

# Maven as the scripts run it: batch mode, no colours, no download progress, and no warning from
# Maven's own libraries about sun.misc.Unsafe on JDK 24+. Maven 3.8 still prints stray colour resets
# with -q; they are stripped. Output goes to stdout; the exit status is Maven's.
j8s_mvn() {
    local status
    MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" \
        mvn -B --no-transfer-progress -Dstyle.color=never "$@" 2>&1 | sed -u $'s/\x1b\\[[0-9;]*m//g'
    status=${PIPESTATUS[0]}
    return "$status"
}
