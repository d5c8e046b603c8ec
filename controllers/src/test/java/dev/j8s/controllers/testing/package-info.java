/** Helpers the controllers' tests share: waiting for a condition. */
package dev.j8s.controllers.testing;
