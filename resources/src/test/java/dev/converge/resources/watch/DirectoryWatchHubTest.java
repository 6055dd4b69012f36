package dev.converge.resources.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.converge.resources.PathWatcher.Subscription;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub on real directories and real inotify watches. Negative checks rely on the one
 * dispatcher handling one directory's events in order: once a later event's callback has run,
 * an earlier event that should have fired something has fired it.
 */
@Timeout(60)
class DirectoryWatchHubTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private DirectoryWatchHub hub;

    @BeforeEach
    void start() throws IOException {
        hub = new DirectoryWatchHub();
    }

    @AfterEach
    void stop() throws IOException {
        hub.close();
    }

    /** A subscription's call counter. */
    private static final class Calls implements Runnable {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void run() {
            count.incrementAndGet();
        }

        int get() {
            return count.get();
        }

        /** Waits until there has been a call since the count was {@code before}. */
        void awaitAfter(int before) {
            await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                    .until(() -> count.get() > before);
        }
    }

    private Calls watch(Path path) throws IOException {
        var calls = new Calls();
        hub.subscribe(path, calls);
        return calls;
    }

    private static Path write(Path p, String text) throws IOException {
        return Files.writeString(p, text);
    }

    @Test
    void modifyingAWatchedFileFires() throws Exception {
        Path f = write(dir.resolve("f"), "a");
        Calls calls = watch(f);

        write(f, "b");

        calls.awaitAfter(0);
    }

    @Test
    void chmodOfAWatchedFileFires() throws Exception {
        Path f = write(dir.resolve("f"), "a");
        Calls calls = watch(f);

        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));

        calls.awaitAfter(0);
    }

    @Test
    void deletingAWatchedFileFires() throws Exception {
        Path f = write(dir.resolve("f"), "a");
        Calls calls = watch(f);

        Files.delete(f);

        calls.awaitAfter(0);
    }

    @Test
    void creatingAWatchedFileByRenameFires() throws Exception {
        Path f = dir.resolve("f");
        Path tmp = write(dir.resolve(".f.tmp"), "new");
        Calls calls = watch(f);

        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);

        calls.awaitAfter(0);
    }

    @Test
    void renamingAWatchedFileAwayFires() throws Exception {
        Path f = write(dir.resolve("f"), "a");
        Calls calls = watch(f);

        Files.move(f, dir.resolve("g"), StandardCopyOption.ATOMIC_MOVE);

        calls.awaitAfter(0);
    }

    @Test
    void aSiblingsChangeDoesNotFire() throws Exception {
        Path quiet = write(dir.resolve("quiet"), "q");
        Path loud = write(dir.resolve("loud"), "l");
        Calls quietCalls = watch(quiet);
        Calls loudCalls = watch(loud);

        write(dir.resolve("sibling"), "s");
        write(loud, "changed");

        loudCalls.awaitAfter(0);
        assertThat(quietCalls.get()).isZero();
    }

    @Test
    void missingParentsAreFollowedStepByStepAndThenThePathIsWatchedDirectly() throws Exception {
        Path a = dir.resolve("a");
        Path b = a.resolve("b");
        Path c = b.resolve("c");
        Path f = c.resolve("f");
        Calls calls = watch(f);
        assertThat(hub.watchedDirectories()).isEqualTo(1);

        Files.createDirectory(a);
        calls.awaitAfter(0);
        int n = calls.get();
        Files.createDirectory(b);
        calls.awaitAfter(n);
        n = calls.get();
        Files.createDirectory(c);
        calls.awaitAfter(n);
        n = calls.get();
        write(f, "one");
        calls.awaitAfter(n);

        await().atMost(PATIENCE).until(() -> hub.watchedDirectories() == 1);
        n = calls.get();
        // Only a watch on c itself sees a content change of c/f.
        write(f, "two");
        calls.awaitAfter(n);
        n = calls.get();
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        calls.awaitAfter(n);
    }

    @Test
    void parentsMadeAllAtOnceAreFollowed() throws Exception {
        Path f = dir.resolve("x/y/z/f");
        Calls calls = watch(f);

        Files.createDirectories(f.getParent());
        calls.awaitAfter(0);
        int n = calls.get();
        write(f, "here");
        calls.awaitAfter(n);
        n = calls.get();
        write(f, "again");
        calls.awaitAfter(n);
    }

    @Test
    void deletingAndRecreatingTheParentKeepsTheSubscription() throws Exception {
        Path parent = Files.createDirectory(dir.resolve("p"));
        Path f = write(parent.resolve("f"), "a");
        Calls calls = watch(f);

        for (int round = 0; round < 3; round++) {
            int n = calls.get();
            Files.delete(f);
            Files.delete(parent);
            calls.awaitAfter(n);
            n = calls.get();
            Files.createDirectory(parent);
            write(f, "round " + round);
            calls.awaitAfter(n);
        }
        await().atMost(PATIENCE).until(() -> hub.watchedDirectories() == 1);
        int n = calls.get();
        write(f, "still watched");
        calls.awaitAfter(n);
    }

    @Test
    void deletingAnEmptyParentAndRecreatingItKeepsTheSubscription() throws Exception {
        Path parent = Files.createDirectory(dir.resolve("p"));
        Path f = parent.resolve("f");
        Calls calls = watch(f);

        // Only the parent's own watch sees this: it ends, and the subscription moves up.
        Files.delete(parent);
        calls.awaitAfter(0);
        int n = calls.get();
        Files.createDirectory(parent);
        calls.awaitAfter(n);
        n = calls.get();
        write(f, "back");
        calls.awaitAfter(n);
    }

    @Test
    void aSubscribedDirectoryFiresForItsEntries() throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));
        Calls calls = watch(d);

        Path entry = write(d.resolve("new"), "x");
        calls.awaitAfter(0);
        int n = calls.get();
        write(entry, "changed");
        calls.awaitAfter(n);
        n = calls.get();
        Files.delete(entry);
        calls.awaitAfter(n);
    }

    @Test
    void aSubscribedDirectoryDeletedAndRecreatedIsWatchedAgain() throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));
        Calls calls = watch(d);

        Files.delete(d);
        calls.awaitAfter(0);
        int n = calls.get();
        Files.createDirectory(d);
        calls.awaitAfter(n);
        await().atMost(PATIENCE).until(() -> hub.watchedDirectories() == 2);
        n = calls.get();
        write(d.resolve("inside"), "x");
        calls.awaitAfter(n);
    }

    @Test
    void aThousandFilesInOneDirectoryShareOneRegistration() throws Exception {
        var calls = new ArrayList<Calls>();
        var subs = new ArrayList<Subscription>();
        for (int i = 0; i < 1000; i++) {
            write(dir.resolve("f" + i), "x");
        }
        for (int i = 0; i < 1000; i++) {
            var c = new Calls();
            subs.add(hub.subscribe(dir.resolve("f" + i), c));
            calls.add(c);
        }
        assertThat(hub.watchedDirectories()).isEqualTo(1);

        write(dir.resolve("f500"), "changed");
        write(dir.resolve("f999"), "changed");

        calls.get(999).awaitAfter(0);
        assertThat(calls.get(500).get()).isPositive();
        for (int i = 0; i < 999; i++) {
            if (i != 500) {
                assertThat(calls.get(i).get()).as("calls of f%d", i).isZero();
            }
        }

        subs.subList(0, 999).forEach(Subscription::close);
        assertThat(hub.watchedDirectories()).isEqualTo(1);
        subs.get(999).close();
        assertThat(hub.watchedDirectories()).isZero();
    }

    @Test
    void closingASubscriptionStopsItsCallsAndReleasesTheDirectory() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path f = write(sub.resolve("f"), "a");
        Path g = write(dir.resolve("g"), "b");
        var fCalls = new Calls();
        Subscription fSub = hub.subscribe(f, fCalls);
        Calls gCalls = watch(g);
        assertThat(hub.watchedDirectories()).isEqualTo(2);

        fSub.close();
        fSub.close();

        assertThat(hub.watchedDirectories()).isEqualTo(1);
        write(f, "changed");
        Files.delete(f);
        Files.delete(sub);
        write(g, "changed");
        gCalls.awaitAfter(0);
        assertThat(fCalls.get()).isZero();
    }

    @Test
    void twoPathsNamingOneDirectoryShareItsRegistration() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        Path f = write(real.resolve("f"), "a");
        Path g = write(real.resolve("g"), "b");
        Calls fCalls = watch(f);
        var gCalls = new Calls();
        Subscription gSub = hub.subscribe(link.resolve("g"), gCalls);
        assertThat(hub.watchedDirectories()).isEqualTo(1);

        write(f, "changed");
        write(g, "changed");
        fCalls.awaitAfter(0);
        gCalls.awaitAfter(0);

        gSub.close();
        assertThat(hub.watchedDirectories()).isEqualTo(1);
        int n = fCalls.get();
        write(f, "again");
        fCalls.awaitAfter(n);
    }

    @Test
    void aThrowingCallbackDoesNotStopTheDispatcher() throws Exception {
        Path bad = write(dir.resolve("bad"), "a");
        Path good = write(dir.resolve("good"), "b");
        var thrown = new AtomicInteger();
        hub.subscribe(bad, () -> {
            thrown.incrementAndGet();
            throw new IllegalStateException("boom");
        });
        Calls goodCalls = watch(good);

        write(bad, "changed");
        await().atMost(PATIENCE).until(() -> thrown.get() > 0);
        write(good, "changed");

        goodCalls.awaitAfter(0);
        assertThat(hub.dispatching()).isTrue();
    }

    @Test
    void closeEndsTheDispatcherAndAllCalls() throws Exception {
        Path f = write(dir.resolve("f"), "a");
        var calls = new Calls();
        Subscription sub = hub.subscribe(f, calls);

        hub.close();

        assertThat(hub.dispatching()).isFalse();
        assertThat(hub.watchedDirectories()).isZero();
        sub.close();
        hub.close();
        assertThatThrownBy(() -> hub.subscribe(f, calls)).isInstanceOf(IOException.class);
        write(f, "changed");
        assertThat(calls.get()).isZero();
    }

    @Test
    void relativePathsAreRejected() {
        assertThatThrownBy(() -> hub.subscribe(Path.of("relative"), () -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void manySubscribersOfOnePathAllFire() throws Exception {
        Path f = write(dir.resolve("f"), "a");
        List<Calls> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.add(watch(f));
        }

        write(f, "b");

        for (Calls c : all) {
            c.awaitAfter(0);
        }
        assertThat(hub.watchedDirectories()).isEqualTo(1);
    }
}
