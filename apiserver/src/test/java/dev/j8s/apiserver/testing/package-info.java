/** Fixtures other modules' tests share (through this module's test-jar): a real API server over TLS, its verbs over SQLite. */
package dev.j8s.apiserver.testing;
