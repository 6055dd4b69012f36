package dev.converge.resources.testing;

import dev.converge.resources.PathWatcher;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceId;
import dev.converge.resources.watch.DirectoryWatchHub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ResourceContext} for tests: records every log, warning and output line in the order
 * the resource reported them, and counts {@code running()} and {@code event()} calls. The
 * {@code refreshing} and {@code diffs} answers are whatever the test set last (false at first).
 * {@link #paths()} is a real {@link DirectoryWatchHub}, made on first use and closed by
 * {@link #close()}. Thread-safe; getters return copies.
 */
public final class RecordingContext implements ResourceContext, AutoCloseable {

    /** One line a command printed. */
    public record Output(String stream, String line) {
    }

    private final ResourceId id;
    private final List<String> logs = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<Output> outputs = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger events = new AtomicInteger();
    private volatile boolean refreshing;
    private volatile boolean diffs;
    private DirectoryWatchHub paths;

    public RecordingContext(ResourceId id) {
        this.id = id;
    }

    @Override
    public ResourceId id() {
        return id;
    }

    @Override
    public synchronized void log(String message) {
        logs.add(message);
    }

    @Override
    public synchronized void warn(String message) {
        warnings.add(message);
    }

    @Override
    public synchronized void output(String stream, String line) {
        outputs.add(new Output(stream, line));
    }

    @Override
    public void running() {
        running.incrementAndGet();
    }

    @Override
    public void event() {
        events.incrementAndGet();
    }

    @Override
    public synchronized PathWatcher paths() {
        if (paths == null) {
            try {
                paths = new DirectoryWatchHub();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return paths;
    }

    @Override
    public synchronized void close() throws IOException {
        if (paths != null) {
            paths.close();
        }
    }

    @Override
    public boolean refreshing() {
        return refreshing;
    }

    public void setRefreshing(boolean refreshing) {
        this.refreshing = refreshing;
    }

    public synchronized List<String> logs() {
        return List.copyOf(logs);
    }

    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** All output lines of both streams, in arrival order. */
    public synchronized List<Output> outputs() {
        return List.copyOf(outputs);
    }

    /** The lines of one stream ({@code "stdout"} or {@code "stderr"}), in arrival order. */
    public synchronized List<String> lines(String stream) {
        return outputs.stream().filter(o -> o.stream().equals(stream)).map(Output::line).toList();
    }

    public int runningCalls() {
        return running.get();
    }

    public int events() {
        return events.get();
    }

    @Override
    public boolean diffs() {
        return diffs;
    }

    public void setDiffs(boolean diffs) {
        this.diffs = diffs;
    }
}
