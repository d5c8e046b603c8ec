/**
 * Defaulting, admission and validation of the built-in kinds before they are stored; corresponds to
 * upstream's {@code pkg/apis/core/v1/defaults.go}, {@code pkg/apis/core/validation} and
 * {@code plugin/pkg/admission} (NamespaceLifecycle, ServiceAccount, AlwaysPullImages, DefaultTolerationSeconds).
 */
package dev.j8s.apiserver.admission;
