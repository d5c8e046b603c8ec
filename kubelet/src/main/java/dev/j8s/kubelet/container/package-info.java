/**
 * What the kubelet knows about a container independent of any runtime: whether it is (re)started, the hash that
 * says whether a running container still matches its spec, and the object reference its events carry; upstream
 * {@code pkg/kubelet/container} ({@code helpers.go}, {@code ref.go}).
 */
package dev.j8s.kubelet.container;
