package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The file kind against a real attacker: a process running as {@code nobody}, which owns the
 * directory the root agent writes in, swaps every entry it sees there for a symbolic link to a
 * root-only file, in a loop, while the agent writes 100 times. The root-only file must stay as
 * it was. Runs as root only (as CI does), with {@code setpriv} and the user {@code nobody}.
 *
 * <p>Each race is rounds of {@value #RUNS} writes against one racer: one round in {@code make test},
 * as many as the system property {@value #ROUNDS_PROPERTY} says in {@code make stress} (100).
 */
@Timeout(300)
class FileRaceTest {

    private static final int RUNS = 100;
    static final String ROUNDS_PROPERTY = "converge.race.rounds";
    /** Rounds of {@link #RUNS} writes per race: 1, or what {@code make stress} sets. */
    private static final int ROUNDS = Integer.getInteger(ROUNDS_PROPERTY, 1);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String SECRET_TEXT = "root only\n";

    private final RecordingContext ctx = new RecordingContext(ResourceId.of("file", "authorized_keys"));
    private Path sandbox;
    private Path victim;
    private Path secret;
    private Path hits;
    private Process racer;

    @BeforeEach
    void sandbox() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "the race needs root and an unprivileged user");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
        var users = FileSystems.getDefault().getUserPrincipalLookupService();
        var nobody = users.lookupPrincipalByName("nobody");
        sandbox = Files.createTempDirectory(Path.of("/tmp"), "converge-race-");
        Files.setPosixFilePermissions(sandbox, PosixFilePermissions.fromString("rwxr-xr-x"));
        victim = Files.createDirectory(sandbox.resolve("victim"));
        Files.setOwner(victim, nobody);
        Path log = Files.createDirectory(sandbox.resolve("log"));
        Files.setOwner(log, nobody);
        hits = log.resolve("hits");
        Path protectedDir = Files.createDirectory(sandbox.resolve("protected"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        secret = Files.writeString(protectedDir.resolve("secret"), SECRET_TEXT);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r-----"));
    }

    @AfterEach
    void stop() throws IOException, InterruptedException {
        if (racer != null) {
            racer.descendants().forEach(ProcessHandle::destroyForcibly);
            racer.destroyForcibly().waitFor();
        }
        if (sandbox != null) {
            try (Stream<Path> all = Files.walk(sandbox)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        ctx.close();
    }

    /**
     * Starts the attacker as nobody: each entry matching {@code pattern} in the victim directory
     * becomes a link to the secret, and each swap is one line in {@link #hits}.
     */
    private void race(String pattern) throws IOException {
        String script = "cd " + victim + " || exit 1; while :; do for f in " + pattern + "; do"
                + " if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then ln -sfn " + secret + " \"$f\" 2>/dev/null"
                + " && echo hit >> " + hits + "; fi; done; done";
        racer = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=65534", "--clear-groups", "sh", "-c", script)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private long hits() throws IOException {
        if (!Files.exists(hits)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(hits)) {
            return lines.count();
        }
    }

    private void assertSecretUntouched() throws IOException {
        assertThat(Files.isSymbolicLink(secret)).isFalse();
        assertThat(secret).hasContent(SECRET_TEXT.strip());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-r-----");
    }

    /** Content is written through the descriptor the exclusive create returned, never reopened by name. */
    @Test
    void swappingTheTemporaryFileForALinkNeverWritesThroughIt() throws Exception {
        Path target = victim.resolve("authorized_keys");
        race(".authorized_keys.*.converge-tmp");
        int detected = 0;
        for (int i = 0; i < RUNS * ROUNDS; i++) {
            var params = FileParams.of("", "ssh-ed25519 key-" + i + "\n", "exists", "0600");
            try {
                new FileKind().create(target.toString(), params).checkApply(ctx, true);
            } catch (ResourceException e) {
                detected++;
            }
            assertSecretUntouched();
        }

        assertThat(hits()).as("the attacker swapped temporary files").isPositive();
        assertThat(detected).as("writes that found their temporary file replaced failed").isPositive();
        assertSecretUntouched();
    }

    /**
     * Makes {@code target} a new regular file, mode 0644, never through a link the attacker put
     * there meanwhile (created exclusively; retried when the name was taken).
     */
    private static void resetToARegularFile(Path target) throws IOException {
        var mode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));
        while (true) {
            Files.deleteIfExists(target);
            try {
                Files.createFile(target, mode);
                return;
            } catch (FileAlreadyExistsException e) {
                // The attacker made a link with that name in between: remove it and try again.
            }
        }
    }

    /** A mode change in place goes through a descriptor opened without following a link. */
    @Test
    void swappingTheFileForALinkNeverChmodsThroughIt() throws Exception {
        Path target = victim.resolve("authorized_keys");
        race("authorized_keys");
        for (int i = 0; i < RUNS * ROUNDS; i++) {
            resetToARegularFile(target);
            try {
                new FileKind().create(target.toString(), FileParams.of("", null, "exists", "0600"))
                        .checkApply(ctx, true);
            } catch (ResourceException e) {
                // The link the attacker put there is refused: the check fails, nothing else changes.
            }
            assertSecretUntouched();
        }

        await().atMost(PATIENCE).until(() -> hits() > 0);
        assertSecretUntouched();
    }

    /**
     * On the way to a file, a symbolic link root owns is followed (the host's layout), and one
     * another user owns is refused: that user could point it anywhere.
     */
    @Test
    void aLinkOnTheWayIsFollowedOnlyWhenRootOwnsIt() throws Exception {
        Path real = Files.createDirectory(sandbox.resolve("real"));
        Path rootLink = Files.createSymbolicLink(sandbox.resolve("by-root"), real);
        Path userLink = Files.createSymbolicLink(sandbox.resolve("by-nobody"), real);
        var nobody = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.getFileAttributeView(userLink, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);

        new FileKind().create(rootLink.resolve("a").toString(), FileParams.of("", "a\n", "exists", "0644"))
                .checkApply(ctx, true);
        var refused = catchThrowable(() -> new FileKind().create(userLink.resolve("b").toString(),
                FileParams.of("", "b\n", "exists", "0644")).checkApply(ctx, true));

        assertThat(real.resolve("a")).hasContent("a");
        assertThat(refused).isInstanceOf(ResourceException.class)
                .hasMessageContaining("refusing to follow the symbolic link " + userLink + ": uid 65534 owns it");
        assertThat(real.resolve("b")).doesNotExist();
    }
}
