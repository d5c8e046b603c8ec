package dev.j8s.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SchemeTest {

    private static final GroupVersionKind POD = new GroupVersionKind("", "v1", "Pod");
    private static final GroupVersionKind CORE_EVENT = new GroupVersionKind("", "v1", "Event");
    private static final GroupVersionKind EVENTS_V1 = new GroupVersionKind("events.k8s.io", "v1", "Event");
    private static final GroupVersionKind LEASE = new GroupVersionKind("coordination.k8s.io", "v1", "Lease");

    /** A body (JSON, single quotes) sent to a URL serving {@code expected}, filled to {@code apiVersion}/{@code kind}. */
    record Filled(String name, GroupVersionKind expected, String body) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Filled> filled() {
        return Stream.of(
                new Filled("neither apiVersion nor kind", POD, "{'metadata':{'name':'a'}}"),
                new Filled("no kind", POD, "{'apiVersion':'v1'}"),
                new Filled("no apiVersion", POD, "{'kind':'Pod'}"),
                new Filled("both null, as Go reads them: absent", POD, "{'apiVersion':null,'kind':null}"),
                new Filled("both empty", POD, "{'apiVersion':'','kind':''}"),
                new Filled("both right", POD, "{'apiVersion':'v1','kind':'Pod'}"),
                new Filled("a group's resource without either", LEASE, "{}"),
                new Filled("the group without a version", LEASE, "{'apiVersion':'coordination.k8s.io/'}"),
                new Filled("a group's own event", EVENTS_V1, "{'apiVersion':'events.k8s.io/v1'}"));
    }

    @ParameterizedTest
    @MethodSource("filled")
    void missingPartsAreTakenFromTheUrl(Filled c) {
        ObjectNode body = json(c.body());

        Scheme.defaultTypeMeta(c.expected(), body, raw(c.body()));

        assertThat(body.get("apiVersion").asText()).isEqualTo(c.expected().apiVersion());
        assertThat(body.get("kind").asText()).isEqualTo(c.expected().kind());
    }

    /** A body that contradicts the URL and upstream's exact refusal. */
    record Refused(String name, GroupVersionKind expected, String body, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Refused> refused() {
        return Stream.of(
                new Refused("another registered kind", POD, "{'apiVersion':'v1','kind':'Service'}",
                        "Service in version \"v1\" cannot be handled as a Pod: converting (v1.Service) to (core.Pod): "
                                + "unknown conversion"),
                new Refused("another kind, version from the URL", POD, "{'kind':'ConfigMap'}",
                        "ConfigMap in version \"v1\" cannot be handled as a Pod: converting (v1.ConfigMap) to (core.Pod): "
                                + "unknown conversion"),
                new Refused("a core kind j8s does not serve", POD, "{'apiVersion':'v1','kind':'PersistentVolumeClaim'}",
                        "PersistentVolumeClaim in version \"v1\" cannot be handled as a Pod: converting "
                                + "(v1.PersistentVolumeClaim) to (core.Pod): unknown conversion"),
                new Refused("a lowercase kind", POD, "{'apiVersion':'v1','kind':'pod'}",
                        "pod in version \"v1\" cannot be handled as a Pod: no kind \"pod\" is registered for version "
                                + "\"v1\" in scheme \"pkg/api/legacyscheme/scheme.go:30\""),
                new Refused("the kind in another group", POD, "{'apiVersion':'apps/v1','kind':'Pod'}",
                        "Pod in version \"v1\" cannot be handled as a Pod: no kind \"Pod\" is registered for version "
                                + "\"apps/v1\" in scheme \"pkg/api/legacyscheme/scheme.go:30\""),
                new Refused("an unknown version", POD, "{'apiVersion':'v2','kind':'Pod'}",
                        "Pod in version \"v2\" cannot be handled as a Pod: no kind \"Pod\" is registered for version "
                                + "\"v2\" in scheme \"pkg/api/legacyscheme/scheme.go:30\""),
                new Refused("a lease to a group's other resource", EVENTS_V1,
                        "{'apiVersion':'coordination.k8s.io/v1','kind':'Lease'}",
                        "Lease in version \"v1\" cannot be handled as a Event: converting (v1.Lease) to (core.Event): "
                                + "unknown conversion"),
                new Refused("an events.k8s.io Event to core events", CORE_EVENT,
                        "{'apiVersion':'events.k8s.io/v1','kind':'Event'}",
                        "the API version in the data (events.k8s.io/v1) does not match the expected API version (v1)"),
                new Refused("a core Event to events.k8s.io", EVENTS_V1, "{'apiVersion':'v1','kind':'Event'}",
                        "the API version in the data (v1) does not match the expected API version (events.k8s.io/v1)"),
                new Refused("another group without a version", POD, "{'apiVersion':'apps/','kind':'Pod'}",
                        "Pod in version \"\" cannot be handled as a Pod: Object 'apiVersion' is missing in "
                                + "'{\"apiVersion\":\"apps/\",\"kind\":\"Pod\"}'"),
                new Refused("an apiVersion with two slashes", POD, "{'apiVersion':'a/b/c','kind':'Pod'}",
                        "the object provided is unrecognized (must be of type Pod): unexpected GroupVersion string: a/b/c "
                                + "({\"apiVersion\":\"a/b/c\",\"kind\":\" ...)"),
                new Refused("a kind that is no string", POD, "{'kind':5}",
                        "the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse "
                                + "error: json: cannot unmarshal number into Go struct field .kind of type string ({\"kind\":5})"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void aBodyThatContradictsTheUrlIsABadRequestWordedAsUpstream(Refused c) {
        assertThatThrownBy(() -> Scheme.defaultTypeMeta(c.expected(), json(c.body()), raw(c.body())))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage(c.message());
    }

    @Test
    void goPrintsAGroupVersionKindWithItsSlashEvenForTheCoreGroup() {
        assertThat(POD).hasToString("/v1, Kind=Pod");
        assertThat(LEASE).hasToString("coordination.k8s.io/v1, Kind=Lease");
        assertThat(new GroupVersionKind("", "", "")).hasToString("/, Kind=");
    }

    private static ObjectNode json(String singleQuoted) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(singleQuoted.replace('\'', '"'));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static byte[] raw(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }
}
