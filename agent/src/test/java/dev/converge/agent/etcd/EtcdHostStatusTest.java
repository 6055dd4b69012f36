package dev.converge.agent.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.agent.etcd.HostStatus.ResourceProblem;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
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
    void failedAndSkippedResourcesRoundTripAndAStatusWithoutThemStillParses() {
        var problems = List.of(new ResourceProblem("exec[build]", "failed", "`false` exited with status 1"),
                new ResourceProblem("exec[deploy]", "skipped", "parent exec[build] failed"));
        HostStatus s = new HostStatus(false, Instant.parse("2026-01-02T03:04:05Z"), 2, "abc",
                Map.of("failed", 1, "skipped", 1), problems, 0);
        assertThat(s.toJson()).contains("\"problems\":[{\"id\":\"exec[build]\",\"status\":\"failed\"")
                .doesNotContain("problemsLeftOut");
        assertThat(HostStatus.fromJson(s.toJson())).isEqualTo(s);

        // As an agent from before the list wrote it.
        HostStatus old = HostStatus.fromJson("{\"converged\":false,\"since\":\"2026-01-02T03:04:05Z\","
                + "\"generation\":2,\"graphHash\":\"abc\",\"counts\":{\"failed\":1,\"skipped\":1}}");
        assertThat(old.problems()).isEmpty();
        assertThat(old.problemsLeftOut()).isZero();
        assertThat(old.failures()).isEqualTo(1);
        assertThat(new HostStatus(true, Instant.EPOCH, 1, "h", Map.of("ok", 1)).toJson())
                .as("a healthy host's value is as small as before").doesNotContain("problems");
    }

    @Test
    void theListIsBoundedAndLongMessagesAreCut() {
        var many = IntStream.range(0, HostStatus.MAX_PROBLEMS + 5)
                .mapToObj(i -> new ResourceProblem("exec[e" + i + "]", "failed", "x".repeat(10_000)))
                .toList();
        HostStatus s = new HostStatus(false, Instant.EPOCH, 1, "h", Map.of("failed", many.size()), many, 2);
        assertThat(s.problems()).hasSize(HostStatus.MAX_PROBLEMS);
        assertThat(s.problems().getLast().id()).isEqualTo("exec[e" + (HostStatus.MAX_PROBLEMS - 1) + "]");
        assertThat(s.problemsLeftOut()).isEqualTo(7);
        assertThat(s.problems().getFirst().message()).hasSize(HostStatus.MAX_MESSAGE).endsWith("x…");
        assertThat(s.toJson().length()).as("bytes in etcd").isLessThan(40_000);
        assertThat(HostStatus.fromJson(s.toJson())).isEqualTo(s);

        // A cut never splits a character outside the BMP (two chars in Java).
        String emoji = "\uD83D\uDE00".repeat(HostStatus.MAX_MESSAGE);
        String cut = new ResourceProblem("exec[e]", "failed", emoji).message();
        assertThat(cut).endsWith("\uD83D\uDE00…").hasSizeLessThanOrEqualTo(HostStatus.MAX_MESSAGE);
    }

    @Test
    void malformedStatusNamesTheField() {
        assertThatThrownBy(() -> HostStatus.fromJson("{\"converged\":true}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("since: missing");
        assertThatThrownBy(() -> HostStatus.fromJson("[]")).hasMessage("not a JSON object");
        String base = "{\"converged\":true,\"since\":\"2026-01-02T03:04:05Z\",\"generation\":1,"
                + "\"graphHash\":\"h\",\"counts\":{}";
        assertThatThrownBy(() -> HostStatus.fromJson(base + ",\"problems\":[{\"id\":\"exec[a]\",\"status\":\"failed\"}]}"))
                .hasMessage("problems[0].message: missing");
        assertThatThrownBy(() -> HostStatus.fromJson(base + ",\"problems\":{}}")).hasMessage("problems: malformed");
        assertThatThrownBy(() -> HostStatus.fromJson(base + ",\"problemsLeftOut\":-1}"))
                .hasMessage("problemsLeftOut: malformed");
        assertThatThrownBy(() -> new HostStatus(true, Instant.EPOCH, 1, "h", Map.of("ok", -1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
