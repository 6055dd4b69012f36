package dev.converge.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.converger.HostState;
import dev.converge.agent.engine.Status;
import dev.converge.resources.testing.DatagramInbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The notifications, as systemd's socket receives them: a real datagram socket of the test's own. */
class ServiceNotifierTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration NONE = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private static HostState applying() {
        return HostState.of(List.of(Status.RUNNING, Status.PENDING), false, 1);
    }

    private static HostState converged() {
        return HostState.of(List.of(Status.OK, Status.CHANGED), true, 1);
    }

    private ServiceNotifier notifier(DatagramInbox inbox, String watchdogUsec) {
        var env = watchdogUsec == null ? Map.of("NOTIFY_SOCKET", inbox.name())
                : Map.of("NOTIFY_SOCKET", inbox.name(), "WATCHDOG_USEC", watchdogUsec);
        return ServiceNotifier.fromEnvironment(env).orElseThrow();
    }

    @Test
    void readyOnceTheFirstPassIsOverThenStatusOnEachChange() throws Exception {
        try (var inbox = new DatagramInbox(dir.resolve("notify").toString());
                var notifier = notifier(inbox, null)) {
            notifier.changed(null, applying());
            assertThat(inbox.next(WAIT)).hasValue("STATUS=applying: 1 of 2 running, generation 1");

            notifier.changed(applying(), converged());
            assertThat(inbox.next(WAIT)).hasValue("READY=1\nSTATUS=converged: 2 resources, generation 1");

            notifier.changed(converged(), applying());
            assertThat(inbox.next(WAIT)).hasValue("STATUS=applying: 1 of 2 running, generation 1");
            notifier.changed(applying(), converged());
            assertThat(inbox.next(WAIT)).as("ready is said once").hasValue("STATUS=converged: 2 resources, generation 1");
        }
    }

    @Test
    void theAbstractNamespaceWorksToo() throws Exception {
        try (var inbox = new DatagramInbox("@converge-notify-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
                var notifier = notifier(inbox, null)) {
            notifier.changed(null, converged());
            assertThat(inbox.next(WAIT)).hasValueSatisfying(d -> assertThat(d).startsWith("READY=1\n"));
        }
    }

    @Test
    void theWatchdogIsPettedAtHalfItsIntervalOnlyWhileTheEngineAnswers() throws Exception {
        // 40 s: ticks every 1 s, a pet due every 20 s.
        var clock = new AtomicLong();
        try (var inbox = new DatagramInbox(dir.resolve("notify").toString());
                var notifier = new ServiceNotifier(NotifySocket.fromEnvironment(Map.of("NOTIFY_SOCKET", inbox.name()))
                        .orElseThrow(), Duration.ofSeconds(40), clock::get)) {
            notifier.changed(null, converged());
            assertThat(inbox.next(WAIT)).hasValueSatisfying(d -> assertThat(d).startsWith("READY=1"));
            assertThat(notifier.tickEvery()).isEqualTo(Duration.ofSeconds(1));

            clock.set(Duration.ofSeconds(10).toNanos());
            notifier.tick(true);
            assertThat(inbox.next(NONE)).as("not due at a quarter").isEmpty();
            clock.set(Duration.ofSeconds(20).toNanos());
            notifier.tick(false);
            assertThat(inbox.next(NONE)).as("no pet while the engine does not answer").isEmpty();
            notifier.tick(true);
            assertThat(inbox.next(WAIT)).hasValue("WATCHDOG=1");
            clock.set(Duration.ofSeconds(21).toNanos());
            notifier.tick(true);
            assertThat(inbox.next(NONE)).as("not due again at once").isEmpty();
            clock.set(Duration.ofSeconds(41).toNanos());
            notifier.tick(true);
            assertThat(inbox.next(WAIT)).hasValue("WATCHDOG=1");
            try (var shortOne = notifier(inbox, "400000")) {
                assertThat(shortOne.tickEvery()).as("a quarter of a short interval").isEqualTo(Duration.ofMillis(100));
            }
        }
    }

    @Test
    void untilReadyEachAnsweredTickExtendsTheStartTimeout() throws Exception {
        try (var inbox = new DatagramInbox(dir.resolve("notify").toString());
                var notifier = notifier(inbox, null)) {
            notifier.changed(null, applying());
            inbox.next(WAIT);
            notifier.tick(true);
            assertThat(inbox.next(WAIT)).hasValue("EXTEND_TIMEOUT_USEC=30000000");
            notifier.tick(false);
            assertThat(inbox.next(NONE)).as("a wedged first pass is not extended").isEmpty();
            notifier.changed(applying(), converged());
            inbox.next(WAIT);
            notifier.tick(true);
            assertThat(inbox.next(NONE)).as("ready: no more extensions").isEmpty();
        }
    }

    @Test
    void aReloadIsAnnouncedAndEnded() throws Exception {
        try (var inbox = new DatagramInbox(dir.resolve("notify").toString());
                var notifier = notifier(inbox, null)) {
            notifier.reloading();
            assertThat(inbox.next(WAIT)).hasValueSatisfying(d -> assertThat(d).matches("RELOADING=1\nMONOTONIC_USEC=\\d+"));
            notifier.reloaded();
            assertThat(inbox.next(WAIT)).hasValue("READY=1");
            notifier.stopping();
            assertThat(inbox.next(WAIT)).hasValue("STOPPING=1\nSTATUS=stopping");
        }
    }

    @Test
    void theWatchdogIntervalIsForThisProcessOnly() {
        long pid = ProcessHandle.current().pid();
        assertThat(ServiceNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000"), pid))
                .hasValue(Duration.ofSeconds(30));
        assertThat(ServiceNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID",
                Long.toString(pid)), pid)).hasValue(Duration.ofSeconds(30));
        assertThat(ServiceNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "1"), pid))
                .as("meant for another process").isEmpty();
        assertThat(ServiceNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "soon"), pid)).isEmpty();
        assertThat(ServiceNotifier.watchdogInterval(Map.of(), pid)).isEmpty();
    }

    @Test
    void withoutNotifySocketThereIsNoNotifier() {
        assertThat(ServiceNotifier.fromEnvironment(Map.of())).isEmpty();
        assertThat(ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "vsock:2:1234")))
                .as("a form this agent cannot use is logged and ignored").isEqualTo(Optional.empty());
    }
}
