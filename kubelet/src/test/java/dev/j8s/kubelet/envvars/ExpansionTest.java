package dev.j8s.kubelet.envvars;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The cases of upstream's {@code expand_test.go} and the spec's §1.3, against A=a, B=b, EMPTY="". */
class ExpansionTest {

    private static final Map<String, String> ENV = Map.of("A", "a", "B", "b", "EMPTY", "");

    @ParameterizedTest(name = "[{index}] \"{0}\" -> \"{1}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            $(A)              | a
            x$(A)y$(B)z       | xaybz
            $(A)$(B)          | ab
            $(EMPTY)          | ''
            $$(A)             | $(A)
            $$$(A)            | $a
            $$$$(A)           | $$(A)
            $$                | $
            $(MISSING)        | $(MISSING)
            x$(MISSING)y      | x$(MISSING)y
            $(A               | $(A
            $(                | $(
            $()               | $()
            $A                | $A
            ${A}              | ${A}
            a$                | a$
            $                 | $
            $(A)$             | a$
            $($(A))           | $($(A))
            $(A)(B)           | a(B)
            '$( A )'          | '$( A )'
            ''                | ''
            """)
    void expandsAsUpstream(String input, String expected) {
        assertThat(Expansion.expand(input, ENV)).isEqualTo(expected);
    }
}
