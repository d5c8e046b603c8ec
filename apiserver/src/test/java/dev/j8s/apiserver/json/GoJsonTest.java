package dev.j8s.apiserver.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoJsonTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}|",
            "{\"auths\":{}}|",
            "null|",
            "|unexpected end of JSON input",
            "{\"a\":1|unexpected end of JSON input",
            "xyz|invalid character 'x' looking for beginning of value",
            "{\"a\" 1}|invalid character '1' after object key",
            "{\"a\":1 \"b\":2}|invalid character '\"' after object key:value pair",
            "{a:1}|invalid character 'a' looking for beginning of object key string",
            "{} x|invalid character 'x' after top-level value",
            "{\"a\":tru}|invalid character '}' in literal true (expecting 'e')",
            "[1,2]|json: cannot unmarshal array into Go value of type map[string]interface {}",
            "\"s\"|json: cannot unmarshal string into Go value of type map[string]interface {}",
            "12|json: cannot unmarshal number into Go value of type map[string]interface {}",
    })
    void errorsAreWordedAsGoEncodingJson(String input, String expected) {
        String in = input == null ? "" : input;
        assertThat(GoJson.unmarshalObjectError(in.getBytes(StandardCharsets.UTF_8))).isEqualTo(expected == null ? "" : expected);
    }
}
