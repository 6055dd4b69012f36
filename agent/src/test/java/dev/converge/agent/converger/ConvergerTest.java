package dev.converge.agent.converger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConvergerTest {

    private static final ResourceId A = ResourceId.of("noop", "a");
    private static final ResourceId B = ResourceId.of("noop", "b");

    @Test
    void firesOnceAfterEveryResourceIsIdle() throws Exception {
        var latch = new CountDownLatch(1);
        var fired = new AtomicInteger();
        try (var c = new Converger(Duration.ZERO, () -> {
            fired.incrementAndGet();
            latch.countDown();
        })) {
            c.register(List.of(A, B));
            c.idle(A);
            assertThat(latch.await(100, TimeUnit.MILLISECONDS)).as("B is still busy").isFalse();
            c.idle(B);
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
            c.busy(A);
            c.idle(A);
            Thread.sleep(50);
            assertThat(fired).hasValue(1);
        }
    }

    @Test
    void activityDuringTheTimeoutRestartsIt() throws Exception {
        var latch = new CountDownLatch(1);
        try (var c = new Converger(Duration.ofMillis(300), latch::countDown)) {
            c.register(List.of(A));
            c.idle(A);
            long firstIdle = c.idleSinceNanos();
            c.busy(A);
            assertThat(c.isIdle()).isFalse();
            assertThat(c.idleSinceNanos()).isEqualTo(-1);
            c.idle(A);
            assertThat(c.idleSinceNanos()).isGreaterThan(firstIdle);
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void negativeTimeoutNeverFires() throws Exception {
        var latch = new CountDownLatch(1);
        try (var c = new Converger(Duration.ofSeconds(-1), latch::countDown)) {
            c.register(List.of(A));
            c.idle(A);
            assertThat(c.isIdle()).isTrue();
            assertThat(latch.await(200, TimeUnit.MILLISECONDS)).isFalse();
        }
    }

    @Test
    void unregisteringTheLastBusyResourceConverges() throws Exception {
        var latch = new CountDownLatch(1);
        try (var c = new Converger(Duration.ZERO, latch::countDown)) {
            c.register(List.of(A));
            c.unregister(A);
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }
}
