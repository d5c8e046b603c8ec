package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.RequestUser;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * CertificateSigningRequests: the requestor from the request's user, upstream's validation and messages, the
 * immutable spec, and the approval and status subresources with the approve and sign checks on the signer.
 */
class CertificateAdmissionTest {

    private static final ResourceType CSRS = type("certificates.k8s.io", "certificatesigningrequests");
    private static final UserInfo BOOTSTRAP = UserInfo.authenticated("system:bootstrap:abcdef", "",
            List.of("system:bootstrappers"), Map.of());
    private static final UserInfo APPROVER = UserInfo.authenticated("approver", "", List.of(), Map.of());
    private static final String CLIENT_KUBELET = "kubernetes.io/kube-apiserver-client-kubelet";

    /** Who may approve and sign what: {@code user verb signerName} triples. */
    private final List<String> grants = new ArrayList<>();
    private final Admission admission = admission(FakeLookup.withDefaultNamespace());

    CertificateAdmissionTest() {
        admission.authorizeSigners(a -> grants.contains(a.user().name() + " " + a.verb() + " " + a.name())
                && a.resource().equals("signers") && a.apiGroup().equals("certificates.k8s.io")
                ? Decision.ALLOW : new Decision(Decision.Kind.NO_OPINION, ""));
    }

    private static ObjectNode csr(byte[] request, String signer, String... usages) {
        ObjectNode csr = json("{'apiVersion':'certificates.k8s.io/v1','kind':'CertificateSigningRequest',"
                + "'metadata':{'name':'node-csr-Ab_3-x'},'spec':{}}");
        ObjectNode spec = (ObjectNode) csr.get("spec");
        spec.put("request", Base64.getEncoder().encodeToString(request));
        if (!signer.isEmpty()) {
            spec.put("signerName", signer);
        }
        ArrayNode u = spec.putArray("usages");
        for (String usage : usages) {
            u.add(usage);
        }
        return csr;
    }

    private static ObjectNode nodeCsr() {
        return csr(TestCertificates.requestPem(TestCertificates.newKey(), "O=system:nodes,CN=system:node:n1"),
                CLIENT_KUBELET, "digital signature", "client auth");
    }

    private static <T> T as(UserInfo user, Supplier<T> work) {
        return RequestUser.callAs(user, work);
    }

    private ObjectNode created() {
        return as(BOOTSTRAP, () -> admission.admitCreate(CSRS, nodeCsr()));
    }

    private static ObjectNode withCondition(ObjectNode csr, String type) {
        ObjectNode next = csr.deepCopy();
        ObjectNode status = next.has("status") ? (ObjectNode) next.get("status") : next.putObject("status");
        ArrayNode conditions = status.has("conditions") ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
        conditions.addObject().put("type", type).put("status", "True").put("reason", "KubectlApprove")
                .put("message", "This CSR was approved by kubectl certificate approve.");
        return next;
    }

    private static ObjectNode withCertificate(ObjectNode csr, String pem) {
        ObjectNode next = csr.deepCopy();
        ((ObjectNode) next.get("status")).put("certificate",
                Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)));
        return next;
    }

    @Test
    void theRequestorIsTheRequestingUserNeverTheBodyAndTheStatusStartsEmpty() {
        ObjectNode body = nodeCsr();
        ((ObjectNode) body.get("spec")).put("username", "system:admin").putArray("groups").add("system:masters");
        ObjectNode preApproved = withCondition(body, "Approved");

        ObjectNode stored = as(BOOTSTRAP, () -> admission.admitCreate(CSRS, preApproved));

        assertThat(stored.at("/spec/username").asText()).isEqualTo("system:bootstrap:abcdef");
        assertThat(stored.at("/spec/groups").toString()).isEqualTo("[\"system:bootstrappers\",\"system:authenticated\"]");
        assertThat(stored.at("/spec").has("uid")).isFalse();
        assertThat(stored.get("status").isEmpty()).isTrue();
    }

    @Test
    void aRequestThatIsNotAPemCertificateRequestOrWhoseSignatureFailsIsRefusedInUpstreamsWords() {
        ObjectNode notPem = csr("hi".getBytes(StandardCharsets.US_ASCII), CLIENT_KUBELET, "client auth");
        assertThat(invalidCauses(() -> as(BOOTSTRAP, () -> admission.admitCreate(CSRS, notPem)))).containsExactly(
                "spec.request: Invalid value: []byte{0x68, 0x69}: PEM block type must be CERTIFICATE REQUEST");

        byte[] pem = TestCertificates.requestPem(TestCertificates.newKey(), "CN=system:node:n1");
        byte[] der = Base64.getMimeDecoder().decode(new String(pem, StandardCharsets.US_ASCII)
                .replaceAll("-----[A-Z ]+-----", ""));
        der[der.length - 1] ^= 1; // the signature's last byte: still parses, no longer verifies
        byte[] tampered = dev.j8s.api.certificates.PemBlock.encode("CERTIFICATE REQUEST", der)
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(invalidCauses(() -> as(BOOTSTRAP, () -> admission.admitCreate(CSRS,
                csr(tampered, CLIENT_KUBELET, "client auth")))))
                .singleElement().asString().startsWith("spec.request: Invalid value: []byte{0x2d, 0x2d,")
                .endsWith(": x509: ECDSA verification failure");
    }

    @Test
    void signerNameUsagesAndExpirationAreValidatedAsUpstream() {
        byte[] request = TestCertificates.requestPem(TestCertificates.newKey(), "CN=someone");
        assertThat(invalidCauses(() -> as(BOOTSTRAP, () -> admission.admitCreate(CSRS, csr(request, "")))))
                .containsExactly("spec.usages: Required value", "spec.signerName: Required value");
        assertThat(invalidCauses(() -> as(BOOTSTRAP, () -> admission.admitCreate(CSRS,
                csr(request, "example", "client auth", "flying", "client auth")))))
                .containsExactly("spec.usages[1]: Unsupported value: \"flying\": supported values: \"any\", "
                                + "\"cert sign\", \"client auth\", \"code signing\", \"content commitment\", \"crl sign\", "
                                + "\"data encipherment\", \"decipher only\", \"digital signature\", \"email protection\", "
                                + "\"encipher only\", \"ipsec end system\", \"ipsec tunnel\", \"ipsec user\", "
                                + "\"key agreement\", \"key encipherment\", \"microsoft sgc\", \"netscape sgc\", "
                                + "\"ocsp signing\", \"s/mime\", \"server auth\", \"signing\", \"timestamping\"",
                        "spec.usages[2]: Duplicate value: \"client auth\"",
                        "spec.signerName: Invalid value: \"example\": must be a fully qualified domain and path of "
                                + "the form 'example.com/signer-name'");
        assertThat(invalidCauses(() -> as(BOOTSTRAP, () -> admission.admitCreate(CSRS,
                csr(request, "example/Signer", "client auth")))))
                .containsExactly("spec.signerName: Invalid value: \"example\": should be a domain with at least two "
                        + "segments separated by dots", "spec.signerName: Invalid value: \"Signer\": validating label "
                        + "\"Signer\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                        + "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                        + "'example.com', regex used for validation is "
                        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        assertThat(invalidCauses(() -> as(BOOTSTRAP, () -> admission.admitCreate(CSRS,
                csr(request, "kubernetes.io/legacy-unknown", "client auth")))))
                .containsExactly("spec.signerName: Invalid value: \"kubernetes.io/legacy-unknown\": the legacy "
                        + "signerName is not allowed via this API version");
        ObjectNode shortLived = csr(request, "example.com/signer", "client auth");
        ((ObjectNode) shortLived.get("spec")).put("expirationSeconds", 599);
        assertThat(invalidCauses(() -> as(BOOTSTRAP, () -> admission.admitCreate(CSRS, shortLived))))
                .containsExactly("spec.expirationSeconds: Invalid value: 599: may not specify a duration less than "
                        + "600 seconds (10 minutes)");
    }

    @Test
    void theSpecAndStatusCannotChangeThroughTheMainResource() {
        ObjectNode stored = created();
        ObjectNode changed = withCondition(stored, "Approved");
        ((ObjectNode) changed.get("spec")).put("signerName", "kubernetes.io/kube-apiserver-client");
        ((ObjectNode) changed.get("metadata")).putObject("labels").put("team", "a");

        ObjectNode updated = as(APPROVER, () -> admission.admitUpdate(CSRS, stored, changed, ""));

        assertThat(updated.get("spec")).isEqualTo(stored.get("spec"));
        assertThat(updated.get("status")).isEqualTo(stored.get("status"));
        assertThat(updated.at("/metadata/labels/team").asText()).isEqualTo("a");
    }

    @Test
    void approvingNeedsTheApproveVerbOnTheSignerOrItsDomain() {
        ObjectNode stored = created();
        ObjectNode approved = withCondition(stored, "Approved");

        assertThatThrownBy(() -> as(APPROVER, () -> admission.admitUpdate(CSRS, stored, approved, "approval")))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("certificatesigningrequests.certificates.k8s.io \"node-csr-Ab_3-x\" is forbidden: user not "
                        + "permitted to approve requests with signerName \"" + CLIENT_KUBELET + "\"");

        grants.add("approver approve kubernetes.io/*");
        ObjectNode updated = as(APPROVER, () -> admission.admitUpdate(CSRS, stored, approved, "approval"));
        assertThat(updated.at("/status/conditions/0/type").asText()).isEqualTo("Approved");
        assertThat(updated.at("/status/conditions/0/lastUpdateTime").asText()).isNotEmpty();
        assertThat(updated.at("/status/conditions/0/lastTransitionTime").asText())
                .isEqualTo(updated.at("/status/conditions/0/lastUpdateTime").asText());
    }

    @Test
    void approvedAndDeniedExcludeEachOtherAndCannotBeAddedOrRemovedThroughStatus() {
        grants.add("approver approve " + CLIENT_KUBELET);
        ObjectNode stored = created();
        assertThat(invalidCauses(() -> as(APPROVER, () -> admission.admitUpdate(CSRS, stored,
                withCondition(withCondition(stored, "Approved"), "Denied"), "approval"))))
                .containsExactly("status.conditions[1].type: Invalid value: \"Denied\": Approved and Denied "
                        + "conditions are mutually exclusive");
        assertThat(invalidCauses(() -> as(APPROVER, () -> admission.admitUpdate(CSRS, stored,
                withCondition(stored, "Approved"), "status"))))
                .containsExactly("status.conditions: Forbidden: updates may not add a condition of type \"Approved\"");

        ObjectNode approved = as(APPROVER, () -> admission.admitUpdate(CSRS, stored, withCondition(stored, "Approved"),
                "approval"));
        ObjectNode removed = approved.deepCopy();
        ((ObjectNode) removed.get("status")).putArray("conditions");
        assertThat(invalidCauses(() -> as(APPROVER, () -> admission.admitUpdate(CSRS, approved, removed, "approval"))))
                .containsExactly("status.conditions: Forbidden: updates may not remove a condition of type \"Approved\"");
    }

    @Test
    void theCertificateIsSetOnlyThroughStatusByASignerOnceAndMustBePemCertificates() {
        grants.add("approver approve " + CLIENT_KUBELET);
        ObjectNode approved = as(APPROVER, () -> admission.admitUpdate(CSRS, created(),
                withCondition(created(), "Approved"), "approval"));
        String certificate = TestCertificates.pem(TestCertificates.newCa("issued").certificate());

        ObjectNode throughApproval = as(APPROVER, () -> admission.admitUpdate(CSRS, approved,
                withCertificate(approved, certificate), "approval"));
        assertThat(throughApproval.at("/status").has("certificate")).isFalse();

        UserInfo signer = UserInfo.authenticated("signer", "", List.of(), Map.of());
        assertThatThrownBy(() -> as(signer, () -> admission.admitUpdate(CSRS, approved,
                withCertificate(approved, certificate), "status")))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessageEndingWith("is forbidden: user not permitted to sign requests with signerName \""
                        + CLIENT_KUBELET + "\"");
        grants.add("signer sign " + CLIENT_KUBELET);
        assertThat(invalidCauses(() -> as(signer, () -> admission.admitUpdate(CSRS, approved,
                withCertificate(approved, "not a certificate"), "status"))))
                .containsExactly("status.certificate: Invalid value: \"<certificate data>\": must contain at least "
                        + "one CERTIFICATE PEM block");

        ObjectNode issued = as(signer, () -> admission.admitUpdate(CSRS, approved,
                withCertificate(approved, certificate), "status"));
        assertThat(issued.at("/status/conditions/0/type").asText()).isEqualTo("Approved");
        String other = TestCertificates.pem(TestCertificates.newCa("other").certificate());
        assertThat(invalidCauses(() -> as(signer, () -> admission.admitUpdate(CSRS, issued,
                withCertificate(issued, other), "status"))))
                .containsExactly("status.certificate: Forbidden: updates may not modify existing certificate content");
    }

    @Test
    void kubeletStyleNamesAreAccepted() {
        assertThat(created().at("/metadata/name").asText()).isEqualTo("node-csr-Ab_3-x");
    }

}
