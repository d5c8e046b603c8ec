/**
 * The endpoints and EndpointSlice controllers: for every Service with a selector, the addresses of the pods it
 * selects as {@code v1/Endpoints} and {@code discovery.k8s.io/v1} slices, and the user's Endpoints of selectorless
 * services mirrored into slices; upstream's pkg/controller/endpoint, pkg/controller/endpointslice and
 * pkg/controller/endpointslicemirroring.
 */
package dev.j8s.controllers.endpoint;
