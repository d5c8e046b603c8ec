/**
 * Schema knowledge of the served kinds: unknown/duplicate field detection for {@code fieldValidation} and the
 * OpenAPI v3/v2 documents kubectl fetches; the role of upstream's {@code k8s.io/kube-openapi} handler and the
 * strict decoding of {@code k8s.io/apimachinery/pkg/runtime/serializer/json}.
 */
package dev.j8s.apiserver.openapi;
