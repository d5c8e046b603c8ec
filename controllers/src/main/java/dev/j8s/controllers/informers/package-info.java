/**
 * Informers: a list+watch of one resource kept as an indexed cache, with event handlers, periodic resync and a
 * relist when the watch expires; client-go's k8s.io/client-go/tools/cache (reflector, shared informer, indexer).
 */
package dev.j8s.controllers.informers;
