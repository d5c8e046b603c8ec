package dev.j8s.apiserver.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.selection.LabelSelector.Operator;
import dev.j8s.apiserver.selection.LabelSelector.Requirement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelSelectorTest {

    static JsonNode labels(String json) {
        try {
            return Json.MAPPER.readTree(json.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static final JsonNode WEB = labels("{'app':'web','tier':'front','version':'3'}");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "''                      | true",
            "'   '                   | true",
            "app=web                 | true",
            "app==web                | true",
            "app=db                  | false",
            "app!=db                 | true",
            "app!=web                | false",
            "missing!=x              | true",
            "app in (web,db)         | true",
            "app in (db)             | false",
            "app notin (db,cache)    | true",
            "app notin (web)         | false",
            "missing notin (a)       | true",
            "missing in (a)          | false",
            "app                     | true",
            "missing                 | false",
            "!missing                | true",
            "!app                    | false",
            "'app=web,tier=front'    | true",
            "'app=web, tier=back'    | false",
            "'app=web,!tier'         | false",
            "version>2               | true",
            "version<3               | false",
            "app>1                   | false",
            "missing=                | false",
            "in=x                    | false",
            "'tier in (front, back)' | true",
            "'kubernetes.io/cluster-service=true' | false",
    })
    void matchesAsUpstream(String selector, boolean expected) {
        assertThat(LabelSelector.parse(selector).matches(WEB)).isEqualTo(expected);
    }

    @Test
    void emptyValueMatchesAnEmptyLabel() {
        assertThat(LabelSelector.parse("a=").matches(labels("{'a':''}"))).isTrue();
        assertThat(LabelSelector.parse("a in ()").matches(labels("{'a':''}"))).isTrue();
        assertThat(LabelSelector.parse("a in (,x)").requirements().getFirst().values()).containsExactly("", "x");
    }

    @Test
    void missingLabelsObjectIsTreatedAsEmpty() {
        assertThat(LabelSelector.parse("!a").matches(Json.object().path("labels"))).isTrue();
        assertThat(LabelSelector.parse("a").matches(Json.object().path("labels"))).isFalse();
    }

    @Test
    void requirementsAreParsedIntoSortedValues() {
        assertThat(LabelSelector.parse("x notin (b,a,b), example.com/app=web").requirements()).containsExactly(
                new Requirement("example.com/app", Operator.EQUALS, List.of("web")),
                new Requirement("x", Operator.NOT_IN, List.of("a", "b")));
        assertThat(LabelSelector.everything().isEverything()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "'a b'       | unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
            "'a=b c'     | found 'c', expected: ',' or 'end of string'",
            "'a=b,'      | found '', expected: identifier after ','",
            "'=b'        | found '=', expected: !, identifier, or 'end of string'",
            "'a in b'    | unable to parse requirement: found 'b' expected: '('",
            "'a in (b'   | unable to parse requirement: found '', expected: ',' or ')'",
            "'a = = b'   | unable to parse requirement: found '=', expected: identifier",
            "'a (b)'     | unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
            "'!'         | unable to parse requirement: found '', expected: identifier",
            "'a>b'       | unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer",
    })
    void syntaxErrorsAreBadRequestsWithUpstreamMessages(String selector, String message) {
        assertThatThrownBy(() -> LabelSelector.parse(selector))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage(message);
    }

    @Test
    void invalidKeyIsReportedWithTheQualifiedNameRules() {
        assertThatThrownBy(() -> LabelSelector.parse("-bad=x"))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("unable to parse requirement: <nil>: Invalid value: \"-bad\": name part must consist of "
                        + "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                        + "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                        + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        assertThatThrownBy(() -> LabelSelector.parse("Example.com/a=x"))
                .hasMessageStartingWith("unable to parse requirement: <nil>: Invalid value: \"Example.com/a\": "
                        + "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric");
        assertThatThrownBy(() -> LabelSelector.parse("a/b/c"))
                .hasMessageContaining("a qualified name must consist of")
                .hasMessageEndingWith("with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
        assertThatThrownBy(() -> LabelSelector.parse("a".repeat(64)))
                .hasMessageContaining("name part must be no more than 63 characters");
    }

    @Test
    void invalidValueIsReportedWithTheLabelValueRules() {
        assertThatThrownBy(() -> LabelSelector.parse("app=-web"))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("unable to parse requirement: values[0][app]: Invalid value: \"-web\": a valid label must "
                        + "be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
                        + "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
                        + "used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
    }
}
