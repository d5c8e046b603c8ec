/**
 * What kube-controller-manager does for one cluster: the controller manager that starts the workload
 * controllers, the garbage collector and pod GC over one shared set of informers (k8s.io/kubernetes/cmd/
 * kube-controller-manager), talking to the API only through {@link dev.j8s.api.client.KubeClient}.
 */
package dev.j8s.controllers;
