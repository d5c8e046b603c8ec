package dev.j8s.apiserver.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * HTTP/1.1 chunked framing in which every chunk leaves whole, its closing CRLF included, as Go's
 * {@code net/http} writes them. Jetty's own chunking defers a chunk's closing CRLF until the next chunk (or the
 * end of the response); a client that reads a chunk together with its CRLF before handing it on (urllib3's
 * {@code read_chunked}, under the Python client's watch) then sees each watch event or followed log line only
 * when the next one arrives. Not thread-safe: one writer per response.
 *
 * <p>The response declares {@code Transfer-Encoding: chunked} as a header Jetty does not interpret and
 * {@code Connection: close}, so Jetty writes the body verbatim (ending it by closing the connection after the
 * last chunk, which the framing ends first).
 */
final class WholeChunks extends OutputStream {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream body;
    private boolean closed;

    private WholeChunks(OutputStream body) {
        this.body = body;
    }

    /** Declares the framing on {@code headers} (before they are committed); the body is then {@link #over}. */
    static void declare(HttpFields.Mutable headers) {
        // A field without its HttpHeader enum is written as it is: Jetty neither chunks nor strips it.
        headers.put(new HttpField(null, "Transfer-Encoding", "chunked"));
        headers.put(HttpHeader.CONNECTION, "close");
    }

    /** Frames what is written to {@code body}, which Jetty sends verbatim after {@link #declare}. */
    static WholeChunks over(OutputStream body) {
        return new WholeChunks(body);
    }

    /** One write is one chunk, sent at once: size line, data and closing CRLF. */
    @Override
    public void write(byte[] data, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("chunked stream closed");
        }
        if (length == 0) {
            return; // a zero-length chunk would end the body
        }
        byte[] size = (Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[size.length + length + CRLF.length];
        System.arraycopy(size, 0, chunk, 0, size.length);
        System.arraycopy(data, offset, chunk, size.length, length);
        System.arraycopy(CRLF, 0, chunk, size.length + length, CRLF.length);
        body.write(chunk);
        body.flush();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void flush() throws IOException {
        body.flush();
    }

    /** Writes the last chunk, then closes the body. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            body.write(LAST_CHUNK);
        } finally {
            body.close();
        }
    }
}
