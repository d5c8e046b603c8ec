package dev.j8s.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListenAddressTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1:6443 | 127.0.0.1 | 6443 | https://127.0.0.1:7000
            localhost:0    | localhost | 0    | https://localhost:7000
            [::1]:6443     | ::1       | 6443 | https://[::1]:7000
            0.0.0.0:6443   | 0.0.0.0   | 6443 | https://127.0.0.1:7000
            [::]:6443      | ::        | 6443 | https://[::1]:7000
            """)
    void parsesHostAndPortAndClientsReachAWildcardThroughLoopback(String text, String host, int port, String url) {
        ListenAddress address = ListenAddress.parse(text);

        assertThat(address).isEqualTo(new ListenAddress(host, port));
        assertThat(address.url(7000)).hasToString(url);
        assertThat(address).hasToString(text);
    }
}
