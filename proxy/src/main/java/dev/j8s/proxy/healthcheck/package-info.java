/** The health check ports of LoadBalancer services that keep their clients' addresses ({@code externalTrafficPolicy: Local}). */
package dev.j8s.proxy.healthcheck;
