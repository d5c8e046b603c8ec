/**
 * Decodes Kubernetes protobuf request bodies ({@code application/vnd.kubernetes.protobuf}) into the JSON
 * trees the rest of the API server handles; corresponds to upstream
 * {@code k8s.io/apimachinery/pkg/runtime/serializer/protobuf} together with the gogo-generated
 * {@code k8s.io/api/core/v1/generated.pb.go} unmarshallers.
 */
package dev.j8s.apiserver.protobuf;
