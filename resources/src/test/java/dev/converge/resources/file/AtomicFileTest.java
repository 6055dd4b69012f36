package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    @TempDir
    Path dir;

    /**
     * Many more writers than {@link AtomicFile#MAX_IN_FLIGHT}, all released at once: each waits for
     * a shared flush with its descriptors open, so without the bound they would all hold them.
     */
    @Test
    void manyConcurrentWritesHoldAtMostTheBoundOfDescriptors() throws Exception {
        int writers = AtomicFile.MAX_IN_FLIGHT * 6;
        var start = new CountDownLatch(1);
        var failures = new CopyOnWriteArrayList<String>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            Path target = dir.resolve("f" + i);
            byte[] content = ("file " + i + "\n").getBytes(StandardCharsets.UTF_8);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                    AtomicFile.write(target, content, 0640, null, null);
                } catch (IOException | InterruptedException e) {
                    failures.add(target + ": " + e);
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }

        assertThat(failures).isEmpty();
        assertThat(AtomicFile.inFlightPeak()).isBetween(1, AtomicFile.MAX_IN_FLIGHT);
        for (int i = 0; i < writers; i += 97) {
            assertThat(dir.resolve("f" + i)).hasContent("file " + i);
        }
        try (var entries = Files.list(dir)) {
            assertThat(entries.count()).as("no temporary file left").isEqualTo(writers);
        }
    }
}
