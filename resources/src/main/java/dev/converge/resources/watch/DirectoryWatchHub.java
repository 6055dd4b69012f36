package dev.converge.resources.watch;

import dev.converge.resources.PathWatcher;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@link PathWatcher} of one engine, on one JDK {@link WatchService} (inotify on Linux) and
 * one virtual thread that dispatches every event.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Each watched directory is registered once, whatever the number of subscriptions that
 *       rely on it, and is cancelled when the last of them goes.</li>
 *   <li>A subscription relies on the directory its path is in or, while that is missing, on the
 *       nearest existing ancestor; when its path is a directory, on that directory too. After
 *       every event it fires for, it moves to the directories its path needs then, registering
 *       the new ones before it releases the old ones, so no event falls between two watches.</li>
 *   <li>An event costs a lookup by entry name, not a scan of all subscriptions of the
 *       directory.</li>
 *   <li>All tables are guarded by {@code this}; callbacks run on the dispatcher outside the lock,
 *       and a callback that throws is logged and does not stop the dispatcher.</li>
 * </ul>
 *
 * <p>Limit: inotify follows a watched directory that is renamed rather than deleted, so a
 * subscription keeps watching the renamed directory until it is deleted.
 */
public final class DirectoryWatchHub implements PathWatcher, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DirectoryWatchHub.class.getName());
    /** How often one attach follows a directory that appeared while an ancestor was registered. */
    private static final int MAX_DEEPER = 8;

    private final WatchService service;
    private final Thread dispatcher;
    /** The current registration of each directory path. */
    private final Map<Path, Watched> byDir = new HashMap<>();
    /**
     * Every registration not yet retired, including one replaced in {@link #byDir} after its
     * directory was deleted and made again, until the dispatcher has fired its subscriptions.
     */
    private final Map<WatchKey, Watched> byKey = new HashMap<>();
    private boolean closed;

    public DirectoryWatchHub() throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.dispatcher = Thread.ofVirtual().name("path watcher").start(this::dispatch);
    }

    /**
     * One registered directory. {@code dirs} holds the paths it was registered under: more than
     * one when two paths (a symbolic link and its target, say) name the same directory, which
     * the JDK answers with the same key.
     */
    private static final class Watched {
        final WatchKey key;
        final Set<Path> dirs = new HashSet<>();
        /** Subscriptions whose path is this directory: every entry's change fires them. */
        final Set<Sub> whole = new HashSet<>();
        /** Entry name to the subscriptions whose path is that entry or lies below it. */
        final Map<Path, Set<Sub>> byEntry = new HashMap<>();

        Watched(WatchKey key) {
            this.key = key;
        }

        boolean isEmpty() {
            return whole.isEmpty() && byEntry.isEmpty();
        }

        Set<Sub> all() {
            var all = new LinkedHashSet<>(whole);
            byEntry.values().forEach(all::addAll);
            return all;
        }
    }

    private final class Sub implements Subscription {
        final Path path;
        final Runnable onChange;
        /** Directory path to the registration this subscription relies on through it. */
        final Map<Path, Watched> dirs = new HashMap<>();
        volatile boolean cancelled;

        Sub(Path path, Runnable onChange) {
            this.path = path;
            this.onChange = onChange;
        }

        /** Stops the calls; one the dispatcher has already begun may still finish. */
        @Override
        public void close() {
            synchronized (DirectoryWatchHub.this) {
                if (!cancelled) {
                    cancelled = true;
                    Map.copyOf(dirs).forEach((dir, w) -> unindex(this, dir, w));
                    dirs.clear();
                }
            }
        }

        @Override
        public String toString() {
            return "subscription to " + path;
        }
    }

    @Override
    public Subscription subscribe(Path path, Runnable onChange) throws IOException {
        Objects.requireNonNull(onChange, "onChange");
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("not an absolute path: " + path);
        }
        var sub = new Sub(path.normalize(), onChange);
        synchronized (this) {
            if (closed) {
                throw new IOException("path watcher is closed");
            }
            try {
                attach(sub);
            } catch (IOException | RuntimeException e) {
                Map.copyOf(sub.dirs).forEach((dir, w) -> unindex(sub, dir, w));
                throw e;
            }
        }
        return sub;
    }

    /** Relies on the directories {@code sub}'s path needs now. Caller holds the lock. */
    private void attach(Sub sub) throws IOException {
        Path parent = sub.path.getParent();
        if (parent != null) {
            relyOnNearest(sub, parent);
        }
        if (Files.isDirectory(sub.path)) {
            try {
                rely(sub, sub.path);
            } catch (NoSuchFileException | NotDirectoryException e) {
                // Gone again since the check: the parent's watch reports that.
            }
        }
    }

    /**
     * Relies on {@code parent} or, while it is missing, its nearest existing ancestor. An
     * ancestor's child on the way to {@code parent} that appeared before the ancestor's watch was
     * in place would go unreported, so that is checked after registering, and followed (a few
     * times: directories that keep coming and going are then left to the ancestor's watch).
     */
    private void relyOnNearest(Sub sub, Path parent) throws IOException {
        Path anchor = parent;
        for (int deeper = 0; ; ) {
            try {
                rely(sub, anchor);
            } catch (NoSuchFileException | NotDirectoryException e) {
                anchor = anchor.getParent();
                if (anchor == null) {
                    throw e;
                }
                continue;
            }
            if (anchor.equals(parent) || deeper++ == MAX_DEEPER) {
                return;
            }
            Path next = anchor.resolve(parent.getName(anchor.getNameCount()));
            if (!Files.isDirectory(next)) {
                return;
            }
            Watched w = sub.dirs.remove(anchor);
            unindex(sub, anchor, w);
            anchor = parent;
        }
    }

    private void rely(Sub sub, Path dir) throws IOException {
        Watched w = byDir.get(dir);
        if (w == null || !w.key.isValid()) {
            WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            w = byKey.computeIfAbsent(key, Watched::new);
            w.dirs.add(dir);
            // A replaced registration stays in byKey until the dispatcher retires it.
            byDir.put(dir, w);
        }
        Watched before = sub.dirs.put(dir, w);
        if (before != null && before != w) {
            unindex(sub, dir, before);
        }
        if (dir.equals(sub.path)) {
            w.whole.add(sub);
        } else {
            w.byEntry.computeIfAbsent(sub.path.getName(dir.getNameCount()), name -> new HashSet<>()).add(sub);
        }
    }

    /** Removes {@code sub}'s reliance on {@code w} through {@code dir}; the last one cancels it. */
    private void unindex(Sub sub, Path dir, Watched w) {
        if (w == null) {
            return;
        }
        if (dir.equals(sub.path)) {
            w.whole.remove(sub);
        } else {
            Path name = sub.path.getName(dir.getNameCount());
            Set<Sub> subs = w.byEntry.get(name);
            if (subs != null && subs.remove(sub) && subs.isEmpty()) {
                w.byEntry.remove(name);
            }
        }
        if (w.isEmpty() && byKey.get(w.key) == w) {
            retire(w);
            w.key.cancel();
        }
    }

    private void retire(Watched w) {
        byKey.remove(w.key);
        w.dirs.forEach(dir -> byDir.remove(dir, w));
    }

    /** Moves {@code sub} to the directories its path needs now, keeping those it still needs. */
    private void reattach(Sub sub) throws IOException {
        var before = Map.copyOf(sub.dirs);
        sub.dirs.clear();
        try {
            attach(sub);
        } finally {
            before.forEach((dir, w) -> {
                if (sub.dirs.get(dir) != w) {
                    unindex(sub, dir, w);
                }
            });
        }
    }

    private void dispatch() {
        while (true) {
            WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            var fire = new LinkedHashSet<Sub>();
            synchronized (this) {
                if (closed) {
                    return;
                }
                var events = key.pollEvents();
                Watched w = byKey.get(key);
                if (w == null) {
                    key.reset();
                    continue;
                }
                for (WatchEvent<?> event : events) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        fire.addAll(w.all());
                    } else {
                        fire.addAll(w.whole);
                        fire.addAll(w.byEntry.getOrDefault((Path) event.context(), Set.of()));
                    }
                }
                if (!key.reset()) {
                    // The directory is gone: its subscriptions fall back to an ancestor.
                    fire.addAll(w.all());
                    retire(w);
                }
                for (Sub s : fire) {
                    if (s.cancelled) {
                        continue;
                    }
                    try {
                        reattach(s);
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.WARNING, s + " lost its watch: " + e);
                    }
                }
            }
            for (Sub s : fire) {
                if (!s.cancelled) {
                    try {
                        s.onChange.run();
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "callback of " + s + " failed", e);
                    }
                }
            }
        }
    }

    /** Number of directories registered now; for tests and diagnostics. */
    public synchronized int watchedDirectories() {
        return byKey.size();
    }

    /** Whether the dispatcher thread still runs; for tests. */
    boolean dispatching() {
        return dispatcher.isAlive();
    }

    /**
     * Stops all watching: no subscription is called after this returns (unless this is called
     * from a callback, which finishes), and the dispatcher thread has ended.
     */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            byKey.values().forEach(w -> w.all().forEach(s -> {
                s.cancelled = true;
                s.dirs.clear();
            }));
            byKey.clear();
            byDir.clear();
        }
        service.close();
        if (Thread.currentThread() != dispatcher) {
            try {
                dispatcher.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
