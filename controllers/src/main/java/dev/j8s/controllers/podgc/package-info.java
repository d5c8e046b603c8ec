/**
 * Pod garbage collection: the oldest finished pods beyond a threshold, pods on nodes that are gone and
 * unscheduled pods being deleted are removed every 20 seconds; upstream's pkg/controller/podgc.
 */
package dev.j8s.controllers.podgc;
