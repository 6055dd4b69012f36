package dev.converge.resources.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file is reported once a writer has closed it, or once it is renamed into place, never while
 * it is half written. "The watch has caught up" is shown by an event on another file of the
 * directory, which inotify delivers after the earlier ones.
 */
class WrittenFileWatchTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final AtomicInteger reports = new AtomicInteger();

    /** Closes a write to another file and waits until the watch has read it, and so everything before. */
    private static void catchUp(WrittenFileWatch watch, Path dir) throws Exception {
        int before = watch.eventsRead();
        Files.writeString(dir.resolve("other"), "x");
        await().atMost(WAIT).until(() -> watch.eventsRead() > before);
    }

    @Test
    void aFileWrittenInPlaceIsReportedWhenItsWriterClosesItNotBefore() throws Exception {
        Path graph = dir.resolve("graph.yaml");
        try (var watch = new WrittenFileWatch(graph, reports::incrementAndGet)) {
            try (OutputStream out = Files.newOutputStream(graph)) {
                out.write("graph: g\nresources:\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                catchUp(watch, dir);
                assertThat(reports).as("half written, still open").hasValue(0);
                out.write("  noop:\n  - name: n\n".getBytes(StandardCharsets.UTF_8));
            }
            await().atMost(WAIT).until(() -> reports.get() == 1);
            catchUp(watch, dir);
            assertThat(reports).as("one close, one report; the other file is not reported").hasValue(1);
        }
    }

    @Test
    void aFileRenamedIntoPlaceIsReported() throws Exception {
        Path graph = dir.resolve("graph.yaml");
        try (var watch = new WrittenFileWatch(graph, reports::incrementAndGet)) {
            Path tmp = Files.writeString(dir.resolve(".graph.yaml.tmp"), "graph: g\n");
            catchUp(watch, dir);
            assertThat(reports).as("the temporary file's close is not the graph's").hasValue(0);

            Files.move(tmp, graph, StandardCopyOption.ATOMIC_MOVE);

            await().atMost(WAIT).until(() -> reports.get() == 1);
        }
    }

    @Test
    void nothingIsReportedAfterClose() throws Exception {
        Path graph = dir.resolve("graph.yaml");
        var watch = new WrittenFileWatch(graph, reports::incrementAndGet);
        Files.writeString(graph, "one");
        await().atMost(WAIT).until(() -> reports.get() == 1);

        watch.close();
        Files.writeString(graph, "two");

        assertThat(watch.eventsRead()).as("the closed watch reads nothing more").isEqualTo(1);
        assertThat(reports).hasValue(1);
    }
}
