/**
 * Label and field selectors: parsing, validation and matching as upstream's apimachinery pkg/labels and pkg/fields
 * with the per-resource selectable fields of pkg/registry/core strategies.
 */
package dev.j8s.apiserver.selection;
