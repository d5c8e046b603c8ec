/**
 * The kubelet's cached reads of the API objects its pods refer to (secrets, configMaps, services); upstream
 * {@code pkg/kubelet/util/manager} (the TTL cache strategy of the secret and configMap managers).
 */
package dev.j8s.kubelet.manager;
