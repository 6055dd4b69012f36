package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.CallLog;
import dev.converge.resources.testing.FakeKind;
import dev.converge.resources.testing.FakeParams;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Live graph swap: by diff, never by restart. */
class EngineSwapTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final FakeKind fake = new FakeKind();
    private final CallLog log = fake.log();
    private final Converger converger = new Converger(Duration.ofSeconds(-1), () -> { });
    private final Engine engine = new Engine(new EngineOptions(false, 0, true), e -> { }, converger);

    @AfterEach
    void stop() throws Exception {
        engine.close();
        converger.close();
    }

    private static ResourceId id(String name) {
        return ResourceId.of(FakeKind.NAME, name);
    }

    private void awaitSettled() {
        await().atMost(WAIT).until(() -> engine.statuses().values().stream().allMatch(Status::settled));
    }

    @Test
    void unchangedResourcesKeepRunningChangedOnesRestartAddedOnesStartRemovedOnesStop() throws Exception {
        engine.start(TestGraphs.of(fake)
                .add("keep", FakeParams.DEFAULTS)
                .add("change", FakeParams.sleeping(10))
                .add("drop", FakeParams.DEFAULTS)
                .edges("keep->change")
                .build());
        await().atMost(WAIT).until(() -> log.ran("change") && log.ran("drop"));
        awaitSettled();

        GraphDiff diff = engine.swap(TestGraphs.of(fake)
                .add("keep", FakeParams.DEFAULTS)
                .add("change", FakeParams.sleeping(20))
                .add("new", FakeParams.DEFAULTS)
                .edges("keep->change", "keep->new")
                .build());

        assertThat(diff.kept()).containsExactly(id("keep"));
        assertThat(diff.changed()).containsExactly(id("change"));
        assertThat(diff.added()).containsExactly(id("new"));
        assertThat(diff.removed()).containsExactly(id("drop"));
        assertThat(diff.generation()).isEqualTo(1);
        await().atMost(WAIT).until(() -> log.ran("new") && log.callsOf("change").size() == 2);
        awaitSettled();
        assertThat(log.callsOf("keep")).as("no re-apply of an unchanged resource").hasSize(1);
        assertThat(log.callsOf("drop")).hasSize(1);
        assertThat(engine.statuses()).containsOnlyKeys(id("keep"), id("change"), id("new"));
        assertThat(engine.snapshot().parents(id("new"))).containsExactly(id("keep"));

        fake.drift("keep");
        await().atMost(WAIT).until(() -> log.callsOf("keep").size() == 2);
        await().atMost(WAIT).until(() -> log.callsOf("change").size() == 3 && log.callsOf("new").size() == 2);
        assertThat(log.last("keep").end()).as("the kept vertex's watch and edges still work")
                .isLessThanOrEqualTo(log.last("new").start());
        fake.drift("drop");
        awaitSettled();
        assertThat(log.callsOf("drop")).as("a removed resource is no longer watched").hasSize(1);
    }

    @Test
    void aChangedResourceThatIsRunningIsStoppedBeforeItsReplacementStarts() throws Exception {
        engine.start(TestGraphs.of(fake).add("slow", FakeParams.sleeping(60_000)).build());
        await().atMost(WAIT).until(() -> log.ran("slow"));

        engine.swap(TestGraphs.of(fake).add("slow", FakeParams.sleeping(10)).build());

        await().atMost(WAIT).until(() -> log.callsOf("slow").size() == 2 && engine.statuses().get(id("slow")).settled());
        assertThat(log.callsOf("slow").get(0).end()).isLessThanOrEqualTo(log.callsOf("slow").get(1).start());
        assertThat(engine.statuses()).containsEntry(id("slow"), Status.CHANGED);
    }

    @Test
    void swappingInTheSameGraphChangesNothing() throws Exception {
        GraphSnapshot g = TestGraphs.of(fake).edges("a->b").build();
        engine.start(g);
        await().atMost(WAIT).until(() -> log.ran("b"));
        awaitSettled();

        GraphDiff diff = engine.swap(TestGraphs.of(fake).edges("a->b").build());

        assertThat(diff.added()).isEmpty();
        assertThat(diff.changed()).isEmpty();
        assertThat(diff.removed()).isEmpty();
        awaitSettled();
        assertThat(log.calls()).hasSize(2);
    }
}
