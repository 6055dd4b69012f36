package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agent run --diff} end to end: a real agent process on files in a temporary directory. */
class RunDiffTest {

    private static final FileTime OLD = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));
    private static final String SECRET = "pa55-w0rd-NEW";
    private static final String OLD_SECRET = "pa55-w0rd-OLD";

    @TempDir
    Path dir;

    private Path graph;

    @BeforeEach
    void files() throws Exception {
        existing("motd", "line 1\nline 2\nline 3\n");
        existing("stale", "gone\n");
        existing("key", OLD_SECRET + "\n");
        graph = dir.resolve("graph.yaml");
        Files.writeString(graph, """
                graph: diff
                resources:
                  file:
                  - name: motd
                    path: DIR/motd
                    content: |
                      line 1
                      changed
                      line 3
                  - name: new
                    path: DIR/new.conf
                    content: "fresh\\n"
                  - name: stale
                    path: DIR/stale
                    state: absent
                  - name: key
                    path: DIR/key
                    content: "SECRET\\n"
                    sensitive: true
                    mode: "0600"
                """.replace("DIR", dir.toString()).replace("SECRET", SECRET));
        Files.setLastModifiedTime(graph, OLD);
    }

    private void existing(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, OLD);
    }

    /** Every entry of the directory (the agent's captured output aside) with its content and mtime. */
    private Map<String, String> disk() throws Exception {
        var state = new TreeMap<String, String>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith("stdout") && !name.startsWith("stderr")) {
                    state.put(name, Files.getLastModifiedTime(p) + " " + Files.readString(p));
                }
            }
        }
        return state;
    }

    /** The index of the first line that starts with {@code resource} and ends with {@code changes}. */
    private static int indexOf(List<String> lines, String resource, String changes) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(resource) && lines.get(i).endsWith(": " + changes)) {
                return i;
            }
        }
        throw new AssertionError("no line of " + resource + " ending with " + changes + " in " + lines);
    }

    private static void assertNoSecret(AgentProcess.Result result) {
        assertThat(result.stderr() + result.stdout()).doesNotContain(SECRET).doesNotContain(OLD_SECRET)
                .doesNotContain("pa55");
    }

    @Test
    void noopWithDiffPrintsEveryContentChangeAndChangesNothingOnDisk() throws Exception {
        Map<String, String> before = disk();

        var plain = AgentProcess.run(dir, "run", "-f", graph.toString(), "--converged-timeout=0", "--no-watch",
                "--noop");
        var result = AgentProcess.run(dir, "run", "-f", graph.toString(), "--converged-timeout=0", "--no-watch",
                "--noop", "--diff");

        assertThat(plain.exit()).as(plain.stderr()).isZero();
        assertThat(plain.stderr()).as("no diff without --diff").doesNotContain(" | ");
        assertThat(result.exit()).as(result.stderr()).isZero();
        List<String> lines = result.stderr().lines().map(l -> l.substring(13)).toList();
        Path motd = dir.resolve("motd");
        int change = indexOf(lines, "file[motd]", "content (21 -> 22 bytes)");
        assertThat(lines.subList(change + 1, change + 8)).as(result.stderr()).containsExactly(
                "file[motd] | --- " + motd, "file[motd] | +++ " + motd, "file[motd] | @@ -1,3 +1,3 @@",
                "file[motd] |  line 1", "file[motd] | -line 2", "file[motd] | +changed", "file[motd] |  line 3");
        assertThat(lines.get(change + 8)).doesNotStartWith("file[motd] |");
        int create = indexOf(lines, "file[new]", "create (6 bytes, mode 0644)");
        assertThat(lines.subList(create + 1, create + 5)).containsExactly(
                "file[new] | --- /dev/null", "file[new] | +++ " + dir.resolve("new.conf"), "file[new] | @@ -0,0 +1 @@",
                "file[new] | +fresh");
        int remove = indexOf(lines, "file[stale]", "remove");
        assertThat(lines.subList(remove + 1, remove + 5)).containsExactly(
                "file[stale] | --- " + dir.resolve("stale"), "file[stale] | +++ /dev/null",
                "file[stale] | @@ -1 +0,0 @@", "file[stale] | -gone");
        int key = indexOf(lines, "file[key]", "content changed (sensitive), mode 0644 -> 0600");
        assertThat(lines.get(key + 1)).isEqualTo("file[key] | content changed (sensitive)");
        assertNoSecret(result);
        assertThat(disk()).as("nothing written, nothing touched").isEqualTo(before);
    }

    @Test
    void groupedOutputPutsTheDiffInTheResourcesBlockOfARealRun() throws Exception {
        var result = AgentProcess.run(dir, "run", "-f", graph.toString(), "--converged-timeout=0", "--no-watch",
                "--output=grouped", "--diff");

        assertThat(result.exit()).as(result.stderr()).isZero();
        List<String> lines = result.stderr().lines().map(l -> l.substring(13)).toList();
        int start = lines.indexOf("file[motd] start");
        assertThat(start).as(result.stderr()).isNotNegative();
        assertThat(lines.get(start + 1)).startsWith("file[motd] changed in ").endsWith(": content (21 -> 22 bytes)");
        assertThat(lines.subList(start + 2, start + 9)).containsExactly(
                "file[motd] | --- " + dir.resolve("motd"), "file[motd] | +++ " + dir.resolve("motd"),
                "file[motd] | @@ -1,3 +1,3 @@", "file[motd] |  line 1", "file[motd] | -line 2", "file[motd] | +changed",
                "file[motd] |  line 3");
        assertThat(lines.get(start + 9)).doesNotStartWith("file[motd]");
        assertThat(Files.readString(dir.resolve("motd"))).isEqualTo("line 1\nchanged\nline 3\n");
        assertThat(dir.resolve("stale")).doesNotExist();
        assertThat(Files.readString(dir.resolve("key"))).isEqualTo(SECRET + "\n");
        assertNoSecret(result);
    }

    @Test
    void jsonCarriesTheDiffAsAnArrayOnTheResultObjectAndNoLineOfItsOwn() throws Exception {
        var result = AgentProcess.run(dir, "run", "-f", graph.toString(), "--converged-timeout=0", "--no-watch",
                "--noop", "--diff", "--log-format=json");

        assertThat(result.exit()).as(result.stderr()).isZero();
        var mapper = new ObjectMapper();
        var events = new ArrayList<JsonNode>();
        for (String line : result.stderr().lines().toList()) {
            JsonNode node = mapper.readTree(line);
            assertThat(node.isObject()).as(line).isTrue();
            events.add(node);
        }
        assertThat(events).noneMatch(e -> e.path("event").asText().equals("diff"));
        assertThat(diffOf(events, "file[motd]")).containsExactly("--- " + dir.resolve("motd"),
                "+++ " + dir.resolve("motd"), "@@ -1,3 +1,3 @@", " line 1", "-line 2", "+changed", " line 3");
        assertThat(diffOf(events, "file[key]")).containsExactly("content changed (sensitive)");
        assertThat(events).filteredOn(e -> e.path("resource").asText().equals("file[motd]"))
                .filteredOn(e -> e.has("diff")).hasSize(1);
        assertNoSecret(result);
    }

    /** The {@code diff} array of the one event of {@code resource} that has one. */
    private static List<String> diffOf(List<JsonNode> events, String resource) {
        JsonNode event = events.stream().filter(e -> e.path("resource").asText().equals(resource) && e.has("diff"))
                .findFirst().orElseThrow(() -> new AssertionError("no diff for " + resource + " in " + events));
        assertThat(event.get("diff").isArray()).as(event.toString()).isTrue();
        var lines = new ArrayList<String>();
        event.get("diff").forEach(n -> lines.add(n.asText()));
        return lines;
    }
}
