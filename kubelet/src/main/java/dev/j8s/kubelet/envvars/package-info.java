/**
 * A container's environment as the kubelet computes it: {@code env} over {@code envFrom} over service-link
 * variables, {@code $(VAR)} expansion, and the downward API values of {@code fieldRef} and
 * {@code resourceFieldRef}; upstream {@code pkg/kubelet/envvars}, {@code makeEnvironmentVariables} of
 * {@code kubelet_pods.go}, {@code third_party/forked/golang/expansion} and {@code pkg/fieldpath}.
 */
package dev.j8s.kubelet.envvars;
