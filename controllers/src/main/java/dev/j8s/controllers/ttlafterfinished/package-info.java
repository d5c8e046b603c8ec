/**
 * The TTL-after-finished controller: deletes a finished Job once {@code ttlSecondsAfterFinished} has passed since
 * its Complete or Failed condition (upstream's pkg/controller/ttlafterfinished).
 */
package dev.j8s.controllers.ttlafterfinished;
