/** OCI images: references, the registry client, manifests, the content store and layer unpacking. */
package dev.j8s.oci;
