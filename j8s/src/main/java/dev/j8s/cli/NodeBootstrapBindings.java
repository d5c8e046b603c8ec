package dev.j8s.cli;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import java.util.List;

/**
 * The ClusterRoleBindings that let a machine join with a bootstrap token, as kubeadm makes them
 * ({@code kubeadm init}'s bootstrap-token phase): bootstrap tokens ({@code system:bootstrappers}) may create
 * CertificateSigningRequests ({@code system:node-bootstrapper}) and have node client ones auto-approved
 * ({@code …:nodeclient}); nodes ({@code system:nodes}) have the renewals of their own client certificates
 * auto-approved ({@code …:selfnodeclient}). Created when missing at every server start; a binding a user changed
 * is left alone. Stateless.
 */
final class NodeBootstrapBindings {

    static final Kind<ClusterRoleBinding> BINDINGS = new Kind<>("rbac.authorization.k8s.io", "v1",
            "ClusterRoleBinding", "clusterrolebindings", false, ClusterRoleBinding.class);

    /** name, ClusterRole, Group. */
    static final List<List<String>> EXPECTED = List.of(
            List.of("j8s:kubelet-bootstrap", "system:node-bootstrapper", "system:bootstrappers"),
            List.of("j8s:node-autoapprove-bootstrap",
                    "system:certificates.k8s.io:certificatesigningrequests:nodeclient", "system:bootstrappers"),
            List.of("j8s:node-autoapprove-certificate-rotation",
                    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", "system:nodes"));

    private NodeBootstrapBindings() {}

    static void ensure(KubeClient admin) {
        var bindings = admin.resource(BINDINGS);
        for (List<String> b : EXPECTED) {
            if (bindings.get("", b.get(0)).isPresent()) {
                continue;
            }
            try {
                bindings.create(new ClusterRoleBindingBuilder().withNewMetadata().withName(b.get(0)).endMetadata()
                        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                        .withName(b.get(1)).endRoleRef().addNewSubject().withApiGroup("rbac.authorization.k8s.io")
                        .withKind("Group").withName(b.get(2)).endSubject().build());
            } catch (ClusterException.AlreadyExists raced) {
                // made meanwhile
            }
        }
    }
}
