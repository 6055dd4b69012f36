package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.graph.GraphSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The engine's sign of life, which systemd's watchdog is petted from. */
class EngineHeartbeatTest {

    @Test
    void aHeartbeatCompletesOnlyOnceTheEngineCanBeEntered() throws Exception {
        try (var converger = new Converger(Duration.ofSeconds(-1), () -> { });
                var engine = new Engine(new EngineOptions(false, 0, false, false, false), e -> { }, converger)) {
            engine.start(GraphSnapshot.of("g", List.of(), List.of()));
            assertThat(engine.heartbeat().get(10, TimeUnit.SECONDS)).as("a free engine answers").isNull();

            CompletableFuture<Void> beat;
            // Held as a swap that never ends would hold it.
            synchronized (engine) {
                beat = engine.heartbeat();
                CompletableFuture<Void> held = beat;
                assertThatThrownBy(() -> held.get(200, TimeUnit.MILLISECONDS)).as("no answer while the engine is held")
                        .isInstanceOf(TimeoutException.class);
            }
            assertThat(beat.get(10, TimeUnit.SECONDS)).as("answered once let go").isNull();
        }
    }
}
