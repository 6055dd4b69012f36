package dev.converge.agent.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

/** {@link Reachability} on a clock of the test's: which lines an outage gives. */
class EtcdReachabilityTest {

    private static final long SECOND = 1_000_000_000L;
    private static final List<URI> ENDPOINTS = List.of(URI.create("http://127.0.0.1:2379"));

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final AtomicLong generation = new AtomicLong(3);
    private final List<String> lines = new ArrayList<>();
    private final Reachability reachability = new Reachability(ENDPOINTS, generation::get,
            (level, text) -> lines.add((level == Level.WARN ? "WARN " : level == Level.INFO ? "INFO " : level + " ") + text),
            clock::get);

    private long tick(double seconds) {
        return clock.addAndGet((long) (seconds * SECOND));
    }

    @Test
    void anOutageIsOneWarningWhateverTheFailuresThenOneLineWithItsLength() {
        reachability.answered();
        tick(1);
        for (int i = 0; i < 9; i++) {
            reachability.unreachable(clock.get(), "Connection refused");
            tick(1);
        }
        tick(1.2);
        reachability.answered();
        reachability.answered();

        assertThat(lines).containsExactly(
                "WARN etcd at http://127.0.0.1:2379 is unreachable: Connection refused; the agent keeps running "
                        + "generation 3 and retries",
                "INFO etcd at http://127.0.0.1:2379 answers again after 10.2 s");
    }

    @Test
    void aCallThatBeganBeforeEtcdAnsweredAgainOpensNoSecondOutage() {
        reachability.answered();
        reachability.unreachable(tick(1), "Connection refused");
        long begunWhileDown = tick(5);
        tick(0.5);
        reachability.answered();
        tick(0.1);
        reachability.unreachable(begunWhileDown, "did not answer within 5000 ms");
        assertThat(lines).hasSize(2);

        reachability.unreachable(tick(1), "Connection reset");
        assertThat(lines).hasSize(3);
        assertThat(lines.getLast()).startsWith("WARN ").contains("is unreachable: Connection reset");
    }

    @Test
    void etcdAwayFromTheStartIsToldWithoutAGraphAndItsFirstAnswerWithoutAgain() {
        generation.set(0);
        reachability.unreachable(clock.get(), "TLS handshake failed: etcd wants a client certificate");
        tick(3.14);
        reachability.answered();

        assertThat(lines).containsExactly(
                "WARN etcd at http://127.0.0.1:2379 is unreachable: TLS handshake failed: etcd wants a client "
                        + "certificate; the agent has no graph yet and retries",
                "INFO etcd at http://127.0.0.1:2379 answers after 3.1 s");
    }

    @Test
    void withCallsEndingOnManyThreadsTheLinesStillAlternateAWarningFirst() throws Exception {
        Reachability shared = new Reachability(ENDPOINTS, () -> 1, (level, text) -> {
            synchronized (lines) {
                lines.add(level.name());
            }
        }, System::nanoTime);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        var start = new CountDownLatch(1);
        var done = new ArrayList<Future<?>>();
        for (int t = 0; t < 4; t++) {
            done.add(threads.submit(() -> {
                start.await();
                for (int i = 0; i < 20_000; i++) {
                    if (ThreadLocalRandom.current().nextBoolean()) {
                        shared.answered();
                    } else {
                        shared.unreachable(System.nanoTime(), "down");
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        threads.shutdown();

        assertThat(lines).isNotEmpty();
        for (int i = 0; i < lines.size(); i++) {
            assertThat(lines.get(i)).as("line %d", i).isEqualTo(i % 2 == 0 ? "WARN" : "INFO");
        }
    }
}
