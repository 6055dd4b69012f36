package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.agent.converger.Converger;
import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.TestGraphs;
import dev.converge.resources.file.FileKind;
import dev.converge.resources.file.FileParams;
import dev.converge.resources.watch.DirectoryWatchHub;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Watching many resources is bounded: no platform thread and no inotify watch per resource. */
class EngineScaleTest {

    private static final int FILES = 10_000;

    @TempDir
    Path dir;

    @Test
    void tenThousandWatchedFilesInOneDirectoryShareOneWatchAndAFewPlatformThreads() throws Exception {
        var kind = new FileKind();
        var graph = TestGraphs.of(kind);
        for (int i = 0; i < FILES; i++) {
            String path = dir.resolve("f" + i).toString();
            graph.add(path, kind.defaults().withPath(path).withContent("file " + i + "\n"));
        }
        GraphSnapshot g = graph.build();
        int platformThreadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        var converger = new Converger(Duration.ofSeconds(-1), () -> { });
        var engine = new Engine(new EngineOptions(false, 0, true), e -> { }, converger);
        try {
            engine.start(g);
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> Files.exists(dir.resolve("f" + (FILES - 1)))
                            && engine.statuses().values().stream().allMatch(Status::succeeded));

            assertThat(((DirectoryWatchHub) engine.paths()).watchedDirectories()).isEqualTo(1);
            // Blocking file I/O on virtual threads makes the scheduler add carriers, up to its
            // maximum pool size (256 by default), never one per resource.
            assertThat(ManagementFactory.getThreadMXBean().getThreadCount() - platformThreadsBefore)
                    .as("platform threads added for %d resources", FILES).isLessThanOrEqualTo(256 + 8);

            Path last = dir.resolve("f" + (FILES - 1));
            Files.delete(last);
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(last));
            assertThat(Files.readString(last)).isEqualTo("file " + (FILES - 1) + "\n");
        } finally {
            engine.close();
            converger.close();
        }
    }
}
