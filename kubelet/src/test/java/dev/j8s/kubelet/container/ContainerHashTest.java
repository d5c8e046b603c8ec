package dev.j8s.kubelet.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import org.junit.jupiter.api.Test;

class ContainerHashTest {

  private static Container golden() {
    return new ContainerBuilder().withName("main").withImage("busybox:1.36")
        .withCommand("sh", "-c", "echo hi").build();
  }

  @Test
  void aGoldenContainerHasAGoldenHash() {
    // Changing this value restarts every running container on upgrade: bump VERSION instead.
    assertThat(ContainerHash.canonicalV1(golden())).isEqualTo("{\"image\":\"busybox:1.36\",\"name\":\"main\"}");
    assertThat(ContainerHash.of(golden())).isEqualTo("v1-13935b57a76d2ac2");
  }

  @Test
  void onlyTheImageAndNameChangeTheHash() {
    Container otherImage = new ContainerBuilder(golden()).withImage("busybox:1.37").build();
    Container otherArgs = new ContainerBuilder(golden()).withArgs("x").withWorkingDir("/tmp").build();
    assertThat(ContainerHash.of(otherImage)).isNotEqualTo(ContainerHash.of(golden()));
    assertThat(ContainerHash.of(otherArgs)).isEqualTo(ContainerHash.of(golden()));
    assertThat(ContainerHash.matches(ContainerHash.of(golden()), golden())).isTrue();
    assertThat(ContainerHash.matches(ContainerHash.of(golden()), otherImage)).isFalse();
    assertThat(ContainerHash.matches("v9-0011223344556677", golden())).isFalse();
  }

  @Test
  void quotesAndControlCharactersAreEscapedCanonically() {
    Container odd = new ContainerBuilder().withName("a").withImage("x\"y\\z\n").build();
    assertThat(ContainerHash.canonicalV1(odd)).isEqualTo("{\"image\":\"x\\\"y\\\\z\\u000a\",\"name\":\"a\"}");
  }
}
