package dev.converge.agent.converger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.engine.Status;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The host monitor against a real converger: each change of phase reaches the listeners, a busy
 * stretch it could not sample is not lost, and a tick is "alive" only after the heartbeat asked
 * for at the tick before completed.
 */
class HostMonitorTest {

    private static final ResourceId A = ResourceId.of("noop", "a");
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Records every change as "PREVIOUS>NOW" and every tick. */
    private static final class Recorder implements HostMonitor.Listener {
        final BlockingQueue<String> changes = new LinkedBlockingQueue<>();
        final BlockingQueue<Boolean> ticks = new LinkedBlockingQueue<>();

        @Override
        public void changed(HostState previous, HostState now) {
            changes.add((previous == null ? "-" : previous.phase()) + ">" + now.phase());
        }

        @Override
        public void tick(boolean alive) {
            ticks.add(alive);
        }

        String next() throws InterruptedException {
            String c = changes.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(c).as("a change within " + WAIT).isNotNull();
            return c;
        }
    }

    private static HostState sample(Converger c) {
        return HostState.of(List.of(c.isIdle() ? Status.OK : Status.RUNNING), c.isIdle(), 1);
    }

    @Test
    void eachChangeOfPhaseIsTold() throws Exception {
        var recorder = new Recorder();
        try (var c = new Converger(Duration.ofSeconds(-1), () -> { })) {
            c.register(List.of(A));
            try (var monitor = new HostMonitor(c, () -> sample(c), () -> CompletableFuture.completedFuture(null),
                    Duration.ofHours(1), List.of(recorder))) {
                monitor.start();
                assertThat(recorder.next()).isEqualTo("->APPLYING");
                c.idle(A);
                assertThat(recorder.next()).isEqualTo("APPLYING>CONVERGED");
                c.busy(A);
                assertThat(recorder.next()).isEqualTo("CONVERGED>APPLYING");
                c.idle(A);
                assertThat(recorder.next()).isEqualTo("APPLYING>CONVERGED");
            }
        }
    }

    @Test
    void aBusyStretchBetweenTwoSamplesIsNotLost() throws Exception {
        var inListener = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var recorder = new Recorder();
        HostMonitor.Listener blocking = new HostMonitor.Listener() {
            @Override
            public void changed(HostState previous, HostState now) {
                if (now.phase() == HostState.Phase.CONVERGED && previous != null
                        && inListener.getCount() > 0) {
                    inListener.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        try (var c = new Converger(Duration.ofSeconds(-1), () -> { })) {
            c.register(List.of(A));
            try (var monitor = new HostMonitor(c, () -> sample(c), () -> CompletableFuture.completedFuture(null),
                    Duration.ofHours(1), List.of(blocking, recorder))) {
                monitor.start();
                assertThat(recorder.next()).isEqualTo("->APPLYING");
                c.idle(A);
                assertThat(inListener.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                // The monitor is held in a listener: this whole stretch happens between two samples.
                c.busy(A);
                c.idle(A);
                release.countDown();

                assertThat(List.of(recorder.next(), recorder.next(), recorder.next()))
                        .containsExactly("APPLYING>CONVERGED", "CONVERGED>APPLYING", "APPLYING>CONVERGED");
            }
        }
    }

    @Test
    void aTickIsAliveOnlyWhenTheLastHeartbeatCompleted() throws Exception {
        var recorder = new Recorder();
        var asked = new LinkedBlockingQueue<CompletableFuture<Void>>();
        try (var c = new Converger(Duration.ofSeconds(-1), () -> { })) {
            try (var monitor = new HostMonitor(c, () -> sample(c), () -> {
                var f = new CompletableFuture<Void>();
                asked.add(f);
                return f;
            }, Duration.ofMillis(20), List.of(recorder))) {
                monitor.start();
                var first = asked.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(recorder.ticks.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("not answered yet").isFalse();
                assertThat(recorder.ticks.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
                first.complete(null);
                Boolean tick;
                do {
                    tick = recorder.ticks.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } while (Boolean.FALSE.equals(tick));
                assertThat(tick).as("answered").isTrue();
                assertThat(asked.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("a new heartbeat after each answer")
                        .isNotNull().isNotSameAs(first);
            }
        }
    }
}
