package dev.j8s.kubelet.format;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link GoQuote} against outputs of Go's {@code fmt.Sprintf("%q", s)}. */
class GoQuoteTest {

    @Test
    void escapesAsGoQuotes() {
        assertThat(GoQuote.quote("")).isEqualTo("\"\"");
        assertThat(GoQuote.quote("hello \"you\"\n")).isEqualTo("\"hello \\\"you\\\"\\n\"");
        assertThat(GoQuote.quote("tab\tbell\u0007back\\")).isEqualTo("\"tab\\tbell\\aback\\\\\"");
        assertThat(GoQuote.quote("\u0001\u007f")).isEqualTo("\"\\x01\\x7f\"");
        assertThat(GoQuote.quote("grüße ✓")).isEqualTo("\"grüße ✓\"");
        assertThat(GoQuote.quote(new byte[] {'a', (byte) 0xff, 'b'})).isEqualTo("\"a\\xffb\"");
    }
}
