package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.MetaParams;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.CallLog;
import dev.converge.resources.noop.NoopKind;
import dev.converge.resources.noop.NoopParams;
import dev.converge.resources.testing.FakeParams;
import org.junit.jupiter.api.Test;

/** The daemon part: drift reported by a watch or found by polling is repaired, in order. */
class EngineWatchTest extends LiveEngineFixture {

    @Test
    void driftIsRepairedAndTheDependentsAreCheckedAgainAfterIt() {
        GraphSnapshot g = TestGraphs.of(fake).edges("a->b").add("c", FakeParams.DEFAULTS).build();
        engine.start(g);
        await().atMost(WAIT).until(() -> log.callsOf("b").size() == 1 && log.ran("c"));
        awaitSettled();

        fake.drift("a");

        await().atMost(WAIT).until(() -> log.callsOf("b").size() == 2);
        assertThat(log.callsOf("a")).hasSize(2);
        assertThat(log.last("a").end()).isLessThanOrEqualTo(log.last("b").start());
        assertThat(log.callsOf("c")).as("unrelated resources are left alone").hasSize(1);
        awaitSettled();
        assertThat(engine.statuses().get(id("a"))).isEqualTo(Status.CHANGED);
    }

    @Test
    void driftThatChangesNothingDownstreamStopsThere() {
        GraphSnapshot g = TestGraphs.of(fake).edges("a->b").build();
        engine.start(g);
        await().atMost(WAIT).until(() -> log.callsOf("b").size() == 1);
        awaitSettled();

        fake.drift("b");

        await().atMost(WAIT).until(() -> log.callsOf("b").size() == 2);
        awaitSettled();
        assertThat(log.callsOf("a")).hasSize(1);
    }

    @Test
    void aFailingWatchFailsItsResourceAndSkipsTheDependents() {
        GraphSnapshot g = TestGraphs.of(fake).edges("a->b").add("c", FakeParams.DEFAULTS).build();
        engine.start(g);
        await().atMost(WAIT).until(() -> log.ran("b") && log.ran("c"));
        awaitSettled();

        fake.failWatch("a", "watch command exited with status 3");

        await().atMost(WAIT).until(() -> engine.statuses().get(id("b")) == Status.SKIPPED);
        assertThat(engine.statuses().get(id("a"))).isEqualTo(Status.FAILED);
        assertThat(engine.statuses().get(id("c"))).isEqualTo(Status.CHANGED);
        assertThat(events).filteredOn(EngineEvent.Failed.class::isInstance)
                .extracting(e -> ((EngineEvent.Failed) e).message())
                .containsExactly("watch failed: watch command exited with status 3");
    }

    @Test
    void aWatchThatFailsBeforeItRunsFailsItsResourceAndTheHostStillConverges() {
        fake.failWatchAtStart("a", new ResourceException(id("a"), "no bus to watch on"));
        GraphSnapshot g = TestGraphs.of(fake).edges("a->b").add("c", FakeParams.DEFAULTS).build();
        engine.start(g);

        await().atMost(WAIT).until(() -> engine.statuses().get(id("b")) == Status.SKIPPED
                && engine.statuses().get(id("c")) == Status.CHANGED);
        assertThat(engine.statuses().get(id("a"))).isEqualTo(Status.FAILED);
        assertThat(events).filteredOn(EngineEvent.Failed.class::isInstance)
                .extracting(e -> ((EngineEvent.Failed) e).message())
                .containsExactly("watch failed: no bus to watch on");
        await().atMost(WAIT).until(this::converged);
    }

    @Test
    void aWatchThatThrowsAnErrorFailsItsResourceInsteadOfLeavingItPending() {
        fake.failWatchAtStart("a", new NoClassDefFoundError("com/sun/security/auth/module/UnixSystem"));
        GraphSnapshot g = TestGraphs.of(fake).edges("a->b").build();
        engine.start(g);

        await().atMost(WAIT).until(() -> engine.statuses().get(id("b")) == Status.SKIPPED);
        assertThat(engine.statuses().get(id("a"))).isEqualTo(Status.FAILED);
        assertThat(events).filteredOn(EngineEvent.Failed.class::isInstance)
                .extracting(e -> ((EngineEvent.Failed) e).message()).singleElement().asString()
                .startsWith("watch failed: ").contains("com/sun/security/auth/module/UnixSystem");
        await().atMost(WAIT).until(this::converged);
    }

    @Test
    void pollingChecksWithoutApplyingAndAppliesOnlyWhenItFindsDrift() {
        MetaParams d = MetaParams.DEFAULTS;
        MetaParams poll = new MetaParams(d.noop(), d.retry(), d.retryreset(), d.delay(), d.timeout(), 1, d.limit(),
                d.burst(), d.sema(), d.autoedge(), d.autogroup(), d.hidden());
        GraphSnapshot g = TestGraphs.of(fake).add("a", FakeParams.DEFAULTS, poll).build();
        engine.start(g);
        await().atMost(WAIT).until(() -> log.callsOf("a").size() >= 2);
        assertThat(log.callsOf("a").get(0).apply()).isTrue();
        assertThat(log.callsOf("a").get(1).apply()).as("a poll only checks").isFalse();

        fake.drift("a");

        await().atMost(WAIT).until(() -> log.callsOf("a").stream().filter(CallLog.Call::apply).count() == 2);
        assertThat(events).filteredOn(EngineEvent.Message.class::isInstance)
                .extracting(e -> ((EngineEvent.Message) e).text())
                .contains("polling every 1 s", "poll found drift: would apply");
    }

    @Test
    void aResourceWithNothingToWatchHasNoWatchThread() {
        var noop = new NoopKind();
        ResourceId quiet = ResourceId.of(NoopKind.NAME, "quiet");
        engine.start(TestGraphs.of(noop).add("quiet", NoopParams.DEFAULTS).build());
        awaitSettled();

        assertThat(engine.watched(quiet)).isFalse();
        assertThat(engine.statuses()).containsEntry(quiet, Status.OK);
    }

    @Test
    void aResourceThatWatchesHasAWatchThread() {
        engine.start(TestGraphs.of(fake).add("a", FakeParams.DEFAULTS).build());
        awaitSettled();

        assertThat(engine.watched(id("a"))).isTrue();
    }
}
