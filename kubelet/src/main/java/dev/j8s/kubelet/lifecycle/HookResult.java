package dev.j8s.kubelet.lifecycle;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;

/** What one run of a lifecycle handler came to; immutable and thread-safe. */
public sealed interface HookResult {

    /** The lines the handler produced (its output, or the HTTP status line), for the container's log on request. */
    List<OutputLine> output();

    /** One line of hook output and the stream it belongs to. */
    record OutputLine(boolean stderr, String text) {}

    /** The handler succeeded. */
    record Succeeded(List<OutputLine> output) implements HookResult {
        public Succeeded {
            output = List.copyOf(output);
        }
    }

    /**
     * The handler failed.
     *
     * @param message upstream's detailed message (the waiting message of {@code PostStartHookError}, the log)
     * @param exitCode the exit code of an {@code exec} handler that ran and failed
     */
    record Failed(String message, OptionalInt exitCode, List<OutputLine> output) implements HookResult {
        public Failed {
            output = List.copyOf(output);
        }

        /** At most this many bytes of the last output line go into an event. */
        static final int MAX_EVENT_LINE = 256;

        /**
         * What j8s adds to upstream's event text when the pod asks for hook output: the exit code and the last output
         * line (at most 256 bytes), e.g. {@code exit code 3: cannot reach the database}; an HTTP failure gives its
         * error.
         */
        public String eventDetail() {
            String last = output.isEmpty() ? "" : output.getLast().text();
            byte[] bytes = last.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > MAX_EVENT_LINE) {
                int end = MAX_EVENT_LINE;
                while (end > 0 && (bytes[end] & 0xc0) == 0x80) {
                    end--; // never cut a UTF-8 sequence
                }
                last = new String(bytes, 0, end, StandardCharsets.UTF_8);
            }
            if (exitCode.isPresent()) {
                return "exit code " + exitCode.getAsInt() + (last.isEmpty() ? "" : ": " + last);
            }
            return last;
        }
    }

    /** The run was stopped before it finished: the pod is being deleted, or the grace period ran out. */
    record Cancelled(List<OutputLine> output) implements HookResult {
        public Cancelled {
            output = List.copyOf(output);
        }
    }
}
