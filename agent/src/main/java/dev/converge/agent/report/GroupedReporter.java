package dev.converge.agent.report;

import dev.converge.agent.engine.EngineEvent;
import dev.converge.resources.ResourceId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;

/**
 * Grouped output, like Chef's batched output: a resource's lines (start, waiting for a permit,
 * its messages and command output, the result and its diff) are held back while its check runs and written
 * together when the check finishes, fails or is retried, or its worker stops (a swap removed the
 * resource mid-check), so blocks come out in completion order.
 * Each check is its own block, including a later re-check after a watch event or a refresh.
 * Each line keeps the time it happened.
 *
 * <p>Invariants: a block is written while holding this reporter's lock, so the lines of two
 * resources' blocks never interleave. A block holds at most {@code keep} first and {@code keep}
 * last lines; the lines in between are counted and replaced by one line saying how many were
 * left out. A line for a resource with no check in progress (a skip, a watcher's message) is
 * written at once. Thread-safe.
 */
public final class GroupedReporter implements Reporter {

    /** Lines kept at each end of a block by default. */
    public static final int DEFAULT_KEEP = 500;

    private final EventLines lines = new EventLines();
    private final Consumer<LogLine> sink;
    private final int keep;
    /** The blocks of checks in progress, by resource, oldest first. Guarded by {@code this}. */
    private final Map<ResourceId, Block> open = new LinkedHashMap<>();

    /** Writes to the log {@code converge}, keeping {@link #DEFAULT_KEEP} lines at each end of a block. */
    public GroupedReporter() {
        this(line -> line.log(LogManager.getLogger("converge")), DEFAULT_KEEP);
    }

    /** Writes each line to {@code sink}, keeping {@code keep} (at least 1) lines at each end of a block. */
    public GroupedReporter(Consumer<LogLine> sink, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        }
        this.sink = sink;
        this.keep = keep;
    }

    @Override
    public void accept(EngineEvent event) {
        boolean opens = event instanceof EngineEvent.Started || event instanceof EngineEvent.Waiting;
        boolean closes = event instanceof EngineEvent.Finished || event instanceof EngineEvent.Failed
                || event instanceof EngineEvent.Skipped || event instanceof EngineEvent.Stopped;
        synchronized (this) {
            List<LogLine> made = lines.lines(event);
            Block block = opens ? open.computeIfAbsent(event.id(), id -> new Block()) : open.get(event.id());
            if (block == null) {
                made.forEach(sink);
                return;
            }
            made.forEach(block::add);
            if (closes) {
                open.remove(event.id());
                write(event.id(), block);
            }
        }
    }

    /** Writes the blocks of checks still in progress, oldest first (at exit, after a stop). */
    @Override
    public synchronized void flush() {
        open.forEach(this::write);
        open.clear();
    }

    private void write(ResourceId id, Block block) {
        block.head.forEach(sink);
        if (block.dropped > 0) {
            LogLine last = block.head.getLast();
            sink.accept(new LogLine(last.time(), Level.INFO, id, "dropped", null, null, null,
                    id + " ... " + block.dropped + (block.dropped == 1 ? " line" : " lines") + " left out ..."));
        }
        block.tail.forEach(sink);
    }

    /** One check's lines: the first {@code keep}, then the last {@code keep}, and how many fell between. */
    private final class Block {
        final List<LogLine> head = new ArrayList<>();
        final ArrayDeque<LogLine> tail = new ArrayDeque<>();
        long dropped;

        void add(LogLine line) {
            if (head.size() < keep) {
                head.add(line);
                return;
            }
            if (tail.size() == keep) {
                tail.removeFirst();
                dropped++;
            }
            tail.addLast(line);
        }
    }
}
