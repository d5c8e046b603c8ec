/** Helpers the controllers' tests share: waiting for a condition, a kubelet that reports pods ready. */
package dev.j8s.controllers.testing;
