package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.CallLog;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A dry run: WOULD-CHANGE instead of CHANGED, and a failure under a parent that would change first deferred. */
class EngineNoopTest {

    private final FakeKind fake = new FakeKind();
    private final CallLog log = fake.log();

    private static FakeParams unchanging() {
        return new FakeParams(0, 0, false, "", List.of(), List.of());
    }

    private static ResourceId id(String name) {
        return ResourceId.of("fake", name);
    }

    private static EngineHarness noop() {
        return new EngineHarness(new EngineOptions(true, 0, false));
    }

    @Test
    void aFailureUnderAParentThatWouldChangeIsDeferredNotFailed() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake).add("conf", FakeParams.failing()).edges("dir->conf", "conf->reload").build();
        EngineHarness harness = noop();

        Map<ResourceId, Status> statuses = harness.runToConvergence(g);

        assertThat(statuses).containsEntry(id("dir"), Status.WOULD_CHANGE)
                .containsEntry(id("conf"), Status.DEFERRED)
                .containsEntry(id("reload"), Status.WOULD_CHANGE);
        assertThat(log.callsOf("conf")).as("checked once: no retry can help before dir is applied").hasSize(1);
        assertThat(harness.eventsOf(EngineEvent.Failed.class)).isEmpty();
        assertThat(harness.eventsOf(EngineEvent.Finished.class))
                .filteredOn(f -> f.id().equals(id("conf"))).singleElement()
                .satisfies(f -> assertThat(f.result().changes()).singleElement().asString()
                        .startsWith("would be checked after fake[dir] (checked now: "));
    }

    @Test
    void aFailureWithNoParentThatWouldChangeStillFails() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake).add("dir", unchanging()).add("conf", FakeParams.failing())
                .edges("dir->conf").build();

        Map<ResourceId, Status> statuses = noop().runToConvergence(g);

        assertThat(statuses).containsEntry(id("dir"), Status.OK).containsEntry(id("conf"), Status.FAILED);
    }

    @Test
    void aRealRunNeverDefers() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake).add("conf", FakeParams.failing()).edges("dir->conf").build();

        Map<ResourceId, Status> statuses = new EngineHarness(new EngineOptions(false, 0, false)).runToConvergence(g);

        assertThat(statuses).containsEntry(id("dir"), Status.CHANGED).containsEntry(id("conf"), Status.FAILED);
    }
}
