/**
 * Server-side Table conversion ({@code Accept: …;as=Table}) with upstream's columns and cell rules; the role of
 * upstream's pkg/printers/internalversion (printers.go) and apiserver's DefaultTableConvertor.
 */
package dev.j8s.apiserver.printers;
