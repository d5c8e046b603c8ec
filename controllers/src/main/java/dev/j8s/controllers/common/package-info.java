/**
 * What every workload controller shares: expectations, the ControllerRefManager (adoption and release through
 * ownerReferences), the controller loop over a work queue and the event recorder; upstream's
 * k8s.io/kubernetes/pkg/controller (controller_utils.go, controller_ref_manager.go) and client-go's record.
 */
package dev.j8s.controllers.common;
