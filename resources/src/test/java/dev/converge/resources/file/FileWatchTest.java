package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.resources.PathWatcher;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceId;
import dev.converge.resources.watch.DirectoryWatchHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code watch} on real files and the real shared watcher, and drift repaired as the engine would. */
@Timeout(60)
class FileWatchTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private DirectoryWatchHub hub;
    private final List<Thread> watchers = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        hub = new DirectoryWatchHub();
    }

    @AfterEach
    void stop() throws Exception {
        for (Thread t : watchers) {
            t.interrupt();
            t.join();
        }
        hub.close();
    }

    /** The context of one resource: the shared hub, counted calls, events as permits. */
    private final class Context implements ResourceContext {
        final ResourceId id;
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger events = new AtomicInteger();
        final Semaphore pending = new Semaphore(0);
        final List<String> warnings = new ArrayList<>();

        Context(ResourceId id) {
            this.id = id;
        }

        @Override
        public ResourceId id() {
            return id;
        }

        @Override
        public void log(String message) {
        }

        @Override
        public synchronized void warn(String message) {
            warnings.add(message);
        }

        @Override
        public void output(String stream, String line) {
        }

        @Override
        public void running() {
            running.incrementAndGet();
        }

        @Override
        public void event() {
            events.incrementAndGet();
            pending.release();
        }

        @Override
        public PathWatcher paths() {
            return hub;
        }

        @Override
        public boolean refreshing() {
            return false;
        }

        void awaitEventAfter(int before) {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> events.get() > before);
        }
    }

    private static Resource resource(String path, FileParams params) {
        return new FileKind().create(path, params.withPath(path));
    }

    /** Runs {@code r.watch} on a virtual thread, as the engine does, and waits until it is running. */
    private Thread watch(Resource r, Context ctx, AtomicReference<Throwable> failure) {
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                r.watch(ctx);
            } catch (InterruptedException e) {
                // Stopped by the test.
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        watchers.add(t);
        return t;
    }

    @Test
    void editsChmodsAndDeletesAreEventsAndInterruptEndsTheWatch() throws Exception {
        Path f = tmp.resolve("motd");
        Resource r = resource(f.toString(), FileParams.DEFAULTS.withContent("hello\n"));
        var ctx = new Context(r.id());
        r.checkApply(ctx, true);
        var failure = new AtomicReference<Throwable>();
        Thread t = watch(r, ctx, failure);
        await().atMost(PATIENCE).until(() -> ctx.running.get() == 1);

        int n = ctx.events.get();
        Files.writeString(f, "edited");
        ctx.awaitEventAfter(n);
        n = ctx.events.get();
        Files.setAttribute(f, "unix:mode", 0600);
        ctx.awaitEventAfter(n);
        n = ctx.events.get();
        Files.delete(f);
        ctx.awaitEventAfter(n);

        t.interrupt();
        t.join();
        assertThat(failure.get()).isNull();
        assertThat(hub.watchedDirectories()).isZero();
        assertThat(ctx.running.get()).isEqualTo(1);
    }

    @Test
    void driftIsRepairedAsTheEngineWould() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("etc"));
        Path f = dir.resolve("motd");
        Resource r = resource(f.toString(), FileParams.DEFAULTS.withContent("managed\n").withMode("u=rw,go=r"));
        var ctx = new Context(r.id());
        var failure = new AtomicReference<Throwable>();
        watch(r, ctx, failure);
        Thread engine = Thread.ofVirtual().start(() -> {
            try {
                r.checkApply(ctx, true);
                while (true) {
                    ctx.pending.acquire();
                    ctx.pending.drainPermits();
                    r.checkApply(ctx, true);
                }
            } catch (InterruptedException e) {
                // Stopped by the test.
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        watchers.add(engine);
        await().atMost(PATIENCE).until(() -> ctx.running.get() == 1 && Files.exists(f));

        Files.delete(f);
        await().atMost(PATIENCE).until(() -> Files.exists(f) && Files.readString(f).equals("managed\n"));
        Files.writeString(f, "local edit");
        await().atMost(PATIENCE).until(() -> Files.readString(f).equals("managed\n"));
        Files.setAttribute(f, "unix:mode", 0666);
        await().atMost(PATIENCE).until(() -> ((Integer) Files.getAttribute(f, "unix:mode") & 07777) == 0644);
        assertThat(failure.get()).isNull();
    }

    @Test
    void aCopiedTreeWatchesItsDirectoriesIncludingNewOnes() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/sub"));
        Files.writeString(src.resolve("f"), "x");
        Path dst = tmp.resolve("dst");
        Resource r = resource(dst + "/", FileParams.DEFAULTS.withSource(tmp.resolve("src") + "/")
                .withFlags(true, false, true));
        var ctx = new Context(r.id());
        r.checkApply(ctx, true);
        var failure = new AtomicReference<Throwable>();
        watch(r, ctx, failure);
        await().atMost(PATIENCE).until(() -> ctx.running.get() == 1);
        int registered = hub.watchedDirectories();

        int n = ctx.events.get();
        Files.writeString(dst.resolve("sub/f"), "edited deep in the copy");
        ctx.awaitEventAfter(n);

        Path fresh = Files.createDirectory(dst.resolve("fresh"));
        await().atMost(PATIENCE).until(() -> hub.watchedDirectories() > registered);
        n = ctx.events.get();
        Files.writeString(fresh.resolve("inside"), "only a watch on fresh/ sees this");
        ctx.awaitEventAfter(n);

        n = ctx.events.get();
        Files.writeString(tmp.resolve("src/sub/new-in-source"), "y");
        ctx.awaitEventAfter(n);
        assertThat(failure.get()).isNull();
    }

    @Test
    void manyFileResourcesShareOneRegistrationAndNoThreadsOfTheirOwn() throws Exception {
        int count = 2000;
        var contexts = new ArrayList<Context>();
        var failure = new AtomicReference<Throwable>();
        for (int i = 0; i < count; i++) {
            Path f = Files.writeString(tmp.resolve("f" + i), "x");
            Resource r = resource(f.toString(), FileParams.DEFAULTS.withContent("x"));
            var ctx = new Context(r.id());
            contexts.add(ctx);
        }
        int threadsBefore = Thread.activeCount();
        for (int i = 0; i < count; i++) {
            Path f = tmp.resolve("f" + i);
            watch(resource(f.toString(), FileParams.DEFAULTS.withContent("x")), contexts.get(i), failure);
        }
        await().atMost(PATIENCE).until(() -> contexts.stream().allMatch(c -> c.running.get() == 1));

        assertThat(hub.watchedDirectories()).isEqualTo(1);
        assertThat(Thread.activeCount()).as("platform threads, far fewer than resources")
                .isLessThan(threadsBefore + 50);
        Files.writeString(tmp.resolve("f7"), "drift");
        Files.writeString(tmp.resolve("f1999"), "drift");
        contexts.get(1999).awaitEventAfter(0);
        assertThat(contexts.get(7).events.get()).isPositive();
        assertThat(contexts.stream().mapToInt(c -> c.events.get()).filter(e -> e > 0).count()).isEqualTo(2);

        for (Thread t : watchers) {
            t.interrupt();
            t.join();
        }
        watchers.clear();
        assertThat(hub.watchedDirectories()).isZero();
        assertThat(failure.get()).isNull();
    }
}
