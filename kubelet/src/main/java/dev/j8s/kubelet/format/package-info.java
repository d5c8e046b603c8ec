/**
 * Text formats the kubelet shares with upstream's Go output: durations as Go's {@code time.Duration} prints them,
 * strings as {@code %q} quotes them, pods as {@code format.Pod} names them, network errors as Go's {@code net}
 * package words them.
 */
package dev.j8s.kubelet.format;
