package dev.j8s.kubelet.envvars;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DownwardApiTest {

    @Test
    void mapsAreSortedKeyQuotedValueLinesWithoutATrailingNewline() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("b", "2");
        labels.put("a", "1");
        assertThat(DownwardApi.formatMap(labels)).isEqualTo("a=\"1\"\nb=\"2\"");
        assertThat(DownwardApi.formatMap(Map.of())).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            plain          | '"plain"'
            'say "hi"'     | '"say \\"hi\\""'
            'back\\slash'  | '"back\\\\slash"'
            'é ü'          | '"é ü"'
            """)
    void valuesAreQuotedAsGoDoes(String value, String quoted) {
        assertThat(DownwardApi.goQuote(value)).isEqualTo(quoted);
    }

    @Test
    void controlCharactersAreEscapedAsGoDoes() {
        assertThat(DownwardApi.goQuote("a\nb\tc\u0001\u007f\u200b")).isEqualTo("\"a\\nb\\tc\\x01\\x7f\\u200b\"");
    }

    @Test
    void podIpsKeepOnePerFamilyPrimaryFirst() {
        var node = new DownwardApi.Node(List.of("192.168.1.5", "fd00::5"), Map.of());
        var pod = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().endMetadata().withNewSpec()
                .endSpec().build();
        List<String> ips = List.of("10.244.0.7", "10.244.0.8", "fd00:10::7");
        assertThat(DownwardApi.fieldValue(pod, "status.podIPs", ips, node)).isEqualTo("10.244.0.7,fd00:10::7");
        assertThat(DownwardApi.fieldValue(pod, "status.podIP", ips, node)).isEqualTo("10.244.0.7");
        assertThat(DownwardApi.fieldValue(pod, "status.hostIPs", ips, node)).isEqualTo("192.168.1.5,fd00::5");
    }
}
