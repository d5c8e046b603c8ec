package dev.j8s.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CriLogLineTest {
  @Test
  void fullStdoutLineIsParsedWithNanosecondTime() {
    CriLogLine line = CriLogLine.parse("2026-11-26T15:06:53.685121247+00:00 stdout F hello world");

    assertThat(line.time()).isEqualTo(Instant.parse("2026-11-26T15:06:53.685121247Z"));
    assertThat(line.stream()).isEqualTo(CriLogLine.Stream.STDOUT);
    assertThat(line.partial()).isFalse();
    assertThat(line.content()).isEqualTo("hello world");
  }

  @Test
  void partialStderrLineKeepsLeadingSpacesOfContent() {
    CriLogLine line = CriLogLine.parse("2026-11-26T15:06:53Z stderr P   indented");

    assertThat(line.stream()).isEqualTo(CriLogLine.Stream.STDERR);
    assertThat(line.partial()).isTrue();
    assertThat(line.content()).isEqualTo("  indented");
  }

  @Test
  void emptyLineHasEmptyContent() {
    assertThat(CriLogLine.parse("2026-11-26T15:06:53Z stdout F").content()).isEmpty();
    assertThat(CriLogLine.parse("2026-11-26T15:06:53Z stdout F ").content()).isEmpty();
  }

  @Test
  void garbageIsRejectedNamingTheInput() {
    assertThatThrownBy(() -> CriLogLine.parse("not a log line"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a CRI log line: \"not a log line\"");
    assertThatThrownBy(() -> CriLogLine.parse("2026-11-26T15:06:53Z stdin F x"))
        .hasMessage("not a CRI log line: \"2026-11-26T15:06:53Z stdin F x\"");
  }
}
