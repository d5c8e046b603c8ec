/**
 * ControllerRevisions as a workload's template history (upstream {@code pkg/controller/history}): snapshots named
 * {@code <owner>-<hash>}, labelled {@code controller-revision-hash}, holding the patch {@code kubectl rollout undo}
 * applies.
 */
package dev.j8s.controllers.history;
