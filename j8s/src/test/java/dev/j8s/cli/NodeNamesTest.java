package dev.j8s.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeNamesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            vm                    | vm
            Build_Box.Example.COM | build-box.example.com
            -odd-.host..name-     | odd.host.name
            ___                   | j8s
            'a b'                 | a-b
            """)
    void hostNamesBecomeValidLowercaseSubdomains(String hostname, String nodeName) {
        assertThat(NodeNames.fromHostname(hostname)).isEqualTo(nodeName);
        assertThat(NodeNames.validate(NodeNames.fromHostname(hostname))).isEqualTo(nodeName);
    }

    @org.junit.jupiter.api.Test
    void overlongLabelsAreCutTo63Characters() {
        assertThat(NodeNames.fromHostname("x".repeat(70) + ".lan")).isEqualTo("x".repeat(63) + ".lan");
    }
}
