package dev.converge.agent.report;

import dev.converge.agent.engine.EngineEvent;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Hands engine events to a consumer that need not keep up with the engine (the live page's trail
 * and metrics): an engine thread only appends the event to a lock-free queue; the consumer sees
 * the events later, in batches, on the relay's own thread every {@code every}, or on the thread
 * of a reader that calls {@link #catchUp} before it reads what the consumer built. Events still
 * queued when the relay closes are dropped: nobody reads the consumer's work after that.
 *
 * <p>Invariants: until {@link #close}, the consumer sees every event accepted, each once, in the
 * order {@link #accept} was called for it (so one engine thread's events keep their order); all
 * accepted before a {@link #catchUp} call have been seen when it returns. The consumer is called
 * by one thread at a time, never by an engine thread.
 *
 * <p>Threads: {@link #accept} on any engine thread, never blocking; {@link #catchUp} on any
 * thread that is not an engine thread (it may wait for a batch in progress); {@link #close} once,
 * by the thread that created the relay.
 */
public final class EventRelay implements Consumer<EngineEvent>, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger("converge");

    private final Queue<EngineEvent> pending = new ConcurrentLinkedQueue<>();
    private final Consumer<EngineEvent> consumer;
    /** Held while events are handed to the consumer, so it sees one thread at a time. */
    private final ReentrantLock handing = new ReentrantLock();
    private final Thread relay;
    private volatile boolean closed;

    /**
     * Starts the relay's thread.
     *
     * @param consumer what receives the events; it should not throw (what it throws is logged)
     * @param every    how long accepted events may wait when no reader catches up
     */
    public EventRelay(Consumer<EngineEvent> consumer, Duration every) {
        this.consumer = consumer;
        long nanos = every.toNanos();
        this.relay = Thread.ofPlatform().daemon().name("event-relay").start(() -> {
            try {
                while (!closed) {
                    Thread.sleep(Duration.ofNanos(nanos));
                    catchUp();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public void accept(EngineEvent event) {
        pending.offer(event);
    }

    /** Hands every event accepted before this call to the consumer, then returns. */
    public void catchUp() {
        handing.lock();
        try {
            for (EngineEvent event = pending.poll(); event != null; event = pending.poll()) {
                try {
                    consumer.accept(event);
                } catch (RuntimeException e) {
                    LOG.warn("live view: event {} of {} not recorded: {}", event.getClass().getSimpleName(),
                            event.id(), e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                }
            }
        } finally {
            handing.unlock();
        }
    }

    /** Stops the relay's thread; what is still queued is dropped. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        relay.interrupt();
        relay.join();
        pending.clear();
    }
}
