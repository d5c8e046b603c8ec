/**
 * The PATCH engines of the API server (JSON patch, JSON merge patch, strategic merge patch and a
 * minimal server-side apply) as pure functions over JSON trees; corresponds to upstream's
 * {@code k8s.io/apiserver/pkg/endpoints/handlers/patch.go} and
 * {@code k8s.io/apimachinery/pkg/util/strategicpatch}.
 */
package dev.j8s.apiserver.patch;
