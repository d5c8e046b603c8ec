package dev.j8s.kubelet.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestAttributesTest {

    @ParameterizedTest
    @CsvSource({
        "GET, /containerLogs/ns/pod/app, get, proxy",
        "POST, /exec/ns/pod/app, create, proxy",
        "GET, /exec/ns/pod/app, get, proxy",
        "POST, /portForward/ns/pod, create, proxy",
        "GET, /pods, get, proxy",
        "GET, /healthz, get, proxy",
        "GET, /metrics, get, metrics",
        "GET, /metrics/cadvisor, get, metrics",
        "GET, /stats/summary, get, stats",
        "GET, /logs/messages, get, log",
        "GET, /spec, get, spec",
        "POST, /checkpoint/ns/pod/app, create, checkpoint",
        "GET, /metricsfoo, get, proxy",
        "DELETE, /pods, delete, proxy",
        "PUT, /pods, update, proxy",
        "PATCH, /pods, patch, proxy",
    })
    void theVerbComesFromTheMethodAndTheSubresourceFromThePathAsUpstream(String method, String path, String verb,
            String subresource) {
        assertThat(RequestAttributes.of(method, path)).isEqualTo(new RequestAttributes(verb, subresource));
    }

    @ParameterizedTest
    @CsvSource({"GET, /metrics, 'Forbidden (user=bob, verb=get, resource=nodes, subresource=metrics)'"})
    void aRefusalIsWordedAsUpstreams(String method, String path, String text) {
        assertThat(RequestAttributes.of(method, path).forbidden("bob")).isEqualTo(text);
    }
}
