/** The verbs on stored objects (create, get, list, update, patch, delete) with metadata, admission and graceful deletion; the role of upstream's registry/generic/registry. */
package dev.j8s.apiserver.rest;
