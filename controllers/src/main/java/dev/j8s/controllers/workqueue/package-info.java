/**
 * The controllers' work queue: de-duplicating, one worker per key at a time, delayed and rate-limited adds
 * (per-item exponential back-off and a global token bucket); client-go's k8s.io/client-go/util/workqueue.
 */
package dev.j8s.controllers.workqueue;
