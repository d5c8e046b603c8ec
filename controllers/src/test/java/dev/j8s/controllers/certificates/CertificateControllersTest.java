package dev.j8s.controllers.certificates;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.apiserver.testing.LocalCore;
import dev.j8s.apiserver.testing.TestCertificates;
import dev.j8s.controllers.ControllerClients;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The approver and the signer against the real API (RBAC, the approval and status subresources' checks), acting as
 * {@code kube-system/certificate-controller}: node client requests approved after the SubjectAccessReview and
 * signed by the CA (checked with the JDK's CertificateFactory), serving requests left to a person, requests a
 * signer refuses marked Failed with upstream's reason.
 */
class CertificateControllersTest {

    private static final String CLIENT_KUBELET = "kubernetes.io/kube-apiserver-client-kubelet";
    private static final Kind<ClusterRoleBinding> BINDINGS = new Kind<>("rbac.authorization.k8s.io", "v1",
            "ClusterRoleBinding", "clusterrolebindings", false, ClusterRoleBinding.class);
    private static final UserInfo BOOTSTRAP = UserInfo.authenticated("system:bootstrap:abcdef", "",
            List.of("system:bootstrappers"), Map.of());
    private static final UserInfo STRANGER = UserInfo.authenticated("stranger", "", List.of(), Map.of());
    private static final UserInfo NODE = UserInfo.authenticated("system:node:n1", "", List.of("system:nodes"), Map.of());

    @TempDir
    Path dir;

    private final TestCertificates.Ca ca = TestCertificates.newCa("j8s-test-ca", Duration.ofDays(3650));
    private LocalCore api;
    private CertificateControllers controllers;
    private KubeClient manager;
    private KubeClient controller;
    private ResourceClient<CertificateSigningRequest> admin;

    @BeforeEach
    void start() {
        api = LocalCore.open(dir, false);
        manager = api.core().kubeClient(UserInfo.authenticated(UserInfo.KUBE_CONTROLLER_MANAGER, "",
                List.of(), Map.of()));
        controller = ControllerClients.serviceAccounts(manager, sa -> api.core().kubeClient(
                UserInfo.serviceAccount(sa.getMetadata().getNamespace(), sa.getMetadata().getName(),
                        sa.getMetadata().getUid()))).client(CsrSigningController.SERVICE_ACCOUNT);
        AccessReviewer reviewer = review -> api.core().authorizer().authorize(Attributes.resource(
                new UserInfo(review.user(), review.uid(), review.groups(), review.extra()), review.verb(),
                review.group(), "*", "", review.resource(), review.subresource(), "")).kind() == Decision.Kind.ALLOW;
        controllers = CertificateControllers.start(manager, controller,
                new CertificateAuthority(ca.certificate(), ca.key().getPrivate()), reviewer, Clock.systemUTC());
        admin = api.client().resource(Kind.CERTIFICATE_SIGNING_REQUESTS);
        // what kubeadm binds: bootstrappers may ask for node client certificates, nodes may renew their own
        bind("bootstrappers-request", "system:node-bootstrapper", "system:bootstrappers");
        bind("bootstrappers-nodeclient", "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                "system:bootstrappers");
        bind("nodes-selfnodeclient", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
                "system:nodes");
        // the stranger may create requests, but not ask for node client certificates
        api.client().resource(BINDINGS).create(new ClusterRoleBindingBuilder().withNewMetadata()
                .withName("stranger-request").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
                .withKind("ClusterRole").withName("system:node-bootstrapper").endRoleRef().addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("stranger").endSubject().build());
    }

    @AfterEach
    void stop() {
        controllers.close();
        api.close();
    }

    private void bind(String name, String role, String group) {
        api.client().resource(BINDINGS).create(new ClusterRoleBindingBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                .withName(role).endRoleRef().addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group")
                .withName(group).endSubject().build());
    }

    private CertificateSigningRequest request(UserInfo user, String name, String signerName, String subject,
                                              List<String> dnsNames, Integer expirationSeconds, String... usages) {
        byte[] pem = TestCertificates.requestPem(TestCertificates.newKey(), subject, dnsNames, List.of());
        return api.core().kubeClient(user).resource(Kind.CERTIFICATE_SIGNING_REQUESTS).create(
                new CertificateSigningRequestBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                        .withRequest(Base64.getEncoder().encodeToString(pem)).withSignerName(signerName)
                        .withExpirationSeconds(expirationSeconds).withUsages(usages).endSpec().build());
    }

    private CertificateSigningRequest csr(String name) {
        return admin.get("", name).orElseThrow();
    }

    private Optional<CertificateSigningRequestCondition> condition(String name, String type) {
        var status = csr(name).getStatus();
        return status == null || status.getConditions() == null ? Optional.empty()
                : status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private X509Certificate issued(String name) throws Exception {
        await(name + " issued", Duration.ofSeconds(10), () -> Conditions.hasCertificate(csr(name)));
        byte[] pem = Base64.getDecoder().decode(csr(name).getStatus().getCertificate());
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    }

    private void approveAsAdmin(String name) {
        admin.updateSubresource(Conditions.withCondition(csr(name), "Approved", "KubectlApprove",
                "This CSR was approved by kubectl certificate approve.", Instant.now()), "approval");
    }

    @Test
    void aBootstrapTokensNodeClientRequestIsApprovedAfterTheAccessReviewAndSignedByTheCa() throws Exception {
        request(STRANGER, "stranger", CLIENT_KUBELET, "O=system:nodes,CN=system:node:n9", List.of(), null,
                "digital signature", "client auth");
        Instant before = Instant.now();
        request(BOOTSTRAP, "node-csr-1", CLIENT_KUBELET, "O=system:nodes,CN=system:node:n1", List.of(), 3600,
                "digital signature", "key encipherment", "client auth");

        X509Certificate certificate = issued("node-csr-1");
        Instant after = Instant.now();

        CertificateSigningRequestCondition approved = condition("node-csr-1", "Approved").orElseThrow();
        assertThat(approved.getReason()).isEqualTo("AutoApproved");
        assertThat(approved.getMessage()).isEqualTo("Auto approving kubelet client certificate after SubjectAccessReview.");
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=system:node:n1,O=system:nodes");
        assertThat(certificate.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        certificate.verify(ca.certificate().getPublicKey());
        assertThat(certificate.getNotBefore().toInstant()).isBetween(before.minusSeconds(301), after.minusSeconds(299));
        assertThat(certificate.getNotAfter().toInstant()).isBetween(before.plusSeconds(3599), after.plusSeconds(3601));
        assertThat(certificate.getKeyUsage()).startsWith(true, false, true); // digitalSignature, keyEncipherment
        assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(certificate.getBasicConstraints()).isEqualTo(-1);
        assertThat(certificate.getSubjectAlternativeNames()).isNull();

        // the stranger may not ask for node certificates: never approved
        assertThat(condition("stranger", "Approved")).isEmpty();
    }

    @Test
    void aNodeRenewingItsOwnClientCertificateIsApprovedAsSelfNodeClientForTheDefaultYearWithinTheCa()
            throws Exception {
        request(NODE, "renewal", CLIENT_KUBELET, "O=system:nodes,CN=system:node:n1", List.of(), null,
                "digital signature", "client auth");

        X509Certificate certificate = issued("renewal");

        assertThat(condition("renewal", "Approved").orElseThrow().getMessage())
                .isEqualTo("Auto approving self kubelet client certificate after SubjectAccessReview.");
        Duration lifetime = Duration.between(certificate.getNotBefore().toInstant(),
                certificate.getNotAfter().toInstant());
        // a year (less the 5 min backdate of a long-lived certificate's end) from 5 min ago
        assertThat(lifetime).isEqualTo(Duration.ofDays(365));
        assertThat(csr("renewal").getSpec().getUsername()).isEqualTo("system:node:n1");
    }

    @Test
    void servingRequestsWaitForAPersonAndAreSignedWithTheirNamesOnceApproved() throws Exception {
        request(NODE, "serving", "kubernetes.io/kubelet-serving", "O=system:nodes,CN=system:node:n1",
                List.of("n1.example"), null, "digital signature", "server auth");
        request(BOOTSTRAP, "after", CLIENT_KUBELET, "O=system:nodes,CN=system:node:n2", List.of(), null,
                "digital signature", "client auth");
        await("the later request approved", Duration.ofSeconds(10), () -> condition("after", "Approved").isPresent());
        assertThat(condition("serving", "Approved")).as("never auto-approved").isEmpty();

        approveAsAdmin("serving");
        X509Certificate certificate = issued("serving");

        assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(certificate.getSubjectAlternativeNames()).containsExactly(List.of(2, "n1.example"));
    }

    @Test
    void aRequestTheSignerRefusesIsMarkedFailedWithUpstreamsReasonAndMessage() {
        request(STRANGER, "not-a-node", CLIENT_KUBELET, "O=dev,CN=system:node:n1", List.of(), null,
                "digital signature", "client auth");
        request(STRANGER, "server-usage", "kubernetes.io/kube-apiserver-client", "CN=stranger", List.of(), null,
                "client auth", "server auth");
        approveAsAdmin("not-a-node");
        approveAsAdmin("server-usage");

        await("both failed", Duration.ofSeconds(10),
                () -> condition("not-a-node", "Failed").isPresent() && condition("server-usage", "Failed").isPresent());
        CertificateSigningRequestCondition failed = condition("not-a-node", "Failed").orElseThrow();
        assertThat(failed.getReason()).isEqualTo("SignerValidationFailure");
        assertThat(failed.getMessage()).isEqualTo("subject organization is not system:nodes");
        assertThat(condition("server-usage", "Failed").orElseThrow().getMessage())
                .isEqualTo("invalid usage for client certificate: server auth");
        assertThat(Conditions.hasCertificate(csr("not-a-node"))).isFalse();
    }

    @Test
    void theCleanerDeletesARequestPendingForMoreThanADayAsTheController() {
        request(STRANGER, "forgotten", "kubernetes.io/kube-apiserver-client", "CN=stranger", List.of(), null,
                "client auth");
        var informers = new dev.j8s.controllers.informers.InformerFactory(manager, Duration.ofMinutes(10));
        try (CsrCleaner cleaner = new CsrCleaner(controller, informers,
                Clock.offset(Clock.systemUTC(), Duration.ofHours(23)))) {
            informers.start();
            informers.awaitSynced(Duration.ofSeconds(10));
            cleaner.clean();
            assertThat(admin.get("", "forgotten")).as("23 h later").isPresent();
        } finally {
            informers.close();
        }
        var later = new dev.j8s.controllers.informers.InformerFactory(manager, Duration.ofMinutes(10));
        try (CsrCleaner cleaner = new CsrCleaner(controller, later,
                Clock.offset(Clock.systemUTC(), Duration.ofHours(25)))) {
            later.start();
            later.awaitSynced(Duration.ofSeconds(10));
            cleaner.clean();
            assertThat(admin.get("", "forgotten")).as("25 h later").isEmpty();
        } finally {
            later.close();
        }
    }
}
