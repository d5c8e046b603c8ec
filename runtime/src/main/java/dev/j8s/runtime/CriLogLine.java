package dev.j8s.runtime;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.Instant;

/**
 * One line of a CRI-format container log ({@code <RFC3339Nano> stdout|stderr F|P <content>}, as conmon
 * and containerd write it); immutable and thread-safe.
 *
 * @param partial {@code P}: the runtime split a long line; the next entry continues it
 * @param content the text without the trailing newline
 */
public record CriLogLine(Instant time, Stream stream, boolean partial, String content) {

  /** The stream a log line came from. */
  public enum Stream {
    STDOUT, STDERR
  }

  /** Parses one line (without its newline); throws naming the input when it is not CRI format. */
  public static CriLogLine parse(String line) {
    int first = line.indexOf(' ');
    int second = first < 0 ? -1 : line.indexOf(' ', first + 1);
    int third = second < 0 ? -1 : line.indexOf(' ', second + 1);
    if (third < 0 && second > 0 && second + 2 == line.length()) {
      third = line.length(); // "F" with empty content and no trailing space
    }
    if (first < 0 || second < 0 || third < 0) {
      throw new IllegalArgumentException("not a CRI log line: \"" + abbreviate(line) + "\"");
    }
    Instant time;
    try {
      time = OffsetDateTime.parse(line.substring(0, first)).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a CRI log line: \"" + abbreviate(line) + "\"", e);
    }
    Stream stream = switch (line.substring(first + 1, second)) {
      case "stdout" -> Stream.STDOUT;
      case "stderr" -> Stream.STDERR;
      default -> throw new IllegalArgumentException("not a CRI log line: \"" + abbreviate(line) + "\"");
    };
    boolean partial = switch (line.substring(second + 1, third)) {
      case "P" -> true;
      case "F" -> false;
      default -> throw new IllegalArgumentException("not a CRI log line: \"" + abbreviate(line) + "\"");
    };
    String content = third >= line.length() ? "" : line.substring(third + 1);
    return new CriLogLine(time, stream, partial, content);
  }

  private static String abbreviate(String line) {
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }
}
