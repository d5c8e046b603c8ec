/**
 * Writes the kubeconfig through which kubectl reaches this server, standalone or merged into an existing
 * file (upstream: {@code k8s.io/client-go/tools/clientcmd} and its {@code api/v1} Config types).
 */
package dev.j8s.kubeconfig;
