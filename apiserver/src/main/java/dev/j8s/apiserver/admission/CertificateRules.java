package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.certificates.CertificateRequest;
import dev.j8s.api.certificates.PemBlock;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.validation.Syntax;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * certificates.k8s.io/v1 CertificateSigningRequests as upstream's registry strategies
 * ({@code pkg/registry/certificates/certificates/strategy.go}), validation
 * ({@code pkg/apis/certificates/validation}) and the CertificateApproval and CertificateSigning admission plugins
 * treat them: the requestor's identity written into the spec at create, never taken from the body; the spec
 * immutable; conditions only through {@code /approval} (Approved, Denied) and {@code /status} (others), the
 * certificate only through {@code /status}, once; approving and signing authorized on the {@code signers} resource
 * of the signer name. Stateless and thread-safe.
 */
final class CertificateRules {

    static final String CSR = "certificates.k8s.io/CertificateSigningRequest";

    static final String APPROVED = "Approved";
    static final String DENIED = "Denied";
    static final String FAILED = "Failed";
    static final String LEGACY_UNKNOWN_SIGNER = "kubernetes.io/legacy-unknown";

    /** Upstream's {@code allValidUsages}, sorted as its error lists them. */
    static final List<String> USAGES = List.of("any", "cert sign", "client auth", "code signing", "content commitment",
            "crl sign", "data encipherment", "decipher only", "digital signature", "email protection",
            "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment",
            "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping");

    private static final Set<String> TRUE_ONLY = Set.of(APPROVED, DENIED, FAILED);
    private static final List<String> ALL_STATUSES = List.of("False", "True", "Unknown");
    private static final int DNS1123_SUBDOMAIN_MAX = 253;
    private static final int DNS1123_LABEL_MAX = 63;

    private CertificateRules() {}

    /** PrepareForCreate: the requestor from the request's user, an empty status. */
    static void prepareForCreate(ObjectNode csr, UserInfo user) {
        ObjectNode spec = Trees.objOrCreate(csr, "spec");
        spec.remove(List.of("username", "uid", "groups", "extra"));
        if (!user.name().isEmpty()) {
            spec.put("username", user.name());
        }
        if (!user.uid().isEmpty()) {
            spec.put("uid", user.uid());
        }
        if (!user.groups().isEmpty()) {
            ArrayNode groups = spec.putArray("groups");
            user.groups().forEach(groups::add);
        }
        if (!user.extra().isEmpty()) {
            ObjectNode extra = spec.putObject("extra");
            for (Map.Entry<String, List<String>> e : user.extra().entrySet()) {
                ArrayNode values = extra.putArray(e.getKey());
                e.getValue().forEach(values::add);
            }
        }
        csr.putObject("status");
    }

    /**
     * PrepareForUpdate of the main resource ({@code subresource} ""), {@code status} or {@code approval}: what each
     * may change is kept, the rest restored from {@code old}.
     */
    static void prepareForUpdate(String subresource, ObjectNode csr, ObjectNode old, Instant now) {
        copy(old, csr, "spec");
        switch (subresource) {
            case "" -> copy(old, csr, "status");
            case "status" -> {
                preserveInstances(csr, old, APPROVED);
                preserveInstances(csr, old, DENIED);
                populateTimestamps(csr, old, now);
            }
            case "approval" -> {
                populateTimestamps(csr, old, now);
                JsonNode conditions = Trees.objOrCreate(csr, "status").get("conditions");
                copy(old, csr, "status");
                ObjectNode status = Trees.objOrCreate(csr, "status");
                if (conditions == null) {
                    status.remove("conditions");
                } else {
                    status.set("conditions", conditions);
                }
            }
            default -> throw new IllegalArgumentException("subresource " + subresource);
        }
    }

    /** Validation of a new request. */
    static void validateCreate(ObjectNode csr, FieldErrors errs) {
        validate(csr, Optional.empty(), errs);
    }

    /** Validation of an update through {@code subresource} ("" for the main resource). */
    static void validateUpdate(String subresource, ObjectNode csr, ObjectNode old, FieldErrors errs) {
        validate(csr, Optional.of(old), errs);
        for (String type : List.of(APPROVED, DENIED, FAILED)) {
            if (conditions(csr, type).size() < conditions(old, type).size()) {
                errs.forbidden("status.conditions", "updates may not remove a condition of type " + FieldErrors.goQuote(type));
            }
        }
        if (!subresource.equals("approval")) {
            for (String type : List.of(APPROVED, DENIED)) {
                List<ObjectNode> before = conditions(old, type);
                List<ObjectNode> after = conditions(csr, type);
                if (after.size() > before.size()) {
                    errs.forbidden("status.conditions", "updates may not add a condition of type " + FieldErrors.goQuote(type));
                } else if (after.size() == before.size() && !TreeEquality.equal(array(after), array(before))) {
                    errs.forbidden("status.conditions", "updates may not modify a condition of type "
                            + FieldErrors.goQuote(type) + "\n");
                }
            }
        }
        String certificate = certificate(csr);
        String oldCertificate = certificate(old);
        if (!certificate.equals(oldCertificate)) {
            if (!subresource.equals("status")) {
                errs.forbidden("status.certificate", "updates may not set certificate content");
            } else if (!oldCertificate.isEmpty()) {
                errs.forbidden("status.certificate", "updates may not modify existing certificate content");
            }
        }
    }

    /**
     * The CertificateApproval and CertificateSigning admission plugins: an approval needs {@code approve}, a change
     * of the certificate {@code sign}, on the old object's signer name.
     *
     * @throws ApiError.Forbidden in upstream's words
     */
    static void authorize(Authorizer authorizer, UserInfo user, String subresource, ObjectNode csr, ObjectNode old) {
        String name = Trees.str(Trees.obj(old, "metadata"), "name");
        String signer = Trees.str(Trees.obj(old, "spec"), "signerName");
        String verb;
        if (subresource.equals("approval")) {
            verb = "approve";
        } else if (subresource.equals("status") && !certificate(csr).equals(certificate(old))) {
            verb = "sign";
        } else {
            return;
        }
        if (!authorizedForSigner(authorizer, user, verb, signer)) {
            throw ApiError.Forbidden.of("certificatesigningrequests.certificates.k8s.io", name,
                    "user not permitted to " + verb + " requests with signerName " + FieldErrors.goQuote(signer));
        }
    }

    /**
     * Upstream's {@code IsAuthorizedForSignerName}: {@code verb} on {@code signers} named the signer, else named
     * its domain and {@code /*}.
     */
    static boolean authorizedForSigner(Authorizer authorizer, UserInfo user, String verb, String signer) {
        String domain = signer.split("/", -1)[0];
        for (String name : List.of(signer, domain + "/*")) {
            Attributes attributes = Attributes.resource(user, verb, "certificates.k8s.io", "*", "", "signers", "", name);
            if (authorizer.authorize(attributes).kind() == Decision.Kind.ALLOW) {
                return true;
            }
        }
        return false;
    }

    // ---- validation -----------------------------------------------------------------------------

    private static void validate(ObjectNode csr, Optional<ObjectNode> old, FieldErrors errs) {
        ObjectNode spec = Trees.obj(csr, "spec") == null ? csr.objectNode() : Trees.obj(csr, "spec");
        byte[] request = decode(Trees.str(spec, "request"));
        try {
            CertificateRequest.parsePem(request).checkSignature();
        } catch (CertificateRequest.InvalidRequest e) {
            errs.invalid("spec.request", new FieldErrors.Raw(goBytes(request)), e.getMessage());
        }
        List<String> usages = MetaRules.strings(spec.get("usages"));
        if (usages.isEmpty()) {
            errs.required("spec.usages", "");
        }
        Optional<ObjectNode> oldSpec = old.map(o -> Trees.obj(o, "spec"));
        List<String> oldUsages = oldSpec.map(s -> MetaRules.strings(s.get("usages"))).orElse(List.of());
        if (!oldUsages.stream().anyMatch(u -> !USAGES.contains(u))) {
            for (int i = 0; i < usages.size(); i++) {
                if (!USAGES.contains(usages.get(i))) {
                    errs.notSupported("spec.usages[" + i + "]", usages.get(i), USAGES);
                }
            }
        }
        if (new HashSet<>(oldUsages).size() == oldUsages.size()) {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < usages.size(); i++) {
                if (!seen.add(usages.get(i))) {
                    errs.duplicate("spec.usages[" + i + "]", usages.get(i));
                }
            }
        }
        String signer = Trees.str(spec, "signerName");
        boolean legacyBefore = oldSpec.map(s -> Trees.str(s, "signerName").equals(LEGACY_UNKNOWN_SIGNER)).orElse(false);
        if (!legacyBefore && signer.equals(LEGACY_UNKNOWN_SIGNER)) {
            errs.invalid("spec.signerName", signer, "the legacy signerName is not allowed via this API version");
        } else {
            validateSignerName("spec.signerName", signer, errs);
        }
        Long expiration = Trees.longOrNull(spec, "expirationSeconds");
        if (expiration != null && expiration < 600) {
            errs.invalid("spec.expirationSeconds", expiration, "may not specify a duration less than 600 seconds (10 minutes)");
        }
        validateConditions(csr, old, errs);
        String certificate = certificate(csr);
        boolean unchanged = old.isPresent() && certificate.equals(certificate(old.get()));
        boolean badBefore = old.isPresent() && certificateError(decode(certificate(old.get()))).isPresent();
        if (!unchanged && !badBefore) {
            certificateError(decode(certificate)).ifPresent(e -> errs.invalid("status.certificate", "<certificate data>", e));
        }
    }

    private static void validateConditions(ObjectNode csr, Optional<ObjectNode> old, FieldErrors errs) {
        List<ObjectNode> conditions = Trees.objects(Trees.obj(csr, "status"), "conditions");
        List<ObjectNode> oldConditions = old.map(o -> Trees.objects(Trees.obj(o, "status"), "conditions")).orElse(List.of());
        Set<String> oldTypes = oldConditions.stream().map(c -> Trees.str(c, "type")).collect(Collectors.toSet());
        boolean allowEmpty = oldTypes.contains("");
        boolean allowDuplicates = oldTypes.size() < oldConditions.size();
        boolean allowBoth = oldTypes.contains(APPROVED) && oldTypes.contains(DENIED);
        Set<String> seen = new HashSet<>();
        boolean approved = false;
        boolean denied = false;
        for (int i = 0; i < conditions.size(); i++) {
            String at = "status.conditions[" + i + "]";
            String type = Trees.str(conditions.get(i), "type");
            String status = Trees.str(conditions.get(i), "status");
            if (!allowEmpty && type.isEmpty()) {
                errs.required(at + ".type", "");
            }
            List<String> allowed = TRUE_ONLY.contains(type) ? List.of("True") : ALL_STATUSES;
            if (status.isEmpty()) {
                errs.required(at + ".status", "");
            } else if (!allowed.contains(status)) {
                errs.notSupported(at + ".status", status, allowed);
            }
            if (!allowBoth) {
                if (type.equals(APPROVED)) {
                    approved = true;
                    if (denied) {
                        errs.invalid(at + ".type", type, "Approved and Denied conditions are mutually exclusive");
                    }
                } else if (type.equals(DENIED)) {
                    denied = true;
                    if (approved) {
                        errs.invalid(at + ".type", type, "Approved and Denied conditions are mutually exclusive");
                    }
                }
            }
            if (!allowDuplicates && !seen.add(type)) {
                errs.duplicate(at + ".type", type);
            }
        }
    }

    /** Upstream's {@code ValidateSignerName}: {@code <domain with a dot>/<path>}, 571 characters at most. */
    static void validateSignerName(String path, String signer, FieldErrors errs) {
        if (signer.isEmpty()) {
            errs.required(path, "");
            return;
        }
        String[] segments = signer.split("/", -1);
        if (segments.length != 2) {
            errs.invalid(path, signer, "must be a fully qualified domain and path of the form 'example.com/signer-name'");
            return;
        }
        if (segments[0].length() > DNS1123_SUBDOMAIN_MAX) {
            errs.tooLong(path, DNS1123_SUBDOMAIN_MAX);
        }
        String[] domainLabels = segments[0].split("\\.", -1);
        for (String label : domainLabels) {
            List<String> problems = Syntax.dns1123Label(label);
            if (!problems.isEmpty()) {
                for (String p : problems) {
                    errs.invalid(path, segments[0], "validating label " + FieldErrors.goQuote(label) + ": " + p);
                }
                break;
            }
        }
        if (domainLabels.length < 2) {
            errs.invalid(path, segments[0], "should be a domain with at least two segments separated by dots");
        }
        for (String label : segments[1].split("\\.", -1)) {
            List<String> problems = Syntax.dns1123Subdomain(label);
            if (!problems.isEmpty()) {
                for (String p : problems) {
                    errs.invalid(path, segments[1], "validating label " + FieldErrors.goQuote(label) + ": " + p);
                }
                break;
            }
        }
        int maxSigner = DNS1123_SUBDOMAIN_MAX + DNS1123_SUBDOMAIN_MAX + DNS1123_LABEL_MAX + 1 + 1;
        if (signer.length() > maxSigner) {
            errs.tooLong(path, maxSigner);
        }
    }

    /** Upstream's {@code validateCertificate}: empty, or only CERTIFICATE blocks without headers that parse. */
    static Optional<String> certificateError(byte[] pem) {
        if (pem.length == 0) {
            return Optional.empty();
        }
        List<PemBlock> blocks = PemBlock.all(pem);
        for (PemBlock block : blocks) {
            if (!block.type().equals("CERTIFICATE")) {
                return Optional.of("only CERTIFICATE PEM blocks are allowed, found " + FieldErrors.goQuote(block.type()));
            }
            if (block.hasHeaders()) {
                return Optional.of("no PEM block headers are permitted");
            }
            try {
                if (CertificateFactory.getInstance("X.509")
                        .generateCertificates(new java.io.ByteArrayInputStream(block.der())).isEmpty()) {
                    return Optional.of("found CERTIFICATE PEM block containing 0 certificates");
                }
            } catch (CertificateException e) {
                return Optional.of("x509: malformed certificate");
            }
        }
        if (blocks.isEmpty()) {
            return Optional.of("must contain at least one CERTIFICATE PEM block");
        }
        return Optional.empty();
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** Go's {@code %#v} of a byte slice: {@code []byte{0x2d, 0x2d}}. */
    static String goBytes(byte[] bytes) {
        if (bytes.length == 0) {
            return "[]byte(nil)";
        }
        StringBuilder sb = new StringBuilder("[]byte{");
        for (int i = 0; i < bytes.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append("0x").append(Integer.toHexString(bytes[i] & 0xff));
        }
        return sb.append('}').toString();
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return new byte[0]; // the decoder refused it before admission
        }
    }

    private static String certificate(ObjectNode csr) {
        return Trees.str(Trees.obj(csr, "status"), "certificate");
    }

    private static List<ObjectNode> conditions(ObjectNode csr, String type) {
        return Trees.objects(Trees.obj(csr, "status"), "conditions").stream()
                .filter(c -> Trees.str(c, "type").equals(type)).toList();
    }

    private static ArrayNode array(List<ObjectNode> nodes) {
        ArrayNode array = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        nodes.forEach(array::add);
        return array;
    }

    /** Upstream's {@code preserveConditionInstances}: the old instances of {@code type} when their number is unchanged. */
    private static void preserveInstances(ObjectNode csr, ObjectNode old, String type) {
        List<ObjectNode> before = conditions(old, type);
        ArrayNode current = conditionArray(csr);
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < current.size(); i++) {
            if (Trees.str(current.get(i), "type").equals(type)) {
                indices.add(i);
            }
        }
        if (indices.size() != before.size()) {
            return;
        }
        for (int i = 0; i < indices.size(); i++) {
            current.set(indices.get(i), before.get(i).deepCopy());
        }
    }

    /** Upstream's {@code populateConditionTimestamps}. */
    private static void populateTimestamps(ObjectNode csr, ObjectNode old, Instant now) {
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        List<ObjectNode> before = Trees.objects(Trees.obj(old, "status"), "conditions");
        for (JsonNode node : conditionArray(csr)) {
            if (!(node instanceof ObjectNode c)) {
                continue;
            }
            if (Trees.str(c, "lastUpdateTime").isEmpty()) {
                c.put("lastUpdateTime", time);
            }
            if (Trees.str(c, "lastTransitionTime").isEmpty()) {
                String transition = before.stream()
                        .filter(o -> Trees.str(o, "type").equals(Trees.str(c, "type"))
                                && Trees.str(o, "status").equals(Trees.str(c, "status"))
                                && !Trees.str(o, "lastTransitionTime").isEmpty())
                        .map(o -> Trees.str(o, "lastTransitionTime")).findFirst().orElse(time);
                c.put("lastTransitionTime", transition);
            }
        }
    }

    private static ArrayNode conditionArray(ObjectNode csr) {
        JsonNode conditions = Trees.objOrCreate(csr, "status").get("conditions");
        return conditions instanceof ArrayNode a ? a
                : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    }

    private static void copy(ObjectNode from, ObjectNode to, String field) {
        if (from.has(field)) {
            to.set(field, from.get(field).deepCopy());
        } else {
            to.remove(field);
        }
    }
}
