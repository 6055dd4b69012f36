package dev.converge.resources.account;

import static dev.converge.resources.testing.ScratchAccounts.entry;
import static dev.converge.resources.testing.ScratchAccounts.groupExists;
import static dev.converge.resources.testing.ScratchAccounts.userExists;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.converge.resources.CheckResult;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import dev.converge.resources.testing.ScratchAccounts;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user and group kinds against the host's real shadow-utils, as root: every account is a
 * scratch one ({@link ScratchAccounts}: a {@code cvt} name, an id above the normal users'),
 * removed after each test whatever happened, and every home directory lies in a temporary
 * directory. Skipped when not root; fails under CI instead.
 */
@Timeout(120)
class AccountsOnHostTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final ScratchAccounts scratch = new ScratchAccounts();
    private RecordingContext ctx;
    private Thread watcher;

    @BeforeEach
    void asRoot() {
        ScratchAccounts.requireRoot();
    }

    @AfterEach
    void removeEverything() throws Exception {
        try {
            if (watcher != null) {
                watcher.interrupt();
                watcher.join(PATIENCE);
            }
            if (ctx != null) {
                ctx.close();
            }
        } finally {
            scratch.close();
        }
    }

    private Resource user(String name, UserParams p) {
        ctx = new RecordingContext(ResourceId.of("user", name));
        return new UserKind().create(name, p);
    }

    private Resource group(String name, GroupParams p) {
        ctx = new RecordingContext(ResourceId.of("group", name));
        return new GroupKind().create(name, p);
    }

    private static UserParams exists(Long uid, String group, List<String> groups, String homedir, String shell,
            boolean system) {
        return new UserParams("exists", uid, null, group, groups, homedir, shell, system, false);
    }

    private static final UserParams ABSENT = new UserParams("absent", null, null, null, null, null, null, false, false);

    @Test
    void aGroupIsCreatedRenumberedAndRemoved() throws Exception {
        String name = scratch.name();
        long gid = scratch.freeId();
        long other = scratch.freeId();
        Resource g = group(name, new GroupParams("exists", gid, false));

        assertThat(g.checkApply(ctx, false).changes()).containsExactly("create group " + name + " (gid " + gid + ")");
        assertThat(groupExists(name)).isFalse();
        assertThat(g.checkApply(ctx, true).changes()).containsExactly("create group " + name + " (gid " + gid + ")");
        assertThat(entry("/etc/group", name).get(2)).isEqualTo(String.valueOf(gid));
        assertThat(g.checkApply(ctx, false).isOk()).isTrue();

        Resource renumbered = group(name, new GroupParams("exists", other, false));
        assertThat(renumbered.checkApply(ctx, true).changes()).containsExactly("gid " + gid + " -> " + other);
        assertThat(entry("/etc/group", name).get(2)).isEqualTo(String.valueOf(other));

        Resource absent = group(name, new GroupParams("absent", null, false));
        assertThat(absent.checkApply(ctx, true).changes()).containsExactly("remove group " + name + " (gid " + other + ")");
        assertThat(groupExists(name)).isFalse();
        assertThat(absent.checkApply(ctx, true).isOk()).isTrue();
    }

    @Test
    void aUserIsCreatedWithEveryFieldAndItsHomeAndChangedFieldByField() throws Exception {
        String name = scratch.name();
        String primary = scratch.name();
        String extra = scratch.name();
        long uid = scratch.freeId();
        ScratchAccounts.run("/usr/sbin/groupadd", "--gid", String.valueOf(scratch.freeId()), primary);
        ScratchAccounts.run("/usr/sbin/groupadd", "--gid", String.valueOf(scratch.freeId()), extra);
        Path home = dir.resolve("home-" + name);
        Resource u = user(name, exists(uid, primary, List.of(extra), home + "/", "/bin/sh", false));

        assertThat(u.checkApply(ctx, false).changes()).containsExactly("create user " + name + " (uid " + uid + ")");
        assertThat(userExists(name)).isFalse();
        assertThat(u.checkApply(ctx, true).changes()).containsExactly("create user " + name + " (uid " + uid + ")");

        List<String> pw = entry("/etc/passwd", name);
        assertThat(pw.get(2)).isEqualTo(String.valueOf(uid));
        assertThat(pw.get(3)).isEqualTo(entry("/etc/group", primary).get(2));
        assertThat(pw.get(5)).isEqualTo(home.toString());
        assertThat(pw.get(6)).isEqualTo("/bin/sh");
        assertThat(entry("/etc/group", extra).get(3)).isEqualTo(name);
        assertThat(Files.isDirectory(home)).as("home directory made").isTrue();
        assertThat(Files.getAttribute(home, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo((int) uid);
        assertThat(u.checkApply(ctx, false).isOk()).isTrue();

        Resource changed = user(name, exists(null, null, List.of(), null, "/bin/bash", false));
        assertThat(changed.checkApply(ctx, false).changes())
                .containsExactly("groups [" + extra + "] -> []", "shell /bin/sh -> /bin/bash");
        assertThat(changed.checkApply(ctx, true).changes())
                .containsExactly("groups [" + extra + "] -> []", "shell /bin/sh -> /bin/bash");
        assertThat(entry("/etc/passwd", name).get(6)).isEqualTo("/bin/bash");
        assertThat(entry("/etc/group", extra).get(3)).isEmpty();
        assertThat(changed.checkApply(ctx, false).isOk()).isTrue();

        Resource absent = user(name, ABSENT);
        assertThat(absent.checkApply(ctx, true).changes()).containsExactly("remove user " + name + " (uid " + uid + ")");
        assertThat(userExists(name)).isFalse();
        assertThat(Files.isDirectory(home)).as("home directory kept").isTrue();
        assertThat(absent.checkApply(ctx, false).isOk()).isTrue();
    }

    @Test
    void aSystemUserGetsNoHomeDirectory() throws Exception {
        String name = scratch.name();
        Path home = dir.resolve("system-home");
        Resource u = user(name, exists(scratch.freeId(), null, null, home.toString(), "/usr/sbin/nologin", true));

        assertThat(u.checkApply(ctx, true).isOk()).isFalse();

        assertThat(entry("/etc/passwd", name).get(5)).isEqualTo(home.toString());
        assertThat(Files.exists(home)).isFalse();
    }

    @Test
    void aFailingToolFailsTheResourceWithWhatItSaid() throws Exception {
        String name = scratch.name();
        String missing = scratch.name();
        Resource u = user(name, exists(null, missing, null, dir.resolve(name).toString(), null, false));

        assertThatThrownBy(() -> u.checkApply(ctx, true))
                .isInstanceOf(ResourceException.class)
                .hasMessageStartingWith("`useradd --gid " + missing + " ")
                .hasMessageContaining("exited with status 6: useradd: group '" + missing + "' does not exist");
        assertThat(userExists(name)).isFalse();
    }

    @Test
    void aChangeByHandIsAnEventAndTheNextCheckPutsItBack() throws Exception {
        String name = scratch.name();
        Resource u = user(name, exists(scratch.freeId(), null, null, dir.resolve(name).toString(), "/bin/sh", false));
        u.checkApply(ctx, true);
        var failure = new AtomicReference<Throwable>();
        RecordingContext watching = ctx;
        watcher = Thread.ofVirtual().start(() -> {
            try {
                u.watch(watching);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        await().atMost(PATIENCE).until(() -> watching.runningCalls() == 1 || failure.get() != null);
        assertThat(failure.get()).isNull();
        int before = watching.events();

        ScratchAccounts.run("/usr/sbin/usermod", "--shell", "/bin/bash", name);

        await().atMost(PATIENCE).until(() -> watching.events() > before);
        CheckResult drift = u.checkApply(watching, true);
        assertThat(drift.changes()).containsExactly("shell /bin/bash -> /bin/sh");
        assertThat(entry("/etc/passwd", name).get(6)).isEqualTo("/bin/sh");
    }

    @Test
    void removingAGroupAfterTheUserInItWorksAndTheUsersPrivateGroupGoesWithIt() throws Exception {
        String name = scratch.name();
        String grp = scratch.name();
        ScratchAccounts.run("/usr/sbin/groupadd", grp);
        user(name, exists(null, null, List.of(grp), dir.resolve(name).toString(), null, false)).checkApply(ctx, true);
        assertThat(groupExists(name)).as("user private group").isTrue();

        user(name, new UserParams("absent", null, null, null, List.of(grp), null, null, false, false))
                .checkApply(ctx, true);
        Resource g = group(grp, new GroupParams("absent", null, false));
        assertThat(g.checkApply(ctx, true).isOk()).isFalse();

        assertThat(userExists(name)).isFalse();
        assertThat(groupExists(name)).isFalse();
        assertThat(groupExists(grp)).isFalse();
    }
}
