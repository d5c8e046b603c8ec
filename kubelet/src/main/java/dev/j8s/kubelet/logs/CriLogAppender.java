package dev.j8s.kubelet.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Adds lines of the kubelet's own to a container's CRI log ({@code <RFC3339Nano> stdout|stderr F <text>}), as if the
 * container had written them: each line in one {@code O_APPEND} write, so they interleave whole with conmon's, which
 * appends to the same file. Stateless and thread-safe.
 */
public final class CriLogAppender {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX")
            .withZone(ZoneOffset.UTC);

    private CriLogAppender() {}

    /** One line to add: its stream and its text (without a newline). */
    public record Line(boolean stderr, String text) {}

    /**
     * Appends {@code lines} stamped {@code time} to {@code logFile}; a missing file (the container's log was removed)
     * is not created.
     */
    public static void append(Path logFile, Instant time, List<Line> lines) throws IOException {
        if (lines.isEmpty() || !java.nio.file.Files.exists(logFile)) {
            return;
        }
        String stamp = TIME.format(time);
        try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            for (Line line : lines) {
                String text = line.text().replace('\n', ' ');
                byte[] bytes = (stamp + (line.stderr() ? " stderr F " : " stdout F ") + text + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        }
    }
}
