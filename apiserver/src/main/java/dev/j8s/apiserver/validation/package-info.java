/** String syntax rules shared by admission and selectors (names, labels, keys); corresponds to k8s.io/apimachinery/pkg/util/validation. */
package dev.j8s.apiserver.validation;
