package dev.j8s.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.oci.manifest.LayerCompression;
import dev.j8s.oci.reference.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LayerExtractorTest {
    @TempDir Path temp;

    static final LayerExtractor EXTRACTOR = new LayerExtractor(
            new UnpackLimits(64L << 20, 100, 10_000, 4096, 0));

    /** A hostile layer and either the error it must produce or a check of where its content landed. */
    record Case(String name, TarBuilder tar, String error, Consumer<Path> contained) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case refused(String name, TarBuilder tar, String error) {
        return new Case(name, tar, error, root -> {});
    }

    static Case contained(String name, TarBuilder tar, Consumer<Path> check) {
        return new Case(name, tar, null, check);
    }

    static Stream<Case> breakouts() {
        String victimHello = "../victim/hello";
        return Stream.of(
                // containerd TestBreakouts
                refused("SymlinkAbsolute", new TarBuilder().dir("etc").symlink("localetc", "/etc").file("localetc/unbroken", "x"),
                        "entry \"localetc/unbroken\": path goes through symlink \"localetc\""),
                refused("SymlinkUpAndOut", new TarBuilder().dir("etc").dir("dummy").symlink("localetc", "/dummy/../etc").file("localetc/unbroken", "x"),
                        "path goes through symlink \"localetc\""),
                refused("SymlinkMultipleAbsolute", new TarBuilder().dir("etc").dir("dummy").symlink("dummy/etc", "/etc").symlink("localetc", "/dummy/etc").file("localetc/unbroken", "x"),
                        "path goes through symlink \"localetc\""),
                refused("SymlinkMultipleRelative", new TarBuilder().dir("etc").dir("dummy").symlink("dummy/etc", "../etc").symlink("localetc", "./dummy/etc").file("localetc/unbroken", "x"),
                        "path goes through symlink \"localetc\""),
                refused("SymlinkEmptyFile", new TarBuilder().dir("etc").file("etc/emptied", "full").symlink("localetc", "/etc").file("localetc/emptied", ""),
                        "path goes through symlink \"localetc\""),
                refused("HardlinkRelative", new TarBuilder().dir("etc").file("etc/passwd", "root:x").dir("breakouts").symlink("breakouts/d1", "../../etc").hardlink("breakouts/mypasswd", "/breakouts/d1/passwd"),
                        "entry \"breakouts/mypasswd\": path goes through symlink \"breakouts/d1\""),
                contained("HardlinkDownAndOut", new TarBuilder().dir("breakouts").symlink("breakouts/d1", "../downandout/../../etc"),
                        root -> assertThat(target(root.resolve("breakouts/d1"))).isEqualTo("../downandout/../../etc")),
                contained("HardlinkAbsolute", new TarBuilder().dir("etc").file("etc/passwd", "root:x").hardlink("mypasswd", "/etc/passwd"),
                        root -> assertThat(sameFile(root.resolve("mypasswd"), root.resolve("etc/passwd"))).isTrue()),
                refused("HardlinkRelativeLong", new TarBuilder().hardlink("mypasswd", "../../../../../../../etc/passwd"),
                        "entry \"mypasswd\": hardlink target \"../../../../../../../etc/passwd\" points outside the layer"),
                refused("HardlinkRelativeUpAndOut", new TarBuilder().dir("upandout").hardlink("mypasswd", "upandout/../../../etc/passwd"),
                        "points outside the layer"),
                refused("HardlinkAbsoluteMissing", new TarBuilder().hardlink("mypasswd", "/etc/passwd"),
                        "link target parent \"etc\" does not exist"),
                refused("HardlinkThroughSymlink", new TarBuilder().dir("etc").symlink("localetc", "/etc").hardlink("mypasswd", "localetc/passwd"),
                        "entry \"mypasswd\": path goes through symlink \"localetc\""),
                refused("SymlinkParentDirectory", new TarBuilder().symlink("..", "/etc/"), "entry \"..\": path escapes the layer root"),
                refused("SymlinkEmptyFilename", new TarBuilder().symlink("", "/etc/"), "entry \"\": empty name"),
                refused("SymlinkParentRelative", new TarBuilder().dir("etc").symlink("localetc/sub/..", "/etc/"),
                        null),
                contained("DirectoryOverrideSymlink", new TarBuilder().symlink("foo", "/tmp").dir("foo").file("foo/x", "in"),
                        root -> assertThat(root.resolve("foo/x")).hasContent("in").satisfies(p -> assertThat(Files.isSymbolicLink(root.resolve("foo"))).isFalse())),
                contained("SymlinkOverrideDirectory", new TarBuilder().dir("etc").file("etc/a", "a").symlink("etc", "/tmp"),
                        root -> assertThat(Files.isSymbolicLink(root.resolve("etc"))).isTrue()),
                refused("SymlinkOverridePath", new TarBuilder().file("foo/tmp/breakout-j8s", "one").symlink("foo", "/").file("foo/tmp/breakout-j8s", "two"),
                        "path goes through symlink \"foo\""),
                contained("HardlinkSymlinkChmod", new TarBuilder().symlink("also-exists-outside-root", "/victim-abs").hardlink("sketchylink", "also-exists-outside-root").file("sketchylink", "", 0777, 0, 0),
                        root -> assertThat(Files.isSymbolicLink(root.resolve("also-exists-outside-root"))).isTrue()),
                contained("HardlinkSymlinkLinksTheLink", new TarBuilder().symlink("lnk", "/etc/passwd").hardlink("hl", "lnk"),
                        root -> assertThat(Files.isSymbolicLink(root.resolve("hl"))).isTrue()),
                // whiteouts
                refused("WhiteoutRootParent", new TarBuilder().file(".wh...", ""), "entry \".wh...\": invalid whiteout entry"),
                refused("WhiteoutParent", new TarBuilder().dir("etc").file("etc/.wh...", ""), "invalid whiteout entry"),
                refused("WhiteoutRoot", new TarBuilder().file(".wh..", ""), "invalid whiteout entry"),
                refused("WhiteoutEmpty", new TarBuilder().file(".wh.", ""), "invalid whiteout entry"),
                contained("WhiteoutSymlink", new TarBuilder().symlink("localetc", "/etc").file(".wh.localetc", ""),
                        root -> assertThat(isWhiteout(root.resolve("localetc"))).isTrue()),
                refused("WhiteoutSymlinkPath", new TarBuilder().symlink("localetc", "/etc").file("localetc/.wh.passwd", ""),
                        "path goes through symlink \"localetc\""),
                contained("WhiteoutDirectoryName", new TarBuilder().file(".wh.etc/somefile", "x"),
                        root -> assertThat(root.resolve(".wh.etc/somefile")).hasContent("x")),
                contained("WhiteoutRelativePath", new TarBuilder().file("dne/../.wh.etc", ""),
                        root -> assertThat(isWhiteout(root.resolve("etc"))).isTrue()),
                // moby go-archive
                refused("InvalidFilenameDotdot", new TarBuilder().file("../victim/dotdot", "x"), "entry \"../victim/dotdot\": path escapes the layer root"),
                refused("InvalidFilenameSlashDotdot", new TarBuilder().file("/../victim/slash-dotdot", "x"), "entry \"/../victim/slash-dotdot\": absolute path"),
                refused("ParentTraversal", new TarBuilder().file("..", "x"), "path escapes the layer root"),
                refused("ParentTraversalPwned", new TarBuilder().file("../pwned", "x"), "path escapes the layer root"),
                refused("ParentTraversalTwice", new TarBuilder().file("../../pwned", "x"), "path escapes the layer root"),
                refused("InnerDotdotEscape", new TarBuilder().file("a/../../x", "x"), "path escapes the layer root"),
                refused("AbsoluteName", new TarBuilder().file("/etc/passwd-j8s", "x"), "absolute path"),
                contained("InnerDotdotStaysInside", new TarBuilder().file("a/../b", "x"), root -> assertThat(root.resolve("b")).hasContent("x")),
                refused("SiblingPrefix", new TarBuilder().hardlink("grab", "../root-evil/secret"), "hardlink target \"../root-evil/secret\" points outside the layer"),
                refused("InvalidHardlinkVictim", new TarBuilder().hardlink("loophole", victimHello), "points outside the layer"),
                refused("InvalidHardlinkSlash", new TarBuilder().hardlink("loophole", "/../victim/hello"), "points outside the layer"),
                refused("InvalidSymlinkLoophole", new TarBuilder().symlink("loophole-victim", "../victim").file("loophole-victim/file", "x"),
                        "entry \"loophole-victim/file\": path goes through symlink \"loophole-victim\""),
                refused("InvalidSymlinkDirLoophole", new TarBuilder().dir("dir").symlink("dir/loophole", "../../victim").file("dir/loophole/newdir/newfile", "x"),
                        "entry \"dir/loophole/newdir/newfile\": path goes through symlink \"dir/loophole\""),
                // a symlink is data: any target is stored verbatim, and nothing is written through it
                contained("ClimbingRelativeSymlinkIsStoredVerbatim", new TarBuilder().dir("usr/lib/jni")
                                .symlink("usr/lib/jni/libatk-wrapper.so", "../../../x86_64-linux-gnu/jni/libatk-wrapper.so"),
                        root -> assertThat(target(root.resolve("usr/lib/jni/libatk-wrapper.so")))
                                .isEqualTo("../../../x86_64-linux-gnu/jni/libatk-wrapper.so")),
                contained("DanglingAndAbsoluteSymlinksAreStoredVerbatim", new TarBuilder().symlink("gone", "does/not/exist")
                                .symlink("abs", "/etc/passwd").symlink("root-link", "/"),
                        root -> assertThat(java.util.List.of(target(root.resolve("gone")), target(root.resolve("abs")),
                                target(root.resolve("root-link")))).containsExactly("does/not/exist", "/etc/passwd", "/")),
                refused("FileThroughAClimbingSymlink", new TarBuilder().symlink("up", "../../..").file("up/tmp/breakout-j8s", "x"),
                        "entry \"up/tmp/breakout-j8s\": path goes through symlink \"up\""),
                refused("DirectoryThroughAClimbingSymlink", new TarBuilder().dir("a").symlink("a/up", "../../victim").dir("a/up/newdir"),
                        "entry \"a/up/newdir/\": path goes through symlink \"a/up\""),
                refused("HardlinkThroughAClimbingSymlink", new TarBuilder().symlink("up", "../victim").hardlink("grab", "up/hello"),
                        "entry \"grab\": path goes through symlink \"up\""),
                refused("WhiteoutThroughAClimbingSymlink", new TarBuilder().symlink("up", "../victim").file("up/.wh.hello", ""),
                        "entry \"up/.wh.hello\": path goes through symlink \"up\""),
                refused("OpaqueThroughAClimbingSymlink", new TarBuilder().symlink("up", "..").file("up/.wh..wh..opq", ""),
                        "entry \"up/.wh..wh..opq\": path goes through symlink \"up\""),
                refused("FifoThroughAClimbingSymlink", new TarBuilder().symlink("up", "../victim").fifo("up/pipe"),
                        "entry \"up/pipe\": path goes through symlink \"up\""),
                contained("HardlinkToAClimbingSymlinkLinksTheLink", new TarBuilder().symlink("up", "../victim/hello").hardlink("same", "up"),
                        root -> assertThat(target(root.resolve("same"))).isEqualTo("../victim/hello")),
                contained("ClimbingSymlinkReplacedByADirectoryTakesWrites", new TarBuilder().symlink("up", "../victim").dir("up").file("up/hello", "mine"),
                        root -> assertThat(root.resolve("up/hello")).hasContent("mine")),
                refused("SymlinkBreakoutTwoHop", new TarBuilder().dir("inner").symlink("inner/go_up", "..").symlink("inner/go_up/escape", "../victim").file("inner/go_up/escape/newfile", "x"),
                        "entry \"inner/go_up/escape\": path goes through symlink \"inner/go_up\""),
                refused("FileThenSubpath", new TarBuilder().file("etc", "x").file("etc/passwd", "y"), "path goes through non-directory \"etc\""),
                // devices
                refused("BlockDevice", new TarBuilder().dir("tmp").device("tmp/hda", TarConstants.LF_BLK, 3, 0), "entry \"tmp/hda\": device nodes are not allowed in image layers"),
                refused("CharDevice", new TarBuilder().device("null", TarConstants.LF_CHR, 1, 3), "device nodes are not allowed"),
                refused("CharDeviceZeroZeroIsNotAWhiteoutByItself", new TarBuilder().device("wh", TarConstants.LF_CHR, 0, 0), "device nodes are not allowed"),
                // names
                refused("LongComponent", new TarBuilder().file("a".repeat(300), "x"), "name component longer than 255 bytes"),
                refused("LongName", new TarBuilder().file(("a".repeat(200) + "/").repeat(25) + "f", "x"), "name longer than 4096 bytes"),
                refused("LongSymlinkTarget", new TarBuilder().symlink("l", "/" + "a".repeat(5000)), "link target longer than 4096 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breakouts")
    void hostileLayerNeverChangesAnythingOutsideTheRoot(Case c) throws IOException {
        SentinelTree tree = new SentinelTree(temp.resolve("work"));
        Map<String, String> before = tree.snapshot();
        byte[] tar = c.tar().build();
        if (c.error() == null && c.contained() != null && !c.name().equals("SymlinkParentRelative")) {
            EXTRACTOR.extract("sha256:test", new ByteArrayInputStream(tar), LayerCompression.NONE, tree.root);
            c.contained().accept(tree.root);
        } else {
            try {
                EXTRACTOR.extract("sha256:test", new ByteArrayInputStream(tar), LayerCompression.NONE, tree.root);
                if (c.error() != null) {
                    throw new AssertionError("expected refusal: " + c.error());
                }
            } catch (LayerException e) {
                if (c.error() != null) {
                    assertThat(e).hasMessageStartingWith("layer sha256:test: ").hasMessageContaining(c.error());
                }
            }
        }
        assertThat(tree.snapshot()).isEqualTo(before);
    }

    @Test
    void metadataIsPreservedIncludingSetuidOwnershipAndMtimes() throws IOException {
        byte[] tar = new TarBuilder().dir("usr", 0711).dir("usr/bin", 0755)
                .file("usr/bin/su", "#!", 04755, 1000, 2000)
                .file("usr/bin/sg", "#!", 02711, 0, 42)
                .symlink("usr/bin/sh", "/usr/bin/su").build();
        Path root = Files.createDirectory(temp.resolve("root"));
        EXTRACTOR.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, root);
        Path su = root.resolve("usr/bin/su");
        assertThat(Files.getAttribute(su, "unix:mode")).isEqualTo(0100000 | 04755);
        assertThat(Files.getAttribute(su, "unix:uid")).isEqualTo(1000);
        assertThat(Files.getAttribute(su, "unix:gid")).isEqualTo(2000);
        assertThat(Files.getAttribute(root.resolve("usr/bin/sg"), "unix:mode")).isEqualTo(0100000 | 02711);
        assertThat(Files.getLastModifiedTime(su)).isEqualTo(FileTime.fromMillis(1_600_000_000_000L));
        assertThat(Files.getAttribute(root.resolve("usr"), "unix:mode")).isEqualTo(040000 | 0711);
        // the directory's mtime survives the files created in it afterwards
        assertThat(Files.getLastModifiedTime(root.resolve("usr/bin")).toMillis()).isLessThan(System.currentTimeMillis() - 86_400_000L);
        assertThat(Files.readSymbolicLink(root.resolve("usr/bin/sh"))).isEqualTo(Path.of("/usr/bin/su"));
    }

    /** GNU tar's sparse archives (old GNU, PAX 0.0, 0.1 and 1.0): same bytes as the source, holes kept on disk. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"--format=gnu", "--format=posix --sparse-version=0.0",
            "--format=posix --sparse-version=0.1", "--format=posix --sparse-version=1.0"})
    void sparseFilesAreUnpackedWithTheirHoles(String format) throws Exception {
        Path src = Files.createDirectory(temp.resolve("src"));
        Path sparse = src.resolve("sparse.img");
        try (var f = new java.io.RandomAccessFile(sparse.toFile(), "rw")) {
            f.write("head".getBytes(StandardCharsets.UTF_8));
            f.seek(4 << 20);
            f.write("middle".getBytes(StandardCharsets.UTF_8));
            f.setLength(16 << 20); // ends in a hole
        }
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("tar", "-C", src.toString(), "--sparse"));
        command.addAll(java.util.List.of(format.split(" ")));
        command.addAll(java.util.List.of("-cf", temp.resolve("sparse.tar").toString(), "sparse.img"));
        Process tar = new ProcessBuilder(command).redirectErrorStream(true).start();
        String tarOutput = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor()).as(tarOutput).isZero();
        byte[] archive = Files.readAllBytes(temp.resolve("sparse.tar"));
        assertThat(archive.length).as("GNU tar stored only the data").isLessThan(1 << 20);

        Path root = Files.createDirectory(temp.resolve("root"));
        EXTRACTOR.extract("l", new ByteArrayInputStream(archive), LayerCompression.NONE, root);
        Path out = root.resolve("sparse.img");
        assertThat(Files.size(out)).isEqualTo(16 << 20);
        assertThat(Files.mismatch(out, sparse)).isEqualTo(-1L);
        Process stat = new ProcessBuilder("stat", "-c", "%b", out.toString()).start();
        long blocks = Long.parseLong(new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        assertThat(stat.waitFor()).isZero();
        assertThat(blocks * 512).as("bytes allocated for a 16 MiB file with 10 bytes of data").isLessThan(1 << 20);
    }

    @Test
    void aSparseMapBeyondTheStoredDataIsRefused() throws IOException {
        TarArchiveEntry e = new TarArchiveEntry("liar", TarConstants.LF_NORMAL, true);
        e.setModTime(1_600_000_000_000L); // whole seconds: no PAX header of the writer's own follows ours
        // PAX 1.0 map: 1 region at offset 0 of 4096 bytes, but only 512 bytes of data follow the map block
        byte[] map = java.util.Arrays.copyOf("1\n0\n4096\n".getBytes(StandardCharsets.US_ASCII), 512);
        byte[] data = new byte[1024];
        System.arraycopy(map, 0, data, 0, 512);
        e.setSize(data.length);
        byte[] tar = new TarBuilder().paxHeader(new java.util.LinkedHashMap<>(Map.of("GNU.sparse.major", "1",
                        "GNU.sparse.minor", "0", "GNU.sparse.name", "liar", "GNU.sparse.realsize", "1048576")))
                .raw(e, data).file("after", "after").build();
        Path root = Files.createDirectory(temp.resolve("root"));
        assertThatThrownBy(() -> EXTRACTOR.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, root))
                .isInstanceOf(LayerException.class)
                .hasMessage("layer l: entry \"liar\": sparse map claims 4096 bytes of data but the entry stores 1024");
    }

    @Test
    void whiteoutsBecomeOverlayCharDevicesAndOpaqueXattrs() throws IOException {
        byte[] tar = new TarBuilder().dir("etc").file("etc/.wh..wh..opq", "").file("etc/.wh.gone", "")
                .file("var/lib/.wh..wh..opq", "").build();
        Path root = Files.createDirectory(temp.resolve("root"));
        EXTRACTOR.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, root);
        assertThat(isWhiteout(root.resolve("etc/gone"))).isTrue();
        assertThat(Native.lgetxattr(root.resolve("etc"), "trusted.overlay.opaque")).hasValueSatisfying(v -> assertThat(v).isEqualTo(new byte[] {'y'}));
        assertThat(Native.lgetxattr(root.resolve("var/lib"), "trusted.overlay.opaque")).isPresent();
        assertThat(root.resolve("etc/.wh..wh..opq")).doesNotExist();
    }

    @Test
    void onlyUserXattrsAreApplied() throws IOException {
        byte[] tar = new TarBuilder().fileWithXattrs("f", "x", Map.of("user.note", "hi",
                "trusted.overlay.redirect", "/etc", "trusted.overlay.opaque", "y", "security.selinux", "system_u:object_r:x")).build();
        Path root = Files.createDirectory(temp.resolve("root"));
        EXTRACTOR.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, root);
        assertThat(Native.lgetxattr(root.resolve("f"), "user.note")).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("hi"));
        assertThat(Native.lgetxattr(root.resolve("f"), "trusted.overlay.redirect")).isEmpty();
        assertThat(Native.lgetxattr(root.resolve("f"), "trusted.overlay.opaque")).isEmpty();
    }

    @Test
    void fifosAreCreated() throws IOException {
        TarArchiveEntry e = new TarArchiveEntry("pipe", TarConstants.LF_FIFO, true);
        e.setMode(0600);
        byte[] tar = new TarBuilder().raw(e, new byte[0]).build();
        Path root = Files.createDirectory(temp.resolve("root"));
        EXTRACTOR.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, root);
        assertThat(Files.readAttributes(root.resolve("pipe"), java.nio.file.attribute.BasicFileAttributes.class).isOther()).isTrue();
        assertThat((int) Files.getAttribute(root.resolve("pipe"), "unix:mode") & 0170000).isEqualTo(0010000);
    }

    @Test
    void laterEntriesReplaceEarlierOnesOfAnotherType() throws IOException {
        byte[] tar = new TarBuilder().dir("a").file("a/x", "1").file("a", "now a file")
                .file("b", "old").file("b", "new").build();
        Path root = Files.createDirectory(temp.resolve("root"));
        EXTRACTOR.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, root);
        assertThat(root.resolve("a")).hasContent("now a file");
        assertThat(root.resolve("b")).hasContent("new");
    }

    @Test
    void directoriesAndSymlinksReplaceWhatHoldsTheirName() throws IOException {
        byte[] tar = new TarBuilder()
                .file("c", "a file first").dir("c")
                .dir("d").file("d/y", "y").symlink("d", "elsewhere")
                .symlink("e", "t1").dir("e")
                .symlink("f", "t1").symlink("f", "t2")
                .dir("g").file("g/z", "kept").dir("g")
                .file("h", "a file first").symlink("h", "t3")
                .build();
        Path root = Files.createDirectory(temp.resolve("root"));
        EXTRACTOR.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, root);
        assertThat(root.resolve("c")).isDirectory();
        assertThat(Files.readSymbolicLink(root.resolve("d"))).isEqualTo(Path.of("elsewhere"));
        assertThat(root.resolve("e")).isDirectory();
        assertThat(Files.isSymbolicLink(root.resolve("e"))).isFalse();
        assertThat(Files.readSymbolicLink(root.resolve("f"))).isEqualTo(Path.of("t2"));
        assertThat(root.resolve("g/z")).hasContent("kept");
        assertThat(Files.readSymbolicLink(root.resolve("h"))).isEqualTo(Path.of("t3"));
    }

    @Test
    void diffIdCoversTheWholeUncompressedStreamForEveryCompression() throws IOException {
        byte[] tar = new TarBuilder().file("f", "content").build();
        Digest expected = Digest.sha256(tar);
        for (LayerCompression c : LayerCompression.values()) {
            Path root = Files.createDirectory(temp.resolve("root-" + c));
            LayerStats stats = EXTRACTOR.extract("l", new ByteArrayInputStream(compress(tar, c)), c, root);
            assertThat(stats.diffId()).isEqualTo(expected);
            assertThat(stats.uncompressedBytes()).isEqualTo(tar.length);
            assertThat(stats.entries()).isEqualTo(1);
            assertThat(root.resolve("f")).hasContent("content");
        }
    }

    @Test
    void gzipBombIsStoppedByTheSizeCap() throws IOException {
        TarArchiveEntry e = new TarArchiveEntry("zeros", TarConstants.LF_NORMAL, true);
        long size = 80L << 20; // over the 64 MiB cap of this extractor
        e.setSize(size);
        byte[] bomb = gzipTarOfZeros(e, size);
        Path root = Files.createDirectory(temp.resolve("root"));
        LayerExtractor big = new LayerExtractor(new UnpackLimits(64L << 20, 100_000, 10, 4096, 0));
        assertThatThrownBy(() -> big.extract("sha256:bomb", new ByteArrayInputStream(bomb), LayerCompression.GZIP, root))
                .isInstanceOf(LayerException.class)
                .hasMessage("layer sha256:bomb: uncompressed size exceeds the limit of 67108864 bytes");
    }

    @Test
    void gzipBombIsStoppedByTheRatioCap() throws IOException {
        TarArchiveEntry e = new TarArchiveEntry("zeros", TarConstants.LF_NORMAL, true);
        long size = 40L << 20;
        e.setSize(size);
        byte[] bomb = gzipTarOfZeros(e, size);
        Path root = Files.createDirectory(temp.resolve("root"));
        assertThatThrownBy(() -> EXTRACTOR.extract("sha256:bomb", new ByteArrayInputStream(bomb), LayerCompression.GZIP, root))
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("expands more than 100 times")
                .hasMessageContaining("refusing a decompression bomb");
    }

    @Test
    void paddingAfterTheLastEntryCountsTowardsTheCap() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(new TarBuilder().file("f", "x").build());
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 70; i++) {
                gz.write(zeros);
            }
        }
        Path root = Files.createDirectory(temp.resolve("root"));
        LayerExtractor noRatio = new LayerExtractor(new UnpackLimits(64L << 20, 100_000, 10, 4096, 0));
        assertThatThrownBy(() -> noRatio.extract("l", new ByteArrayInputStream(out.toByteArray()), LayerCompression.GZIP, root))
                .hasMessage("layer l: uncompressed size exceeds the limit of 67108864 bytes");
    }

    @Test
    void inodeBombIsStoppedByTheEntryCap() {
        TarBuilder b = new TarBuilder();
        for (int i = 0; i < 20; i++) {
            b.file("f" + i, "");
        }
        byte[] tar = b.build();
        LayerExtractor few = new LayerExtractor(new UnpackLimits(1 << 20, 100, 10, 4096, 0));
        assertThatThrownBy(() -> few.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, Files.createDirectory(temp.resolve("root"))))
                .hasMessage("layer l: more than 10 entries");
    }

    @Test
    void inProcessInflateRejectsGarbageAndTruncationToo() throws IOException {
        LayerExtractor inProcess = new LayerExtractor(new UnpackLimits(64L << 20, 100, 10_000, 4096, 0), java.util.Optional.empty());
        assertThatThrownBy(() -> inProcess.extract("l", new ByteArrayInputStream("not gzip".getBytes(StandardCharsets.UTF_8)),
                LayerCompression.GZIP, Files.createDirectory(temp.resolve("p1"))))
                .isInstanceOf(LayerException.class).hasMessage("layer l: Not in GZIP format");
        byte[] gz = compress(new TarBuilder().file("f", "x".repeat(10_000)).build(), LayerCompression.GZIP);
        assertThatThrownBy(() -> inProcess.extract("l", new ByteArrayInputStream(java.util.Arrays.copyOf(gz, gz.length / 2)),
                LayerCompression.GZIP, Files.createDirectory(temp.resolve("p2"))))
                .isInstanceOf(LayerException.class).hasMessageStartingWith("layer l: ");
    }

    @Test
    void garbageAndTruncatedStreamsFailCleanly() throws IOException {
        byte[] notGzip = "this is not a gzip stream".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> EXTRACTOR.extract("l", new ByteArrayInputStream(notGzip), LayerCompression.GZIP, Files.createDirectory(temp.resolve("r1"))))
                .isInstanceOf(LayerException.class).hasMessageStartingWith("layer l: ");
        byte[] gz = compress(new TarBuilder().file("f", "x".repeat(10_000)).build(), LayerCompression.GZIP);
        byte[] truncated = java.util.Arrays.copyOf(gz, gz.length / 2);
        assertThatThrownBy(() -> EXTRACTOR.extract("l", new ByteArrayInputStream(truncated), LayerCompression.GZIP, Files.createDirectory(temp.resolve("r2"))))
                .isInstanceOf(LayerException.class);
        byte[] zst = compress(new TarBuilder().file("f", "x".repeat(10_000)).build(), LayerCompression.ZSTD);
        byte[] zstTruncated = java.util.Arrays.copyOf(zst, zst.length - 3);
        assertThatThrownBy(() -> EXTRACTOR.extract("l", new ByteArrayInputStream(zstTruncated), LayerCompression.ZSTD, Files.createDirectory(temp.resolve("r3"))))
                .isInstanceOf(LayerException.class);
    }

    @Test
    void freeSpaceBelowTheMinimumStopsUnpacking() throws IOException {
        LayerExtractor greedy = new LayerExtractor(new UnpackLimits(1 << 20, 100, 10, 4096, Long.MAX_VALUE));
        byte[] tar = new TarBuilder().file("f", "x").build();
        assertThatThrownBy(() -> greedy.extract("l", new ByteArrayInputStream(tar), LayerCompression.NONE, Files.createDirectory(temp.resolve("root"))))
                .hasMessageContaining("bytes free on the image file system, need");
    }

    static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static boolean isWhiteout(Path p) {
        try {
            int mode = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            long rdev = (long) Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == 0020000 && rdev == 0;
        } catch (IOException e) {
            return false;
        }
    }

    static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b) && !Files.isSymbolicLink(a);
        } catch (IOException e) {
            return false;
        }
    }

    static byte[] compress(byte[] data, LayerCompression c) throws IOException {
        return switch (c) {
            case NONE -> data;
            case GZIP -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                    gz.write(data);
                }
                yield out.toByteArray();
            }
            case ZSTD -> com.github.luben.zstd.Zstd.compress(data);
        };
    }

    static byte[] gzipTarOfZeros(TarArchiveEntry e, long size) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out);
             var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(gz)) {
            tar.putArchiveEntry(e);
            byte[] zeros = new byte[1 << 20];
            for (long w = 0; w < size; w += zeros.length) {
                tar.write(zeros, 0, (int) Math.min(zeros.length, size - w));
            }
            tar.closeArchiveEntry();
        }
        return out.toByteArray();
    }
}
