/**
 * The generic Kubernetes API client the controllers use (typed get, list, watch, create, update, patch, delete
 * and status of any resource, with resourceVersion semantics) and its remote implementation on the fabric8
 * kubernetes-client; the role of client-go's dynamic and typed clientsets (k8s.io/client-go/kubernetes).
 */
package dev.j8s.api.client;
