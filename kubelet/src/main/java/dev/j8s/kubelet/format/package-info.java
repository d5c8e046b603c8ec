/** Text formats the kubelet shares with upstream's Go output (durations as Go's time.Duration prints them). */
package dev.j8s.kubelet.format;
