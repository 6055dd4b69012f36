package dev.converge.agent.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EtcdHostStatusTest {

    @Test
    void roundTripsThroughJsonAndIgnoresUnknownFields() {
        HostStatus s = new HostStatus(false, Instant.parse("2026-01-02T03:04:05.123Z"), 7, "abc",
                Map.of("ok", 3, "failed", 2, "skipped", 1));
        assertThat(HostStatus.fromJson(s.toJson())).isEqualTo(s);
        assertThat(s.failures()).isEqualTo(2);
        String newer = s.toJson().replace("{\"converged\"", "{\"extra\":[1],\"converged\"");
        assertThat(HostStatus.fromJson(newer)).isEqualTo(s);
    }

    @Test
    void malformedStatusNamesTheField() {
        assertThatThrownBy(() -> HostStatus.fromJson("{\"converged\":true}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("since: missing");
        assertThatThrownBy(() -> HostStatus.fromJson("[]")).hasMessage("not a JSON object");
        assertThatThrownBy(() -> new HostStatus(true, Instant.EPOCH, 1, "h", Map.of("ok", -1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
