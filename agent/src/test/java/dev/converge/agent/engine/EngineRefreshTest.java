package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.MetaParams;
import dev.converge.resources.testing.CallLog;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Notify edges: refreshes sent by a changing parent, coalesced; in noop mode told, not applied. */
class EngineRefreshTest {

    private final FakeKind fake = new FakeKind();
    private final CallLog log = fake.log();

    private static FakeParams unchanging() {
        return new FakeParams(0, 0, false, "", List.of(), List.of());
    }

    @Test
    void twoChangingParentsRefreshTheirChildOnceAfterBoth() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("config", FakeParams.sleeping(50))
                .add("cert", FakeParams.sleeping(150))
                .add("reload", unchanging())
                .notifies("config->reload", "cert->reload")
                .build();

        EngineHarness.run(g);

        assertThat(log.callsOf("reload")).hasSize(1);
        assertThat(log.last("reload").refreshing()).isTrue();
        assertThat(log.finishedBefore("config", "reload")).isTrue();
        assertThat(log.finishedBefore("cert", "reload")).isTrue();
    }

    @Test
    void aParentThatChangedNothingSendsNoRefresh() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("config", unchanging())
                .add("reload", unchanging())
                .notifies("config->reload")
                .build();

        EngineHarness.run(g);

        assertThat(log.callsOf("reload")).singleElement().extracting(CallLog.Call::refreshing).isEqualTo(false);
    }

    @Test
    void aPlainEdgeSendsNoRefresh() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake).add("reload", unchanging()).edges("config->reload").build();

        EngineHarness.run(g);

        assertThat(log.last("config").apply()).isTrue();
        assertThat(log.last("reload").refreshing()).isFalse();
    }

    @Test
    void refreshesTravelAlongAChainOfNotifyEdges() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake)
                .add("b", unchanging())
                .add("c", unchanging())
                .notifies("a->b", "b->c")
                .build();

        EngineHarness.run(g);

        assertThat(log.last("b").refreshing()).isTrue();
        assertThat(log.last("c").refreshing()).as("b changed by being refreshed, so it notifies c").isTrue();
    }

    @Test
    void noopTellsTheNotifiedResourceOfTheRefreshWithoutApplyingIt() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake).add("reload", unchanging()).notifies("config->reload").build();
        var harness = new EngineHarness(new EngineOptions(true, 0, false));

        harness.runToConvergence(g);

        assertThat(log.calls()).allSatisfy(c -> assertThat(c.apply()).isFalse());
        assertThat(log.last("reload").refreshing()).as("so that it can say what the refresh would do").isTrue();
        assertThat(harness.eventsOf(EngineEvent.Message.class)).extracting(EngineEvent.Message::text)
                .contains("would refresh (notified by fake[config])");
    }

    @Test
    void perResourceNoopIsToldOfTheRefreshAndAppliesNothing() throws Exception {
        MetaParams noop = new MetaParams(true, 0, false, 0, 0, 0, Double.POSITIVE_INFINITY, 0, List.of(),
                true, true, false);
        GraphSnapshot g = TestGraphs.of(fake)
                .add("config", FakeParams.DEFAULTS)
                .add("reload", unchanging(), noop)
                .notifies("config->reload")
                .build();

        EngineHarness.run(g);

        assertThat(log.last("config").apply()).isTrue();
        assertThat(log.last("reload").apply()).isFalse();
        assertThat(log.last("reload").refreshing()).isTrue();
    }
}
