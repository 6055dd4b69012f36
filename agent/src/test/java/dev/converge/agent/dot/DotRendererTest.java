package dev.converge.agent.dot;

import static dev.converge.agent.dot.Fixtures.demo;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.agent.dot.DotRenderer.DotNotInstalledException;
import dev.converge.agent.dot.DotRenderer.RenderException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real {@code dot}: these tests fail, saying how to install it, when it is missing. */
class DotRendererTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path dir;

    private final String plan = PlanDrawing.plan(demo());

    @Test
    void writesSvg() throws Exception {
        Path out = dir.resolve("plan.svg");
        new DotRenderer().render(plan, out);
        String svg = Files.readString(out, UTF_8);
        assertThat(svg.startsWith("<?xml") || svg.contains("<svg")).as(svg).isTrue();
        assertThat(svg).contains("noop[install]");
        assertThat(filesIn(dir)).containsExactly("plan.svg");
    }

    @Test
    void writesPng() throws Exception {
        Path out = dir.resolve("plan.png");
        new DotRenderer().render(plan, out);
        byte[] png = Files.readAllBytes(out);
        assertThat(Arrays.copyOf(png, PNG_MAGIC.length)).isEqualTo(PNG_MAGIC);
        assertThat(filesIn(dir)).containsExactly("plan.png");
    }

    @Test
    void writesPdf() throws Exception {
        Path out = dir.resolve("plan.pdf");
        new DotRenderer().render(plan, out);
        assertThat(new String(Files.readAllBytes(out), 0, 5, UTF_8)).isEqualTo("%PDF-");
    }

    @Test
    void extensionIsCaseInsensitive() throws Exception {
        Path out = dir.resolve("PLAN.SVG");
        new DotRenderer().render(plan, out);
        assertThat(Files.readString(out, UTF_8)).contains("<svg");
    }

    @Test
    void dotExtensionWritesTheTextAsIs() throws Exception {
        Path out = dir.resolve("plan.dot");
        Files.writeString(out, "old contents");
        new DotRenderer().render(plan, out);
        assertThat(Files.readString(out, UTF_8)).isEqualTo(plan);
        assertThat(filesIn(dir)).containsExactly("plan.dot");
    }

    @Test
    void renderingReplacesAnExistingFileAndKeepsItsPermissions() throws Exception {
        Path out = dir.resolve("plan.svg");
        Files.writeString(out, "old contents");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-rw----"));
        new DotRenderer().render(plan, out);
        assertThat(Files.readString(out, UTF_8)).contains("<svg");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-rw----");
    }

    @Test
    void writeDotReplacesAtomicallyWithOrdinaryPermissions() throws Exception {
        Path out = dir.resolve("graph.txt");
        DotRenderer.writeDot("digraph \"a\" {\n}\n", out);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-r--r--");
        DotRenderer.writeDot(plan, out);
        assertThat(Files.readString(out, UTF_8)).isEqualTo(plan);
        assertThat(filesIn(dir)).containsExactly("graph.txt");
    }

    @Test
    void unsupportedExtensionNamesTheSupportedOnes() throws Exception {
        Path out = dir.resolve("plan.jpg");
        assertThatThrownBy(() -> new DotRenderer().render(plan, out))
                .isInstanceOf(RenderException.class)
                .hasMessage("cannot draw the graph to " + out + ": unsupported extension .jpg;"
                        + " use one of .svg, .png, .pdf, .dot");
        assertThatThrownBy(() -> DotRenderer.checkSupported(Path.of("plan")))
                .isInstanceOf(RenderException.class)
                .hasMessage("cannot draw the graph to plan: it has no file extension; use one of .svg, .png, .pdf, .dot");
        assertThat(filesIn(dir)).isEmpty();
        assertThat(DotRenderer.supportedExtensions()).containsExactly("svg", "png", "pdf", "dot");
    }

    @Test
    void missingDotSaysHowToInstallIt() throws Exception {
        for (String command : List.of("converge-test-no-such-dot", dir.resolve("bin/dot").toString())) {
            var renderer = new DotRenderer(command, DotRenderer.DEFAULT_TIMEOUT);
            assertThatThrownBy(() -> renderer.render(plan, dir.resolve("plan.svg")))
                    .isInstanceOf(DotNotInstalledException.class)
                    .hasMessage("graphviz's dot is not installed; install it with `apt-get install graphviz`"
                            + " (or write .dot output)");
            assertThatThrownBy(renderer::version).isInstanceOf(DotNotInstalledException.class);
        }
        assertThat(filesIn(dir)).isEmpty();

        // .dot output needs no dot binary.
        new DotRenderer("converge-test-no-such-dot", DotRenderer.DEFAULT_TIMEOUT).render(plan, dir.resolve("p.dot"));
        assertThat(Files.readString(dir.resolve("p.dot"), UTF_8)).isEqualTo(plan);
    }

    @Test
    void dotFailureReportsItsErrorsAndLeavesTheTargetAlone() throws Exception {
        Path out = dir.resolve("plan.svg");
        Files.writeString(out, "previous drawing");
        assertThatThrownBy(() -> new DotRenderer().render("digraph { a -> }\n", out))
                .isInstanceOf(RenderException.class)
                .hasMessageStartingWith("dot -Tsvg failed with exit code 1: ")
                .hasMessageContaining("syntax error");
        assertThat(Files.readString(out, UTF_8)).isEqualTo("previous drawing");
        assertThat(filesIn(dir)).containsExactly("plan.svg");
    }

    @Test
    void dotRunningPastTheTimeoutIsKilled() throws Exception {
        Path fake = dir.resolve("slow-dot");
        Files.writeString(fake, "#!/bin/sh\nexec sleep 30\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        Path out = dir.resolve("plan.svg");

        long started = System.nanoTime();
        assertThatThrownBy(() -> new DotRenderer(fake.toString(), Duration.ofMillis(300)).render(plan, out))
                .isInstanceOf(RenderException.class)
                .hasMessage("dot did not finish within 300 ms and was killed");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(filesIn(dir)).containsExactly("slow-dot");
    }

    @Test
    void versionNamesGraphviz() throws Exception {
        assertThat(new DotRenderer().version()).contains("graphviz version");
    }

    @Test
    void timeoutMustBePositive() {
        assertThatThrownBy(() -> new DotRenderer("dot", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<String> filesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
