package dev.converge.agent.engine;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs an engine on a snapshot until it converges (timeout 0), recording every event. */
final class EngineHarness {

    final List<EngineEvent> events = new CopyOnWriteArrayList<>();
    private final CountDownLatch converged = new CountDownLatch(1);
    final Converger converger = new Converger(Duration.ZERO, converged::countDown);
    final Engine engine;

    EngineHarness(EngineOptions options) {
        this(options, e -> { });
    }

    /** @param also told of every event after it is recorded, on the thread that sent it (to block it, say) */
    EngineHarness(EngineOptions options, Consumer<EngineEvent> also) {
        Consumer<EngineEvent> record = events::add;
        engine = new Engine(options, record.andThen(also), converger);
    }

    static Map<ResourceId, Status> run(GraphSnapshot graph) throws InterruptedException {
        return new EngineHarness(new EngineOptions(false, 0, false)).runToConvergence(graph);
    }

    Map<ResourceId, Status> runToConvergence(GraphSnapshot graph) throws InterruptedException {
        engine.start(graph);
        if (!converged.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError("did not converge: " + engine.statuses());
        }
        Map<ResourceId, Status> statuses = engine.statuses();
        engine.close();
        converger.close();
        return statuses;
    }

    <T extends EngineEvent> List<T> eventsOf(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
