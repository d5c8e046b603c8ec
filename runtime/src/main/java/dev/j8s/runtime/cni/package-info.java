/**
 * Pod networking through the CNI plugins (bridge, host-local, loopback, portmap) invoked per the CNI
 * 1.0 spec; corresponds to containernetworking/cni's {@code libcni} and the CRI plugin's
 * {@code sandbox_run.go} network setup.
 */
package dev.j8s.runtime.cni;
