package dev.converge.resources.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.resources.CheckResult;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading the account files, and what checks without applying report, against account files
 * written in a temporary directory: no root, nothing on the host is read or changed.
 */
class AccountFilesTest {

    @TempDir
    Path etc;

    private final RecordingContext ctx = new RecordingContext(ResourceId.of("user", "alice"));

    @BeforeEach
    void accountFiles() throws Exception {
        Files.writeString(etc.resolve("passwd"), """
                root:x:0:0:root:/root:/bin/bash
                # a comment
                +nisuser::::::
                broken:x:notanumber:1:::
                alice:x:1002:100:Alice:/home/alice:/bin/sh
                alice:x:9999:9999::/elsewhere:/bin/false
                nosh:x:1003:100::/home/nosh:
                """);
        Files.writeString(etc.resolve("group"), """
                root:x:0:
                users:x:100:
                web:x:1050:bob,alice
                admins:x:1051:alice
                other:x:1052:bob
                """);
    }

    @AfterEach
    void closeContext() throws Exception {
        ctx.close();
    }

    private CheckResult noop(String name, UserParams p) throws Exception {
        return new UserResource(ResourceId.of("user", name), p, etc).checkApply(ctx, false);
    }

    private CheckResult noop(String name, GroupParams p) throws Exception {
        return new GroupResource(ResourceId.of("group", name), p, etc).checkApply(ctx, false);
    }

    private static UserParams user(Long uid, Long gid, String group, List<String> groups, String homedir, String shell) {
        return new UserParams("exists", uid, gid, group, groups, homedir, shell, false, false);
    }

    @Test
    void theFirstWellFormedEntryOfANameCounts() throws Exception {
        AccountDatabase db = AccountDatabase.read(etc);

        assertThat(db.user("alice")).hasValue(new AccountDatabase.User("alice", 1002, 100, "/home/alice", "/bin/sh"));
        assertThat(db.user("broken")).isEmpty();
        assertThat(db.user("+nisuser")).isEmpty();
        assertThat(db.supplementaryGroups("alice")).containsExactly("admins", "web");
        assertThat(db.groupById(100)).map(AccountDatabase.Group::name).hasValue("users");
        assertThat(db.describeGroup(100)).isEqualTo("users (100)");
        assertThat(db.describeGroup(77)).isEqualTo("77");
    }

    @Test
    void missingFilesAreEmpty() throws Exception {
        AccountDatabase db = AccountDatabase.read(etc.resolve("nothing"));

        assertThat(db.user("root")).isEmpty();
        assertThat(db.group("root")).isEmpty();
    }

    @Test
    void aUserThatMatchesEveryDeclaredFieldIsOk() throws Exception {
        assertThat(noop("alice", user(1002L, 100L, null, List.of("web", "admins"), "/home/alice/", "/bin/sh")).isOk())
                .isTrue();
        assertThat(noop("alice", user(null, null, "users", null, null, null)).isOk()).isTrue();
        assertThat(noop("alice", UserParams.DEFAULTS).isOk()).isTrue();
    }

    @Test
    void onlyTheDeclaredFieldsAreComparedAndEachDifferenceIsNamed() throws Exception {
        assertThat(noop("alice", user(1010L, null, "web", List.of("other"), "/srv/alice", "/bin/bash")).changes())
                .containsExactly(
                        "uid 1002 -> 1010",
                        "primary group users (100) -> web",
                        "groups [admins, web] -> [other]",
                        "home /home/alice -> /srv/alice",
                        "shell /bin/sh -> /bin/bash");
        assertThat(noop("alice", user(null, 1051L, null, List.of(), null, null)).changes()).containsExactly(
                "primary group users (100) -> admins (1051)",
                "groups [admins, web] -> []");
        assertThat(noop("nosh", user(null, null, null, null, null, "/bin/sh")).changes())
                .containsExactly("shell (none) -> /bin/sh");
        assertThat(noop("alice", user(null, null, "nosuchgroup", null, null, null)).changes())
                .containsExactly("primary group users (100) -> nosuchgroup");
    }

    @Test
    void aMissingUserWouldBeCreatedAndAnAbsentOneRemoved() throws Exception {
        assertThat(noop("carol", user(1002L, null, null, null, null, null)).changes())
                .containsExactly("create user carol (uid 1002)");
        assertThat(noop("carol", UserParams.DEFAULTS).changes()).containsExactly("create user carol");
        UserParams absent = new UserParams("absent", null, null, null, null, null, null, false, false);
        assertThat(noop("alice", absent).changes()).containsExactly("remove user alice (uid 1002)");
        assertThat(noop("carol", absent).isOk()).isTrue();
        assertThat(ctx.outputs()).isEmpty();
    }

    @Test
    void groupsAreCreatedRenumberedAndRemoved() throws Exception {
        assertThat(noop("web", new GroupParams("exists", 1050L, false)).isOk()).isTrue();
        assertThat(noop("web", GroupParams.DEFAULTS).isOk()).isTrue();
        assertThat(noop("web", new GroupParams("exists", 2000L, false)).changes()).containsExactly("gid 1050 -> 2000");
        assertThat(noop("db", new GroupParams("exists", 2000L, true)).changes()).containsExactly("create group db (gid 2000)");
        assertThat(noop("db", GroupParams.DEFAULTS).changes()).containsExactly("create group db");
        assertThat(noop("web", new GroupParams("absent", null, false)).changes())
                .containsExactly("remove group web (gid 1050)");
        assertThat(noop("db", new GroupParams("absent", null, false)).isOk()).isTrue();
    }

    @Test
    void theWatchReportsAnAccountFileReplacedByRename() throws Exception {
        var resource = new UserResource(ResourceId.of("user", "alice"), UserParams.DEFAULTS, etc);
        Thread watch = Thread.ofVirtual().start(() -> {
            try {
                resource.watch(ctx);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            await().until(() -> ctx.runningCalls() == 1);
            Files.writeString(etc.resolve("group+"), "users:x:100:alice\n");
            Files.move(etc.resolve("group+"), etc.resolve("group"), StandardCopyOption.ATOMIC_MOVE);

            await().until(() -> ctx.events() > 0);
            assertThat(AccountDatabase.read(etc).supplementaryGroups("alice")).isEqualTo(Set.of("users"));
        } finally {
            watch.interrupt();
            watch.join();
        }
    }
}
