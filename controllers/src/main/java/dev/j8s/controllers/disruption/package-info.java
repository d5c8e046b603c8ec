/**
 * The disruption controller: keeps each PodDisruptionBudget's status (expected, healthy and desired pods, the
 * disruptions allowed and the DisruptionAllowed condition) that evictions check; upstream's
 * pkg/controller/disruption.
 */
package dev.j8s.controllers.disruption;
