package dev.j8s.runtime.conmon;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** What a process's output stream said so far, collected on a virtual thread; thread-safe. */
record CollectedOutput(StringBuffer buffer) {
  static CollectedOutput of(InputStream in) {
    CollectedOutput out = new CollectedOutput(new StringBuffer());
    Thread.ofVirtual().start(() -> {
      byte[] chunk = new byte[4096];
      try (in) {
        int n;
        while ((n = in.read(chunk)) >= 0) {
          out.buffer.append(new String(chunk, 0, n, StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        // closed
      }
    });
    return out;
  }

  String text() {
    return buffer.toString();
  }

  /** Waits up to 10 s until the output contains {@code text}. */
  void await(String text) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!text().contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("output never showed " + text.replace("\r", "\\r").replace("\n", "\\n")
            + ": " + text().replace("\r", "\\r").replace("\n", "\\n"));
      }
      Thread.sleep(20);
    }
  }
}
