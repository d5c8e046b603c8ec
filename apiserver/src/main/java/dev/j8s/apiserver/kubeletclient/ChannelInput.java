package dev.j8s.apiserver.kubeletclient;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * What a kubelet sends on one channel of a WebSocket stream, as an input stream: messages wait in a queue until
 * read; the listener stops requesting messages while one queue is {@link #full()}, and {@code resume} runs after
 * each read so that it can request again once the queues are {@link #drained()}. For one reader; the rest is
 * thread-safe.
 */
final class ChannelInput extends InputStream {

    private static final int WINDOW = 16;
    private final byte[] eof = new byte[0];
    private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private final Runnable resume;
    private byte[] current;
    private int position;
    private boolean ended;

    ChannelInput(Runnable resume) {
        this.resume = resume;
    }

    void add(byte[] chunk) {
        if (chunk.length > 0) {
            chunks.add(chunk);
        }
    }

    /** No more data: the reader sees the end once it has read what came before. */
    void end() {
        chunks.add(eof);
    }

    boolean full() {
        return chunks.size() >= WINDOW;
    }

    boolean drained() {
        return chunks.size() < WINDOW / 2;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (ended) {
            return -1;
        }
        if (current == null || position == current.length) {
            try {
                current = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("read interrupted");
            }
            position = 0;
            resume.run();
            if (current == eof) {
                ended = true;
                chunks.add(eof);
                return -1;
            }
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }
}
