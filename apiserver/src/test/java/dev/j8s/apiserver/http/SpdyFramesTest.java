package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.Adler32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

class SpdyFramesTest {

    private final SpdyFrames.Writer writer = new SpdyFrames.Writer();
    private final SpdyFrames.Parser parser = new SpdyFrames.Parser();

    private SpdyFrames.Frame roundTrip(SpdyFrames.Frame frame) {
        ByteBuffer bytes = writer.write(frame);
        SpdyFrames.Frame parsed = parser.next(bytes).orElseThrow();
        assertThat(bytes.hasRemaining()).isFalse();
        return parsed;
    }

    @Test
    void theDictionaryIsTheStandard1423ByteSpdy3Dictionary() {
        byte[] d = SpdyHeaderBlock.DICTIONARY;
        assertThat(d).hasSize(1423);
        assertThat(new String(d, 0, 11, StandardCharsets.ISO_8859_1)).isEqualTo("\0\0\0\7options");
        assertThat(new String(d, d.length - 9, 9, StandardCharsets.US_ASCII)).isEqualTo(",*,enq=0.");
        Adler32 adler = new Adler32();
        adler.update(d);
        // the DICTID every SPDY/3 header stream names after its 78 bb zlib header (kubectl's are decoded in KubectlExecIT)
        assertThat(Long.toHexString(adler.getValue())).isEqualTo("e3c6a7c2");
    }

    @Test
    void controlFramesRoundTrip() {
        assertThat(roundTrip(new SpdyFrames.RstStream(5, SpdyFrames.RST_CANCEL))).isEqualTo(new SpdyFrames.RstStream(5, 5));
        assertThat(roundTrip(new SpdyFrames.Ping(7))).isEqualTo(new SpdyFrames.Ping(7));
        assertThat(roundTrip(new SpdyFrames.GoAway(9, SpdyFrames.GOAWAY_PROTOCOL_ERROR)))
                .isEqualTo(new SpdyFrames.GoAway(9, 1));
        assertThat(roundTrip(new SpdyFrames.WindowUpdate(3, 65536))).isEqualTo(new SpdyFrames.WindowUpdate(3, 65536));
        assertThat(roundTrip(new SpdyFrames.Settings(0, Map.of(SpdyFrames.SETTINGS_INITIAL_WINDOW_SIZE, 262144))))
                .isEqualTo(new SpdyFrames.Settings(0, Map.of(7, 262144)));
    }

    @Test
    void frameHeadersAreLaidOutAsTheDraftSays() {
        ByteBuffer ping = writer.write(new SpdyFrames.Ping(1));
        assertThat(bytes(ping)).containsExactly(0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1);
        ByteBuffer data = writer.write(new SpdyFrames.Data(3, SpdyFrames.FLAG_FIN, "hi".getBytes(StandardCharsets.UTF_8)));
        assertThat(bytes(data)).containsExactly(0, 0, 0, 3, 0x01, 0, 0, 2, 'h', 'i');
    }

    @Test
    void streamFramesWithHeaderBlocksRoundTripThroughOneCompressionContext() {
        SpdyFrames.SynStream syn = new SpdyFrames.SynStream(1, 0, 2, SpdyFrames.FLAG_FIN,
                Map.of("streamtype", List.of("error")));
        assertThat(roundTrip(syn)).isEqualTo(syn);
        SpdyFrames.SynStream second = new SpdyFrames.SynStream(3, 1, 0, 0,
                Map.of("streamtype", List.of("stdout"), "multi", List.of("a", "b")));
        assertThat(roundTrip(second)).isEqualTo(second);
        SpdyFrames.SynReply reply = new SpdyFrames.SynReply(3, 0, Map.of());
        assertThat(roundTrip(reply)).isEqualTo(reply);
        SpdyFrames.Headers headers = new SpdyFrames.Headers(3, 0, Map.of("x", List.of("y")));
        assertThat(roundTrip(headers)).isEqualTo(headers);
        SpdyFrames.Data data = (SpdyFrames.Data) roundTrip(new SpdyFrames.Data(3, 0, new byte[] {1, 2, 3}));
        assertThat(data.streamId()).isEqualTo(3);
        assertThat(data.data()).containsExactly(1, 2, 3);
    }

    @Test
    void anIncompleteFrameIsNotConsumed() {
        ByteBuffer whole = writer.write(new SpdyFrames.Data(1, 0, new byte[100]));
        ByteBuffer part = whole.slice(0, 50);

        assertThat(parser.next(part)).isEmpty();
        assertThat(part.position()).isZero();
        assertThat(parser.next(ByteBuffer.allocate(7))).isEmpty();
    }

    @Test
    void aHeaderBlockDeflatedByJavaWithTheDictionaryIsDecoded() {
        byte[] plain = SpdyHeaderBlock.encodePlain(Map.of("StreamType", List.of("stdin")));
        Deflater deflater = new Deflater();
        deflater.setDictionary(SpdyHeaderBlock.DICTIONARY);
        SpdyHeaderBlock.Decoder decoder = new SpdyHeaderBlock.Decoder();

        assertThat(decoder.decode(deflate(deflater, plain))).isEqualTo(Map.of("streamtype", List.of("stdin")));
        // the context carries over: the next block is compressed against the first
        assertThat(decoder.decode(deflate(deflater, plain))).isEqualTo(Map.of("streamtype", List.of("stdin")));
    }

    @Test
    void aHeaderBlockWithAnotherDictionaryIsRefused() {
        Deflater deflater = new Deflater();
        deflater.setDictionary("not the spdy dictionary".getBytes(StandardCharsets.US_ASCII));
        byte[] block = deflate(deflater, SpdyHeaderBlock.encodePlain(Map.of("a", List.of("b"))));

        assertThatThrownBy(() -> new SpdyHeaderBlock.Decoder().decode(block))
                .isInstanceOf(SpdyHeaderBlock.MalformedException.class)
                .hasMessage("header block uses an unknown zlib dictionary");
    }

    @Test
    void aHeaderBlockThatInflatesBeyondTheLimitIsRefused() {
        byte[] huge = new byte[SpdyHeaderBlock.MAX_DECODED_BYTES * 4];
        Deflater deflater = new Deflater();
        deflater.setDictionary(SpdyHeaderBlock.DICTIONARY);
        byte[] bomb = deflate(deflater, huge);
        assertThat(bomb.length).isLessThan(2048);

        assertThatThrownBy(() -> new SpdyHeaderBlock.Decoder().decode(bomb))
                .isInstanceOf(SpdyHeaderBlock.MalformedException.class)
                .hasMessage("header block exceeds 65536 bytes");
    }

    @Test
    void garbageInAHeaderBlockIsAProtocolError() {
        ByteBuffer frame = ByteBuffer.allocate(8 + 14);
        frame.putInt(0x80030001).putInt(14).putInt(1).putInt(0).putShort((short) 0)
                .put(new byte[] {1, 2, 3, 4}).flip();

        assertThatThrownBy(() -> parser.next(frame))
                .isInstanceOf(SpdyFrames.ProtocolException.class)
                .hasMessageStartingWith("header block is not valid zlib data");
    }

    @Test
    void malformedPlainHeaderBlocksAreRefused() {
        assertThatThrownBy(() -> SpdyHeaderBlock.decodePlain(new byte[] {0, 0, 0, 1, 0, 0, 0, 9, 'a'}))
                .isInstanceOf(SpdyHeaderBlock.MalformedException.class)
                .hasMessage("header block name length 9 exceeds the block");
        assertThatThrownBy(() -> SpdyHeaderBlock.decodePlain(new byte[] {0, 0, 0x10, 0}))
                .hasMessage("header block has 4096 pairs, more than 128");
        assertThatThrownBy(() -> SpdyHeaderBlock.decodePlain(new byte[] {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}))
                .hasMessage("header block has an empty name");
        assertThatThrownBy(() -> SpdyHeaderBlock.decodePlain(new byte[] {0, 0, 0, 1, (byte) 0xff, 0, 0, 0}))
                .hasMessage("header block name length 4278190080 exceeds the block");
    }

    @Test
    void framesLargerThanTheLimitsAreRefusedFromTheirHeaderAlone() {
        ByteBuffer data = ByteBuffer.allocate(8).putInt(1).putInt(0x00ffffff).flip(); // 16 MiB - 1 declared
        assertThatThrownBy(() -> parser.next(data))
                .isInstanceOf(SpdyFrames.ProtocolException.class)
                .hasMessage("data frame of 16777215 bytes exceeds the limit of 1048576");

        ByteBuffer control = ByteBuffer.allocate(8).putInt(0x80030001).putInt(SpdyFrames.MAX_CONTROL_LENGTH + 1).flip();
        assertThatThrownBy(() -> parser.next(control))
                .hasMessage("control frame of 65537 bytes exceeds the limit of 65536");
    }

    @Test
    void wrongVersionsAndLengthsAreProtocolErrors() {
        ByteBuffer v2 = ByteBuffer.allocate(12).putInt(0x80020006).putInt(4).putInt(1).flip();
        assertThatThrownBy(() -> parser.next(v2)).hasMessage("unsupported SPDY version 2");

        ByteBuffer shortPing = ByteBuffer.allocate(10).putInt(0x80030006).putInt(2).putShort((short) 1).flip();
        assertThatThrownBy(() -> parser.next(shortPing)).hasMessage("control frame type 6 has length 2, not 4");

        ByteBuffer settings = ByteBuffer.allocate(12).putInt(0x80030004).putInt(4).putInt(1000).flip();
        assertThatThrownBy(() -> parser.next(settings)).hasMessage("SETTINGS frame of 4 bytes cannot hold 1000 entries");
    }

    @Test
    void unknownControlFramesAreSkipped() {
        ByteBuffer in = ByteBuffer.allocate(8 + 3 + 12).putInt(0x8003000a).putInt(3).put(new byte[3])
                .put(writer.write(new SpdyFrames.Ping(3))).flip();

        assertThat(parser.next(in)).isEqualTo(Optional.of(new SpdyFrames.Unknown(10, 0, 3)));
        assertThat(parser.next(in)).isEqualTo(Optional.of(new SpdyFrames.Ping(3)));
    }

    @Test
    void theExpectedStreamsFollowTheRequestOptions() {
        assertThat(RemoteCommandStreams.expectedStreams(new ExecEndpoint.Options("c", List.of("sh"), false, true, true, false)))
                .containsExactlyInAnyOrder(RemoteCommandStreams.StreamType.ERROR, RemoteCommandStreams.StreamType.STDOUT,
                        RemoteCommandStreams.StreamType.STDERR);
        assertThat(RemoteCommandStreams.expectedStreams(new ExecEndpoint.Options("c", List.of("sh"), true, true, false, true)))
                .containsExactlyInAnyOrder(RemoteCommandStreams.StreamType.ERROR, RemoteCommandStreams.StreamType.STDIN,
                        RemoteCommandStreams.StreamType.STDOUT, RemoteCommandStreams.StreamType.RESIZE);
    }

    private static byte[] deflate(Deflater deflater, byte[] plain) {
        deflater.setInput(plain);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[1024];
        int n;
        do {
            n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
            out.write(chunk, 0, n);
        } while (n == chunk.length);
        return out.toByteArray();
    }

    private static int[] bytes(ByteBuffer b) {
        int[] out = new int[b.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(b.position() + i) & 0xff;
        }
        return out;
    }
}
