package dev.converge.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class cache, laid out as {@code make install} does:
 * bin/{agent,layout,find-jdk,aot-train,jvm-defaults} and agent.jar beside bin/. aot-train writes the
 * cache; the launcher starts the JVM from it while it is newer than the jar, and without it once the
 * jar is replaced.
 */
class StartupCacheTest {

    private static final Path AGENT_MODULE = Path.of("..", "agent").toAbsolutePath().normalize();

    @TempDir
    static Path install;

    private static Path graph;

    @BeforeAll
    static void layOut() throws IOException {
        Files.createDirectories(install.resolve("bin"));
        for (String script : List.of("agent", "layout", "find-jdk", "aot-train", "jvm-defaults")) {
            Path copy = install.resolve("bin").resolve(script);
            Files.copy(AGENT_MODULE.resolve("bin").resolve(script), copy);
            copy.toFile().setExecutable(true);
        }
        Files.copy(AGENT_MODULE.resolve("target/agent.jar"), install.resolve("agent.jar"));
        graph = Files.writeString(install.resolve("one.yaml"), "graph: one\nresources:\n  noop:\n  - name: only\n");
    }

    @Test
    void launcherStartsFromTheTrainedCacheUntilTheJarChanges() throws Exception {
        Result trained = run(List.of(install.resolve("bin/aot-train").toString()), Map.of());
        assertThat(trained.exit()).as(trained.output()).isZero();
        Path cache = install.resolve("agent.aot");
        assertThat(cache).isRegularFile();
        try (var names = Files.list(install)) {
            assertThat(names.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }

        Result cached = agent();
        assertThat(cached.exit()).as(cached.output()).isZero();
        assertThat(cached.output()).contains("Opened AOT cache")
                .contains("valid: 1 resources");

        Files.setLastModifiedTime(install.resolve("agent.jar"),
                FileTime.fromMillis(Files.getLastModifiedTime(cache).toMillis() + 2_000));
        Result stale = agent();
        assertThat(stale.exit()).as(stale.output()).isZero();
        assertThat(stale.output()).doesNotContain(cache.toString()).contains("valid: 1 resources");
    }

    /** {@code agent validate}, with the JVM's cache log turned back on to show which cache it opened. */
    private static Result agent() throws Exception {
        String log = "-Xlog:aot=info";
        return run(List.of(install.resolve("bin/agent").toString(), "validate", "--file", graph.toString()),
                Map.of("CONVERGE_JAVA_OPTS", log));
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> command, Map<String, String> env) throws Exception {
        Path log = Files.createTempFile(install, "run", ".log");
        var builder = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish: " + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log));
    }
}
