package dev.j8s.apiserver.admission;

import dev.j8s.apiserver.validation.Syntax;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Event validation as upstream's {@code ValidateEventCreate} words it: the involved object's
 * namespace must agree with the event's, and new-style events name their reporter. Stateless and thread-safe.
 */
final class EventRules {

    private EventRules() {}

    /** core/v1 Event: old-style events (no eventTime) only need matching namespaces. */
    static void validateCore(ObjectNode event, FieldErrors errs) {
        String namespace = Trees.str(Trees.obj(event, "metadata"), "namespace");
        ObjectNode involved = Trees.obj(event, "involvedObject");
        String involvedNs = Trees.str(involved, "namespace");
        if (Trees.str(event, "eventTime").isEmpty()) {
            if (involvedNs.isEmpty()) {
                if (!namespace.isEmpty() && !namespace.equals("default")) {
                    errs.invalid("involvedObject.namespace", involvedNs, "does not match event.namespace");
                }
            } else if (!namespace.equals(involvedNs)) {
                errs.invalid("involvedObject.namespace", involvedNs, "does not match event.namespace");
            }
        } else {
            newStyle(event, namespace, involvedNs, "reportingComponent", "reportingInstance", errs);
        }
        errs.invalidAll("namespace", namespace, Syntax.dns1123Subdomain(namespace));
    }

    /** events.k8s.io/v1 Event: always new-style. */
    static void validateEventsV1(ObjectNode event, FieldErrors errs) {
        String namespace = Trees.str(Trees.obj(event, "metadata"), "namespace");
        String regardingNs = Trees.str(Trees.obj(event, "regarding"), "namespace");
        if (Trees.str(event, "eventTime").isEmpty()) {
            errs.required("eventTime", "");
        }
        newStyle(event, namespace, regardingNs, "reportingController", "reportingInstance", errs);
        errs.invalidAll("namespace", namespace, Syntax.dns1123Subdomain(namespace));
    }

    private static void newStyle(ObjectNode event, String namespace, String involvedNs, String controllerField,
            String instanceField, FieldErrors errs) {
        if (involvedNs.isEmpty() && !namespace.equals("default") && !namespace.equals("kube-system")) {
            errs.invalid("involvedObject.namespace", involvedNs, "does not match event.namespace");
        }
        String controller = Trees.str(event, controllerField);
        if (controller.isEmpty()) {
            errs.required(controllerField, "");
        }
        errs.invalidAll(controllerField, controller, Syntax.qualifiedName(controller));
        String instance = Trees.str(event, instanceField);
        if (instance.isEmpty()) {
            errs.required("reportingInstance", "");
        }
        if (instance.length() > 128) {
            errs.invalid("reportingInstance", "", "can have at most 128 characters");
        }
        String action = Trees.str(event, "action");
        if (action.isEmpty()) {
            errs.required("action", "");
        }
        if (action.length() > 128) {
            errs.invalid("action", "", "can have at most 128 characters");
        }
        String reason = Trees.str(event, "reason");
        if (reason.isEmpty()) {
            errs.required("reason", "");
        }
        if (reason.length() > 128) {
            errs.invalid("reason", "", "can have at most 128 characters");
        }
        String message = Trees.str(event, "message");
        if (message.length() > 1024) {
            errs.invalid("message", "", "can have at most 1024 characters");
        }
    }
}
