/** The composition root of the API server: store, admission, HTTP layer and controllers; the role of upstream's cmd/kube-apiserver/app. */
package dev.j8s.apiserver;
