/** The in-process controllers of a single node (namespaces, service accounts, binding, event TTL, node registration); the role of upstream's kube-controller-manager and scheduler. */
package dev.j8s.apiserver.controllers;
