package dev.converge.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.graph.GraphSnapshot;
import dev.converge.agent.graph.Planner;
import dev.converge.agent.yaml.GraphLoader;
import dev.converge.resources.Kinds;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.ScratchAccounts;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graph that creates a user, runs a command as it and gives it a file, with no edge declared:
 * the planner's account autoedges put the user first, and the engine applies it so on the real
 * host. Root only (a scratch {@code cvt} user, removed afterwards); fails under CI when not root.
 */
@Timeout(120)
class EngineAccountsTest {

    @TempDir
    Path dir;

    private final ScratchAccounts scratch = new ScratchAccounts();

    @BeforeEach
    void asRoot() {
        ScratchAccounts.requireRoot();
    }

    @AfterEach
    void removeTheUser() throws Exception {
        scratch.close();
    }

    @Test
    void theUserIsCreatedBeforeTheCommandThatRunsAsItAndTheFileItOwns() throws Exception {
        String name = scratch.name();
        long uid = scratch.freeId();
        Path home = dir.resolve(name);
        GraphSnapshot declared = new GraphLoader(Kinds.builtIn()).parse("accounts.yaml", """
                resources:
                  exec:
                  - name: whoami
                    cmd: id -un
                    user: %1$s
                  file:
                  - name: %2$s/owned
                    content: "x\\n"
                    owner: %1$s
                  user:
                  - name: %1$s
                    uid: %3$d
                    homedir: %4$s
                """.formatted(name, dir, uid, home)).snapshot();
        ResourceId user = ResourceId.of("user", name);
        ResourceId exec = ResourceId.of("exec", "whoami");
        ResourceId file = ResourceId.of("file", dir + "/owned");

        GraphSnapshot planned = Planner.plan(declared);
        assertThat(declared.edges()).isEmpty();
        assertThat(planned.parents(exec)).containsExactly(user);
        assertThat(planned.parents(file)).containsExactly(user);

        var harness = new EngineHarness(new EngineOptions(false, 0, false));
        Map<ResourceId, Status> statuses = harness.runToConvergence(planned);

        assertThat(statuses).containsEntry(user, Status.CHANGED).containsEntry(exec, Status.CHANGED)
                .containsEntry(file, Status.CHANGED);
        List<EngineEvent> order = harness.events.stream()
                .filter(e -> e instanceof EngineEvent.Started || e instanceof EngineEvent.Finished).toList();
        int userDone = indexOf(order, EngineEvent.Finished.class, user);
        assertThat(indexOf(order, EngineEvent.Started.class, exec)).isGreaterThan(userDone);
        assertThat(indexOf(order, EngineEvent.Started.class, file)).isGreaterThan(userDone);
        assertThat(harness.eventsOf(EngineEvent.Output.class)).filteredOn(o -> o.id().equals(exec)).singleElement()
                .isEqualTo(new EngineEvent.Output(exec, "stdout", name));
        assertThat(Files.isDirectory(home)).isTrue();
        assertThat(Files.getAttribute(dir.resolve("owned"), "unix:uid", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo((int) uid);
    }

    private static int indexOf(List<EngineEvent> events, Class<? extends EngineEvent> type, ResourceId id) {
        for (int i = 0; i < events.size(); i++) {
            EngineEvent e = events.get(i);
            ResourceId of = e instanceof EngineEvent.Started s ? s.id() : ((EngineEvent.Finished) e).id();
            if (type.isInstance(e) && of.equals(id)) {
                return i;
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " of " + id + " in " + events);
    }
}
