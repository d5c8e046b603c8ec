package dev.j8s.oci.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.oci.reference.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ManifestsTest {
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);
    static final String D3 = "sha256:" + "3".repeat(64);

    static byte[] utf8(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    static String manifest(String mediaType, String layerType) {
        return "{'schemaVersion':2,'mediaType':'" + mediaType + "','config':{'mediaType':'"
                + MediaTypes.OCI_CONFIG + "','digest':'" + D1 + "','size':10},'layers':[{'mediaType':'"
                + layerType + "','digest':'" + D2 + "','size':20,'urls':['https://evil.test/x']}]}";
    }

    @Test
    void ociManifestIsParsedWithDigestOfTheExactBytes() {
        byte[] body = utf8(manifest(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER_ZSTD));
        Manifest m = Manifests.parse(MediaTypes.OCI_MANIFEST, body, "sha256");
        assertThat(m).isInstanceOf(ImageManifest.class);
        ImageManifest im = (ImageManifest) m;
        assertThat(im.digest()).isEqualTo(Digest.sha256(body));
        assertThat(im.config().digest()).isEqualTo(Digest.parse(D1));
        assertThat(im.layers()).singleElement().satisfies(l -> {
            assertThat(l.size()).isEqualTo(20);
            assertThat(MediaTypes.layerCompression(l.mediaType())).isEqualTo(LayerCompression.ZSTD);
        });
        assertThat(im.size()).isEqualTo(30);
    }

    @Test
    void dockerManifestServedAsGenericJsonUsesItsDeclaredMediaType() {
        byte[] body = utf8(manifest(MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_LAYER_GZIP));
        assertThat(Manifests.parse("application/json; charset=utf-8", body, "sha256").mediaType())
                .isEqualTo(MediaTypes.DOCKER_MANIFEST);
    }

    @Test
    void schema1IsRejectedWithARebuildHint() {
        byte[] body = utf8("{'schemaVersion':1,'name':'x','fsLayers':[]}");
        assertThatThrownBy(() -> Manifests.parse(MediaTypes.DOCKER_SCHEMA1_SIGNED, body, "sha256"))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("schema 1) is not supported, please rebuild the image as");
        assertThatThrownBy(() -> Manifests.parse("application/json", body, "sha256"))
                .hasMessageContaining("is not supported");
    }

    @Test
    void unknownMediaTypesAreRejected() {
        byte[] body = utf8("{'schemaVersion':2,'mediaType':'application/vnd.evil+json'}");
        assertThatThrownBy(() -> Manifests.parse("application/vnd.evil+json", body, "sha256"))
                .hasMessage("unsupported manifest media type \"application/vnd.evil+json\"");
        byte[] layer = utf8(manifest(MediaTypes.OCI_MANIFEST, "application/x-evil"));
        assertThatThrownBy(() -> Manifests.parse(MediaTypes.OCI_MANIFEST, layer, "sha256"))
                .hasMessage("unsupported layer media type \"application/x-evil\"");
    }

    @Test
    void ambiguousDocumentsAreRejected() {
        byte[] body = utf8("{'schemaVersion':2,'manifests':[],'layers':[],'config':{'mediaType':'x','digest':'"
                + D1 + "','size':1}}");
        assertThatThrownBy(() -> Manifests.parse(MediaTypes.OCI_INDEX, body, "sha256"))
                .hasMessageContaining("is ambiguous");
    }

    @Test
    void contentTypeMustMatchTheDeclaredMediaType() {
        byte[] body = utf8(manifest(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_LAYER));
        assertThatThrownBy(() -> Manifests.parse(MediaTypes.DOCKER_MANIFEST, body, "sha256"))
                .hasMessageContaining("declares media type \"" + MediaTypes.OCI_MANIFEST + "\" but was served as");
    }

    @Test
    void oversizedDocumentsAreRejectedBeforeParsing() {
        byte[] body = new byte[Manifests.MAX_DOCUMENT_BYTES + 1];
        assertThatThrownBy(() -> Manifests.parse(MediaTypes.OCI_MANIFEST, body, "sha256"))
                .hasMessage("rejecting 4194305 byte manifest: larger than 4194304");
    }

    @Test
    void hostileDescriptorDigestsAreRejected() {
        byte[] body = utf8("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST
                + "','config':{'mediaType':'x','digest':'sha256:../../etc/passwd','size':1},'layers':[]}");
        assertThatThrownBy(() -> Manifests.parse(MediaTypes.OCI_MANIFEST, body, "sha256"))
                .hasMessageContaining("descriptor digest \"sha256:../../etc/passwd\": invalid checksum digest length");
        byte[] negative = utf8("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST
                + "','config':{'mediaType':'x','digest':'" + D1 + "','size':-1},'layers':[]}");
        assertThatThrownBy(() -> Manifests.parse(MediaTypes.OCI_MANIFEST, negative, "sha256"))
                .hasMessageContaining("has no valid size");
    }

    @Test
    void deeplyNestedJsonIsRejected() {
        byte[] body = ("{\"a\":" + "[".repeat(1000) + "]".repeat(1000) + "}").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Manifests.parse(MediaTypes.OCI_MANIFEST, body, "sha256"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void indexSelectsThisPlatformAndSkipsAttestations() {
        String entries = String.join(",",
                "{'mediaType':'" + MediaTypes.OCI_MANIFEST + "','digest':'" + D1 + "','size':1,'platform':{'os':'linux','architecture':'arm64','variant':'v8'}}",
                "{'mediaType':'" + MediaTypes.OCI_MANIFEST + "','digest':'" + D3 + "','size':1,'platform':{'os':'unknown','architecture':'unknown'}}",
                "{'mediaType':'" + MediaTypes.OCI_MANIFEST + "','digest':'" + D2 + "','size':1,'platform':{'os':'linux','architecture':'amd64'}}");
        byte[] body = utf8("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_INDEX + "','manifests':[" + entries + "]}");
        ImageIndex index = (ImageIndex) Manifests.parse(MediaTypes.OCI_INDEX, body, "sha256");
        assertThat(index.select(Platform.parse("linux/amd64")).digest()).isEqualTo(Digest.parse(D2));
        assertThat(index.select(Platform.parse("linux/arm64")).digest()).isEqualTo(Digest.parse(D1));
        assertThatThrownBy(() -> index.select(Platform.parse("linux/s390x")))
                .hasMessage("no match for platform linux/s390x in manifest " + index.digest() + ": not found");
    }

    @Test
    void variantMismatchIsNotAMatchButMissingVariantIs() {
        Platform armV7 = new Platform("linux", "arm", Optional.of("v7"));
        assertThat(armV7.score(new Platform("linux", "arm", Optional.of("v6")))).isNegative();
        assertThat(armV7.score(new Platform("linux", "arm", Optional.empty()))).isEqualTo(1);
        assertThat(armV7.score(armV7)).isEqualTo(2);
        assertThat(Platform.current().toString()).startsWith("linux/");
    }

    @Test
    void imageConfigKeepsTheRuntimeFields() {
        byte[] body = utf8("{'architecture':'amd64','os':'linux','config':{'Env':['PATH=/bin','A=b'],"
                + "'Entrypoint':['/bin/sh','-c'],'Cmd':['echo hi'],'WorkingDir':'/w','User':'1000:1000',"
                + "'ExposedPorts':{'80/tcp':{}},'Labels':{'k':'v'},'StopSignal':'SIGQUIT','Volumes':{'/data':{}}},"
                + "'rootfs':{'type':'layers','diff_ids':['" + D1 + "']}}");
        ImageConfig c = ImageConfig.parse(body);
        assertThat(c.env()).containsExactly("PATH=/bin", "A=b");
        assertThat(c.entrypoint()).containsExactly("/bin/sh", "-c");
        assertThat(c.cmd()).containsExactly("echo hi");
        assertThat(c.workingDir()).isEqualTo("/w");
        assertThat(c.user()).isEqualTo("1000:1000");
        assertThat(c.exposedPorts()).containsExactly("80/tcp");
        assertThat(c.labels()).containsEntry("k", "v");
        assertThat(c.stopSignal()).isEqualTo("SIGQUIT");
        assertThat(c.volumes()).containsExactly("/data");
        assertThat(c.diffIds()).containsExactly(Digest.parse(D1));
        assertThat(c.platform()).isEqualTo(Platform.parse("linux/amd64"));
    }

    @Test
    void imageConfigWithNullConfigHasEmptyFields() {
        ImageConfig c = ImageConfig.parse(utf8("{'architecture':'amd64','os':'linux','config':null,'rootfs':{'diff_ids':[]}}"));
        assertThat(c.cmd()).isEmpty();
        assertThat(c.workingDir()).isEmpty();
    }
}
