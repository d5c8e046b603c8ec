package dev.j8s.oci.layer;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Gzip decompression in process by ISA-L's inflate ({@code libisal.so.2}, Debian package {@code libisal2}) through
 * the FFM API: the gzip header and trailer are parsed here, ISA-L inflates the raw deflate data between them, and
 * the CRC-32 and size in each trailer are checked ({@link CRC32} is a JVM intrinsic). Concatenated members are read
 * as one stream and anything after the last member that is not another gzip header fails, as Go's
 * {@code compress/gzip} reader does in its default multistream mode (containerd's in-process path).
 * Errors read like {@code java.util.zip}'s: "Not in GZIP format", "Corrupt GZIP trailer",
 * "Unexpected end of ZLIB input stream", zlib's texts for corrupt deflate data.
 *
 * <p>Native memory is bounded: one {@code struct inflate_state} and at most {@value #IN_SIZE} + {@value #OUT_SIZE}
 * bytes of buffers, in a confined arena freed by {@link #close()}. {@link ReadAheadStream} runs it as a pipeline
 * stage ({@link #fill}), where it needs neither buffer: it inflates from the reading stage's chunks and into its own
 * stage's chunks, in place. The output is untrusted like any inflater's: the caller hashes and bounds it. Not
 * thread-safe: one thread creates, reads and closes a stream.
 */
final class IsalGunzip extends InputStream implements ReadAheadStream.Producer {
    /** The shared library of Debian's {@code libisal2}. */
    static final Path LIBRARY = Path.of("/usr/lib/x86_64-linux-gnu/libisal.so.2");
    static final int IN_SIZE = 128 * 1024;
    static final int OUT_SIZE = 256 * 1024;

    // struct inflate_state of ISA-L 2.30 (igzip_lib.h), x86-64; checked with offsetof() against the header and,
    // at run time, by the self-test before the library is used.
    private static final long STATE_SIZE = 87_368;
    private static final long STATE_ALLOC = Math.max(128 * 1024, 2 * STATE_SIZE); // generous: a newer version may grow the tail
    private static final long NEXT_OUT = 0;
    private static final long AVAIL_OUT = 8;
    private static final long NEXT_IN = 16;
    private static final long READ_IN = 24;
    private static final long AVAIL_IN = 32;
    private static final long READ_IN_LENGTH = 36;
    private static final long BLOCK_STATE = 21_160;
    private static final int ISAL_BLOCK_FINISH = 5;

    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private static final MethodHandle INIT;
    private static final MethodHandle INFLATE;
    private static final boolean AVAILABLE;

    static {
        MethodHandle init = null;
        MethodHandle inflate = null;
        boolean ok = false;
        try {
            Linker linker = Linker.nativeLinker();
            // Debian's multiarch path first, else wherever the dynamic linker finds the same soname.
            SymbolLookup lib = Files.isReadable(LIBRARY) ? SymbolLookup.libraryLookup(LIBRARY, Arena.global())
                    : SymbolLookup.libraryLookup(LIBRARY.getFileName().toString(), Arena.global());
            init = linker.downcallHandle(lib.findOrThrow("isal_inflate_init"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
            inflate = linker.downcallHandle(lib.findOrThrow("isal_inflate"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            ok = true;
        } catch (RuntimeException | LinkageError e) {
            System.getLogger(IsalGunzip.class.getName()).log(System.Logger.Level.DEBUG,
                    "ISA-L library not usable library={0} error={1}", LIBRARY, e.toString());
        }
        INIT = init;
        INFLATE = inflate;
        AVAILABLE = ok && selfTest();
    }

    private final InputStream source;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(STATE_ALLOC, 64);
    /** The input: a read-ahead source's chunk, taken in place, or {@link #ownIn} that a stream's bytes are copied to. */
    private MemorySegment in = MemorySegment.NULL;
    private MemorySegment ownIn;
    /** The output of {@link #read(byte[], int, int)}; {@link #fill} inflates into its caller's memory instead. */
    private MemorySegment out;
    /** For a source other than a {@link ReadAheadStream}: its bytes pass through here on their way to {@link #in}. */
    private byte[] staging;
    private final CRC32 crc = new CRC32();
    private final CRC32 headerCrc = new CRC32();
    /** Whole bytes ISA-L had buffered past a member's deflate end (they precede {@code in[inStart]}). */
    private final byte[] pending = new byte[8];
    private int pendingStart;
    private int pendingCount;
    private int inStart;
    private int inEnd;
    private int outStart;
    private int outEnd;
    private long memberSize;
    private int members;
    /** Between a header and its deflate end. */
    private boolean inMember;
    private boolean sourceEnded;
    private boolean ended;
    private boolean closed;

    /**
     * A stream inflating {@code source} (read to its end, in {@value #IN_SIZE}-byte pieces or, from a
     * {@link ReadAheadStream}, its chunks in place; closed with this stream).
     */
    IsalGunzip(InputStream source) {
        if (!AVAILABLE) {
            throw new IllegalStateException("ISA-L inflate is not available");
        }
        this.source = source;
    }

    /** Whether the library loaded and inflated the self-test streams correctly. */
    static boolean usable() {
        return AVAILABLE;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("Stream closed");
        }
        if (len == 0) {
            return 0;
        }
        if (outStart == outEnd) {
            if (out == null) {
                out = arena.allocate(OUT_SIZE, 64);
            }
            int produced = next(out, 0, OUT_SIZE);
            if (produced < 0) {
                return -1;
            }
            outStart = 0;
            outEnd = produced;
        }
        int n = Math.min(len, outEnd - outStart);
        MemorySegment.copy(out, ValueLayout.JAVA_BYTE, outStart, b, off, n);
        outStart += n;
        return n;
    }

    /** Inflates straight into {@code chunk} until it is full or the stream ends: how many bytes, -1 at the end. */
    @Override
    public int fill(MemorySegment chunk) throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
        int size = (int) Math.min(chunk.byteSize(), Integer.MAX_VALUE);
        int filled = Math.min(size, outEnd - outStart); // what a read left in the own buffer comes first
        if (filled > 0) {
            MemorySegment.copy(out, outStart, chunk, 0, filled);
            outStart += filled;
        }
        while (filled < size) {
            int n = next(chunk, filled, size - filled);
            if (n < 0) {
                break;
            }
            filled += n;
        }
        return filled == 0 ? -1 : filled;
    }

    /** Inflates into {@code dst[off, off+len)} until it produces bytes: how many, or -1 at the end of the stream. */
    private int next(MemorySegment dst, long off, int len) throws IOException {
        while (!ended) {
            if (!inMember) {
                if (!startMember()) {
                    ended = true;
                }
                continue;
            }
            int produced = inflate(dst, off, len);
            if (produced > 0) {
                return produced;
            }
        }
        return -1;
    }

    /** Reads the next member's header; false at the end of the source right after a trailer. */
    private boolean startMember() throws IOException {
        headerCrc.reset();
        if (pendingStart < pendingCount) {
            throw new IllegalStateException("bytes buffered by ISA-L past the trailer");
        }
        if (members > 0 && inStart == inEnd && !fill()) {
            return false;
        }
        int id1 = headerByte();
        int id2 = headerByte();
        if (id1 != 0x1f || id2 != 0x8b) {
            throw new ZipException(members == 0 ? "Not in GZIP format"
                    : "Not in GZIP format (data after gzip member " + members + ")");
        }
        if (headerByte() != 8) {
            throw new ZipException("Unsupported compression method");
        }
        int flags = headerByte();
        for (int i = 0; i < 6; i++) {
            headerByte(); // MTIME, XFL, OS
        }
        if ((flags & FEXTRA) != 0) {
            int xlen = headerByte() | headerByte() << 8;
            for (int i = 0; i < xlen; i++) {
                headerByte();
            }
        }
        if ((flags & FNAME) != 0) {
            while (headerByte() != 0) {
                // skip the file name
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (headerByte() != 0) {
                // skip the comment
            }
        }
        if ((flags & FHCRC) != 0) {
            int expected = (int) headerCrc.getValue() & 0xffff;
            int actual = readByte() | readByte() << 8;
            if (actual != expected) {
                throw new ZipException("Corrupt GZIP header");
            }
        }
        try {
            INIT.invokeExact(state);
        } catch (Throwable t) {
            throw new IllegalStateException("isal_inflate_init", t);
        }
        crc.reset();
        memberSize = 0;
        inMember = true;
        return true;
    }

    /**
     * One inflate call into {@code dst[off, off+len)} (refilling the input first when it is used up): how many bytes
     * it produced; at the deflate end, checks the trailer.
     */
    private int inflate(MemorySegment dst, long off, int len) throws IOException {
        if (inStart == inEnd) {
            fill(); // at the source's end ISA-L may still hold buffered bits and output
        }
        int availIn = inEnd - inStart;
        state.set(ValueLayout.ADDRESS, NEXT_OUT, dst.asSlice(off, len));
        state.set(ValueLayout.JAVA_INT, AVAIL_OUT, len);
        state.set(ValueLayout.ADDRESS, NEXT_IN, in.asSlice(inStart));
        state.set(ValueLayout.JAVA_INT, AVAIL_IN, availIn);
        int rc;
        try {
            rc = (int) INFLATE.invokeExact(state);
        } catch (Throwable t) {
            throw new IllegalStateException("isal_inflate", t);
        }
        if (rc < 0) {
            throw new ZipException(switch (rc) {
                case -1 -> "invalid block type";
                case -2 -> "invalid literal/length code";
                case -3 -> "invalid distance too far back";
                default -> "invalid deflate data (ISA-L error " + rc + ")";
            });
        }
        int consumedTo = inEnd - state.get(ValueLayout.JAVA_INT, AVAIL_IN);
        if (consumedTo < inStart || consumedTo > inEnd) {
            throw new IllegalStateException("isal_inflate moved the input backwards");
        }
        inStart = consumedTo;
        int produced = len - state.get(ValueLayout.JAVA_INT, AVAIL_OUT);
        if (produced > 0) {
            crc.update(dst.asSlice(off, produced).asByteBuffer());
            memberSize += produced;
        }
        boolean finished = state.get(ValueLayout.JAVA_INT, BLOCK_STATE) == ISAL_BLOCK_FINISH;
        if (!finished && produced == 0 && inStart == inEnd && sourceEnded) {
            throw new EOFException("Unexpected end of ZLIB input stream");
        }
        if (!finished && produced == 0 && availIn > 0 && inStart == inEnd - availIn) {
            throw new ZipException("invalid deflate data (ISA-L made no progress)");
        }
        if (finished) {
            // In raw deflate mode ISA-L keeps the bytes it read past the final block in its bit buffer: the low
            // (length mod 8) bits pad the last deflate byte, the whole bytes above them start the trailer.
            long bits = state.get(ValueLayout.JAVA_LONG, READ_IN);
            int bitCount = state.get(ValueLayout.JAVA_INT, READ_IN_LENGTH);
            if (bitCount < 0 || bitCount > 64) {
                throw new IllegalStateException("isal_inflate left " + bitCount + " buffered bits");
            }
            bits >>>= bitCount % 8;
            pendingCount = bitCount / 8;
            for (int i = 0; i < pendingCount; i++) {
                pending[i] = (byte) (bits >>> (8 * i));
            }
            pendingStart = 0;
            long expectedCrc = readByte() | readByte() << 8 | readByte() << 16 | (long) readByte() << 24;
            long expectedSize = readByte() | readByte() << 8 | readByte() << 16 | (long) readByte() << 24;
            if (expectedCrc != crc.getValue() || expectedSize != (memberSize & 0xffffffffL)) {
                throw new ZipException("Corrupt GZIP trailer");
            }
            members++;
            inMember = false;
        }
        return produced;
    }

    private int headerByte() throws IOException {
        int b = readByte();
        headerCrc.update(b);
        return b;
    }

    private int readByte() throws IOException {
        if (pendingStart < pendingCount) {
            return pending[pendingStart++] & 0xff;
        }
        if (inStart == inEnd && !fill()) {
            throw new EOFException("Unexpected end of ZLIB input stream");
        }
        return in.get(ValueLayout.JAVA_BYTE, inStart++) & 0xff;
    }

    /** Refills the empty input buffer from the source; false at its end. */
    private boolean fill() throws IOException {
        if (sourceEnded) {
            return false;
        }
        int n;
        if (source instanceof ReadAheadStream chunks) {
            in = chunks.next(); // the chunk itself, valid until the next call: only made when this one is used up
            n = in.byteSize() == 0 ? -1 : (int) in.byteSize();
        } else {
            if (ownIn == null) {
                ownIn = arena.allocate(IN_SIZE, 64);
                staging = new byte[IN_SIZE];
            }
            in = ownIn;
            n = source.read(staging, 0, staging.length);
            if (n > 0) {
                MemorySegment.copy(staging, 0, in, ValueLayout.JAVA_BYTE, 0, n);
            }
        }
        inStart = 0;
        if (n < 0) {
            inEnd = 0;
            sourceEnded = true;
            return false;
        }
        inEnd = n;
        return true;
    }

    /** Frees the native memory and closes the source. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            arena.close();
            source.close();
        }
    }

    /** Inflates a two-member stream of mixed text, random and zero bytes and compares it with the input. */
    private static boolean selfTest() {
        try {
            byte[] data = new byte[600_000];
            Random r = new Random(42);
            for (int i = 0; i < data.length; i++) {
                data[i] = i < 200_000 ? (byte) ('a' + r.nextInt(6)) : i < 300_000 ? (byte) r.nextInt() : 0;
            }
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            for (int part = 0; part < 2; part++) {
                try (GZIPOutputStream z = new GZIPOutputStream(gz) {
                    @Override
                    public void close() throws IOException {
                        finish(); // keep gz open for the second member
                    }
                }) {
                    z.write(data, part * 300_000, 300_000);
                }
            }
            byte[] result;
            try (IsalGunzip in = new IsalGunzip(new java.io.ByteArrayInputStream(gz.toByteArray()), true)) {
                result = in.readAllBytes();
            }
            if (!Arrays.equals(result, data)) {
                System.getLogger(IsalGunzip.class.getName()).log(System.Logger.Level.WARNING,
                        "ISA-L inflate self-test gave wrong output; not using library={0}", LIBRARY);
                return false;
            }
            return true;
        } catch (IOException | RuntimeException | LinkageError e) {
            System.getLogger(IsalGunzip.class.getName()).log(System.Logger.Level.WARNING,
                    "ISA-L inflate self-test failed; not using library={0} error={1}", LIBRARY, e.toString());
            return false;
        }
    }

    /** For the self-test, before {@link #AVAILABLE} is known. */
    private IsalGunzip(InputStream source, boolean selfTest) {
        assert selfTest;
        this.source = source;
    }
}
