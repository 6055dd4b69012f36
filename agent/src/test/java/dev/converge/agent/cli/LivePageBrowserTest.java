package dev.converge.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live plan page in a real browser (Debian's Chromium, headless): the node of a running exec
 * turns from running to changed in the DOM as the agent runs it, and the page is saved as
 * {@code target/live-page.png} for people to look at.
 */
class LivePageBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Where the screenshot goes, under the module's build directory. */
    static final Path SCREENSHOT = Path.of("target", "live-page.png");

    @TempDir
    Path dir;

    @BeforeAll
    static void chromiumIsThere() {
        if (!Files.isExecutable(HeadlessChromium.BINARY)) {
            String ci = System.getenv("CI");
            String why = HeadlessChromium.BINARY + " is missing; `make test-deps` installs Debian's chromium";
            if (ci != null && !ci.isEmpty() && !ci.equals("false")) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
    }

    private static String stateOf(HeadlessChromium browser, String id) throws Exception {
        return browser.evaluate("document.querySelector('g.node[data-id=\"" + id + "\"]')?.getAttribute('data-state')");
    }

    @Test
    void aRunningNodeTurnsChangedInThePage() throws Exception {
        Path graph = LivePageTest.gatedGraph(dir);
        var agent = AgentProcess.start(dir, "run", "--file", graph.toString(), "--http", "0");
        try (var browser = HeadlessChromium.start(dir.resolve("profile"))) {
            URI base = LivePageTest.address(agent);
            browser.navigate(base);
            await().atMost(WAIT).until(() -> stateOf(browser, "exec[gate]").equals("running"));
            assertThat(stateOf(browser, "exec[after]")).isEqualTo("pending");
            assertThat(browser.evaluate("document.getElementById('summary').textContent"))
                    .startsWith("applying: 1 of 3 running");

            Files.createFile(dir.resolve("go"));
            await().atMost(WAIT).until(() -> stateOf(browser, "exec[gate]").equals("changed")
                    && stateOf(browser, "exec[after]").equals("changed"));
            assertThat(browser.evaluate("document.querySelector('g.node[data-id=\"exec[gate]\"] text.duration')"
                    + ".textContent")).matches("\\d+\\.\\d\\d s");
            await().atMost(WAIT).until(() -> browser.evaluate("document.getElementById('summary').textContent")
                    .startsWith("converged: 3 resources"));
            assertThat(browser.evaluate("document.getElementById('critical').textContent"))
                    .startsWith("exec[gate] → exec[after]");
            browser.evaluate("document.querySelector('g.node[data-id=\"exec[gate]\"]')"
                    + ".dispatchEvent(new MouseEvent('click', {bubbles: true}))");
            await().atMost(WAIT).until(() -> browser.evaluate("document.getElementById('detail').textContent")
                    .contains("Recent lines"));
            assertThat(browser.evaluate("document.getElementById('detail').textContent")).contains("shell")
                    .contains("changed in");

            browser.screenshot(SCREENSHOT);
            assertThat(Files.size(SCREENSHOT)).isGreaterThan(1000);
            agent.signal("TERM");
            assertThat(agent.await(WAIT).exit()).isEqualTo(143);
        } finally {
            agent.process().destroyForcibly();
        }
    }
}
