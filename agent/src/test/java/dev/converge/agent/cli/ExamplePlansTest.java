package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every {@code examples/X.yaml} is valid and {@code graphs/X.dot} is exactly what {@code agent graph} draws of it. */
class ExamplePlansTest {

    static final Path REPO = Path.of(System.getProperty("converge.repo", "..")).toAbsolutePath().normalize();

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(REPO.resolve("examples"))) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void checkedInPlanMatchesAgentGraph(Path example) throws IOException {
        String name = example.getFileName().toString().replaceFirst("\\.yaml$", "");
        Path plan = REPO.resolve("graphs").resolve(name + ".dot");
        var drawn = CommandsTest.agent("graph", "--file", example.toString());

        assertThat(drawn.exit()).as(drawn.err()).isZero();
        assertThat(plan).as("graphs/%s.dot; regenerate with: agent/bin/agent graph --file examples/%s.yaml > graphs/%s.dot",
                name, name, name).exists();
        assertThat(drawn.out()).isEqualTo(Files.readString(plan));
    }

    @Test
    void everyCheckedInPlanHasItsExample() throws IOException {
        try (Stream<Path> plans = Files.list(REPO.resolve("graphs"))) {
            assertThat(plans.map(p -> p.getFileName().toString().replaceFirst("\\.dot$", ".yaml")))
                    .isNotEmpty()
                    .allSatisfy(yaml -> assertThat(REPO.resolve("examples").resolve(yaml)).exists());
        }
    }
}
