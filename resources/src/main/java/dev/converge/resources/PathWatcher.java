package dev.converge.resources;

import java.io.IOException;
import java.nio.file.Path;

/**
 * File-change notification shared by all resources of an engine, offered through
 * {@link ResourceContext#paths()}. It keeps one watch per directory however many paths in it
 * are watched, and no thread per path.
 */
public interface PathWatcher {

    /**
     * Calls {@code onChange} whenever {@code path} may have changed: created, written, its
     * attributes changed, deleted, or renamed to or from. When {@code path} is a directory, a
     * change of one of its entries counts too. Missing parent directories are followed: when
     * they appear, the path is watched from then on. A lost-events overflow fires every
     * subscriber.
     *
     * <p>{@code onChange} runs on the watcher's own thread and must return quickly.
     *
     * @param path an absolute path
     * @return the subscription; closing it stops the calls
     * @throws IOException when the path's directory cannot be watched
     */
    Subscription subscribe(Path path, Runnable onChange) throws IOException;

    /** One {@link #subscribe} call. Closing it twice is harmless. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
