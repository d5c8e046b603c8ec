/** The HTTP layer: authentication, limits, routing, negotiation, CRUD, watch and discovery; the role of upstream's apiserver/pkg/endpoints. */
package dev.j8s.apiserver.http;
