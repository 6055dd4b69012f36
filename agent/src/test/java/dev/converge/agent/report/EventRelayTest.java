package dev.converge.agent.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.resources.ResourceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class EventRelayTest {

    private static final Duration NEVER_BY_ITSELF = Duration.ofHours(1);

    private static EngineEvent message(String resource, String text) {
        return new EngineEvent.Message(ResourceId.of("noop", resource), false, text);
    }

    private static String text(EngineEvent event) {
        return ((EngineEvent.Message) event).text();
    }

    @Test
    @Timeout(60)
    void aConsumerStuckInABatchNeverHoldsUpTheEnginesThreads() throws Exception {
        var entered = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var seen = new CopyOnWriteArrayList<String>();
        Consumer<EngineEvent> stuck = event -> {
            seen.add(text(event));
            if (text(event).equals("first")) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (var relay = new EventRelay(stuck, NEVER_BY_ITSELF)) {
            relay.accept(message("a", "first"));
            Thread reader = Thread.ofPlatform().start(relay::catchUp);
            entered.await();

            // The consumer is held inside a batch; the engine's side must still go on.
            for (int i = 0; i < 1_000; i++) {
                relay.accept(message("a", "e" + i));
            }
            assertThat(reader.isAlive()).isTrue();

            release.countDown();
            reader.join();
            relay.catchUp();
        }
        var expected = new ArrayList<String>(List.of("first"));
        for (int i = 0; i < 1_000; i++) {
            expected.add("e" + i);
        }
        assertThat(seen).containsExactlyElementsOf(expected);
    }

    @Test
    @Timeout(60)
    void eachThreadsEventsArriveOnceAndInOrderWhileReadersCatchUp() throws Exception {
        int threads = 4;
        int each = 5_000;
        var seen = new ArrayList<EngineEvent>();
        var inside = new AtomicBoolean();
        var overlapped = new AtomicBoolean();
        Consumer<EngineEvent> consumer = event -> {
            if (!inside.compareAndSet(false, true)) {
                overlapped.set(true);
            }
            seen.add(event);
            inside.set(false);
        };
        var start = new CyclicBarrier(threads + 1);
        var producers = new ArrayList<Thread>();
        try (var relay = new EventRelay(consumer, Duration.ofMillis(1))) {
            for (int t = 0; t < threads; t++) {
                String name = "t" + t;
                producers.add(Thread.ofVirtual().start(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < each; i++) {
                        relay.accept(message(name, Integer.toString(i)));
                    }
                }));
            }
            var reading = new AtomicBoolean(true);
            Thread reader = Thread.ofPlatform().start(() -> {
                while (reading.get()) {
                    relay.catchUp();
                }
            });
            start.await();
            for (Thread p : producers) {
                p.join();
            }
            reading.set(false);
            reader.join();
            relay.catchUp();
        }
        assertThat(overlapped).as("the consumer was called by two threads at once").isFalse();
        assertThat(seen).hasSize(threads * each);
        for (int t = 0; t < threads; t++) {
            ResourceId id = ResourceId.of("noop", "t" + t);
            assertThat(seen.stream().filter(e -> e.id().equals(id)).map(EventRelayTest::text).toList())
                    .containsExactlyElementsOf(IntStream.range(0, each).mapToObj(Integer::toString)
                            .toList());
        }
    }

    @Test
    void theRelaysOwnThreadHandsEventsOverWithNoReader() throws Exception {
        var seen = new CopyOnWriteArrayList<String>();
        try (var relay = new EventRelay(event -> seen.add(text(event)), Duration.ofMillis(10))) {
            relay.accept(message("a", "one"));
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains("one"));
        }
    }

    @Test
    void aReaderCatchingUpSeesEverythingAcceptedBeforeAndClosingDropsTheRest() throws Exception {
        var seen = new CopyOnWriteArrayList<String>();
        var relay = new EventRelay(event -> seen.add(text(event)), NEVER_BY_ITSELF);
        relay.accept(message("a", "one"));
        relay.accept(message("a", "two"));
        assertThat(seen).isEmpty();
        relay.catchUp();
        assertThat(seen).containsExactly("one", "two");

        relay.accept(message("a", "three"));
        relay.close();
        relay.catchUp();
        assertThat(seen).containsExactly("one", "two");
    }

    @Test
    void aConsumerThatThrowsLosesOnlyThatEvent() throws Exception {
        var seen = new CopyOnWriteArrayList<String>();
        try (var relay = new EventRelay(event -> {
            if (text(event).equals("bad")) {
                throw new IllegalStateException("broken view");
            }
            seen.add(text(event));
        }, NEVER_BY_ITSELF)) {
            relay.accept(message("a", "one"));
            relay.accept(message("a", "bad"));
            relay.accept(message("a", "two"));
            relay.catchUp();
            assertThat(seen).containsExactly("one", "two");
        }
    }
}
