/** The shared, bounded JSON configuration and tree helpers of the API server. */
package dev.j8s.apiserver.json;
