/** Test fixtures other modules' tests share through this module's test-jar (a manual clock). */
package dev.j8s.api.testing;
