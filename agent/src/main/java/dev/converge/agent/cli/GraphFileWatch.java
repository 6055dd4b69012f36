package dev.converge.agent.cli;

import dev.converge.resources.PathWatcher;
import dev.converge.resources.watch.DirectoryWatchHub;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Watches the graph file of {@code agent run --file} and calls {@code onEdit} once an edit has
 * settled: each change restarts a short quiet period ({@link #QUIET}), so an editor's burst of
 * writes (truncate, write, rename) makes one reload. {@code onEdit} runs on this watch's own
 * thread, one call at a time.
 */
final class GraphFileWatch implements AutoCloseable {

    /** How long the file must stay unchanged before a reload. */
    static final Duration QUIET = Duration.ofMillis(20);

    private final DirectoryWatchHub hub;
    private final PathWatcher.Subscription subscription;
    private final ScheduledExecutorService timer;
    private ScheduledFuture<?> pending;

    GraphFileWatch(Path file, Runnable onEdit) throws IOException {
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "graph file reload");
            t.setDaemon(true);
            return t;
        });
        this.hub = new DirectoryWatchHub();
        this.subscription = hub.subscribe(file.toAbsolutePath(), () -> schedule(onEdit));
    }

    private synchronized void schedule(Runnable onEdit) {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = timer.schedule(onEdit, QUIET.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() throws IOException {
        subscription.close();
        hub.close();
        timer.shutdownNow();
    }
}
