package dev.j8s.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceIpAllocatorTest {

    @Test
    void firstAddressIsReservedAndNetworkAndBroadcastAreOutside() {
        ServiceIpAllocator ips = new ServiceIpAllocator("10.96.0.0/12");
        assertThat(ips.firstAddress()).isEqualTo("10.96.0.1");
        assertThat(ips.contains("10.96.0.0")).isFalse();
        assertThat(ips.contains("10.111.255.255")).isFalse();
        assertThat(ips.contains("10.111.255.254")).isTrue();
        assertThat(ips.contains("10.112.0.1")).isFalse();
        assertThat(ips.contains("not-an-ip")).isFalse();
    }

    @Test
    void allocationsAvoidAddressesInUseAndTheFirstAddress() {
        ServiceIpAllocator ips = new ServiceIpAllocator("192.168.0.0/28", new Random(1));
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 13; i++) {
            String ip = ips.allocate(used);
            assertThat(ips.contains(ip)).isTrue();
            assertThat(ip).isNotEqualTo("192.168.0.1");
            assertThat(used.add(ip)).as("fresh address %s", ip).isTrue();
        }
        assertThatThrownBy(() -> ips.allocate(used)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void dynamicPicksComeFromAboveTheStaticBand() {
        ServiceIpAllocator ips = new ServiceIpAllocator("10.96.0.0/12", new Random(3));
        for (int i = 0; i < 50; i++) {
            long picked = ServiceIpAllocator.parse(ips.allocate(Set.of()));
            assertThat(picked).isGreaterThan(ServiceIpAllocator.parse("10.96.1.0"));
        }
    }

    @Test
    void aMalformedCidrIsRejectedNamingIt() {
        assertThatThrownBy(() -> new ServiceIpAllocator("10.96.0.0")).hasMessageContaining("10.96.0.0");
    }
}
