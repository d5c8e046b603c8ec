/** API errors as upstream's Status objects; corresponds to k8s.io/apimachinery/pkg/api/errors. */
package dev.j8s.apiserver.errors;
