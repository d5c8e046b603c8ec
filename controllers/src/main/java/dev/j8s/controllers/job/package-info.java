/**
 * The Job controller: pods for completions and parallelism (NonIndexed and Indexed), back-off, the pod failure and
 * success policies, finalizer-based tracking and the terminal conditions (upstream's pkg/controller/job).
 */
package dev.j8s.controllers.job;
