/**
 * The certificates.k8s.io controllers of kube-controller-manager (upstream's {@code pkg/controller/certificates}):
 * the signer of the kubernetes.io signers with the cluster CA ({@code csrsigning}) and the approver of kubelet
 * client certificates after a SubjectAccessReview ({@code csrapproving}).
 */
package dev.j8s.controllers.certificates;
