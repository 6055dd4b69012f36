package dev.converge.agent.engine;

import static org.awaitility.Awaitility.await;

import dev.converge.agent.converger.Converger;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.CallLog;
import dev.converge.resources.testing.FakeKind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;

/**
 * Base of the tests that drive a running engine (drift, swaps, stops): an engine that watches and
 * runs as a service (it never converges by itself) on a fresh fake kind, recording every event,
 * and closed after each test.
 */
abstract class LiveEngineFixture {

    static final Duration WAIT = Duration.ofSeconds(30);

    final FakeKind fake = new FakeKind();
    final CallLog log = fake.log();
    final List<EngineEvent> events = new CopyOnWriteArrayList<>();
    private final Converger converger = new Converger(Duration.ofSeconds(-1), () -> { });
    final Engine engine = new Engine(new EngineOptions(false, 0, true), events::add, converger);

    static ResourceId id(String name) {
        return ResourceId.of(FakeKind.NAME, name);
    }

    /** Waits until no resource is pending or running. */
    void awaitSettled() {
        await().atMost(WAIT).until(() -> engine.statuses().values().stream().allMatch(Status::settled));
    }

    /** Whether every resource is idle now, as the converged timeout sees it. */
    boolean converged() {
        return converger.isIdle();
    }

    @AfterEach
    void closeEngine() throws InterruptedException {
        engine.close();
        converger.close();
    }
}
