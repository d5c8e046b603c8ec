/**
 * The table of served resources that drives routing and discovery, and what upstream's scheme knows of their kinds
 * (how a body's apiVersion and kind are read against a URL); the role of upstream's API group installers and of
 * {@code k8s.io/apimachinery/pkg/runtime}'s scheme.
 */
package dev.j8s.apiserver.registry;
