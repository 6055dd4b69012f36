package dev.converge.resources.noop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import org.junit.jupiter.api.Test;

class NoopKindTest {

    private final Resource noop = new NoopKind().create("n", NoopParams.DEFAULTS);
    private final RecordingContext ctx = new RecordingContext(ResourceId.of("noop", "n"));

    @Test
    void isAlwaysOk() throws Exception {
        assertThat(noop.id()).isEqualTo(ResourceId.of("noop", "n"));
        assertThat(noop.checkApply(ctx, true)).isEqualTo(CheckResult.ok());
        assertThat(noop.checkApply(ctx, false)).isEqualTo(CheckResult.ok());
        assertThat(ctx.logs()).isEmpty();
    }

    @Test
    void aRefreshIsAChangeSoItTravelsOnAlongNotifyEdges() throws Exception {
        ctx.setRefreshing(true);

        assertThat(noop.checkApply(ctx, true)).isEqualTo(CheckResult.changed("refreshed"));
    }
}
