package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.testing.RecordingContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Whole-tree removal against a real attacker, as {@link FileRaceTest} does for single files: a
 * process running as {@code nobody} owns a directory inside a tree that a root file resource
 * removes ({@code state: absent, force: true}), and moves each subdirectory there aside and puts
 * a symbolic link to a root-only directory in its place, then puts it back, in a loop, while the
 * tree is removed. The subdirectories hold entries named as the root-only directory's are, so
 * both a directory opened through the link and a name removed through it would show. Over
 * {@value #RUNS} trees, the root-only directory must keep every entry. Each run starts only once
 * the attacker has made a swap in that run's tree (it says so on its standard output), so every
 * removal is raced. Runs as root only (as CI does), with {@code setpriv} and the user
 * {@code nobody}.
 */
// On its own thread: a read from the attacker's pipe does not heed an interrupt.
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TreeRemovalRaceTest {

    private static final int RUNS = 100;
    /** Rounds of {@link #RUNS} trees: 1, or what {@code make stress} sets (see {@link FileRaceTest}). */
    private static final int ROUNDS = Integer.getInteger(FileRaceTest.ROUNDS_PROPERTY, 1);
    /** Subdirectories the attacker swaps in each tree. */
    private static final int SWAPPED = 8;
    private static final int PROTECTED_FILES = 6;

    /**
     * The attacker, run from source by the JDK as {@code nobody}: in the directory last named on
     * its standard input it moves each {@code subN} directory aside (to {@code subN.real}) and
     * puts a link to {@code args[0]} in its place, then puts it back, forever, and says
     * {@code swapped DIR} after its first swap in a newly named directory. A name removed
     * meanwhile is left alone. It exits when its standard input ends.
     */
    private static final String ATTACKER = """
            import java.io.BufferedReader;
            import java.io.IOException;
            import java.io.InputStreamReader;
            import java.nio.file.Files;
            import java.nio.file.LinkOption;
            import java.nio.file.Path;
            import java.util.concurrent.atomic.AtomicReference;

            public class Swapper {
                public static void main(String[] args) {
                    Path target = Path.of(args[0]);
                    int count = Integer.parseInt(args[1]);
                    var home = new AtomicReference<Path>();
                    var unannounced = new AtomicReference<Path>();
                    Thread.ofPlatform().daemon(true).start(() -> {
                        try (var in = new BufferedReader(new InputStreamReader(System.in))) {
                            for (String line; (line = in.readLine()) != null; ) {
                                Path next = Path.of(line);
                                unannounced.set(next);
                                home.set(next);
                            }
                        } catch (IOException e) {
                            // The test is gone: stop as at the end of the input.
                        }
                        System.exit(0);
                    });
                    System.out.println("ready");
                    System.out.flush();
                    while (true) {
                        Path dir = home.get();
                        if (dir == null) {
                            Thread.onSpinWait();
                            continue;
                        }
                        for (int i = 0; i < count; i++) {
                            Path p = dir.resolve("sub" + i);
                            Path stash = dir.resolve("sub" + i + ".real");
                            try {
                                if (Files.isSymbolicLink(p)) {
                                    Files.delete(p);
                                    Files.move(stash, p);
                                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                                    Files.move(p, stash);
                                    Files.createSymbolicLink(p, target);
                                    if (unannounced.compareAndSet(dir, null)) {
                                        System.out.println("swapped " + dir);
                                        System.out.flush();
                                    }
                                }
                            } catch (IOException e) {
                                // Removed meanwhile by the removal under test.
                            }
                        }
                    }
                }
            }
            """;

    private final RecordingContext ctx = new RecordingContext(ResourceId.of("file", "tree"));
    private Path sandbox;
    private Path protectedDir;
    private Map<String, String> protectedContent;
    private UserPrincipal nobody;
    private Process attacker;
    private Writer toAttacker;
    private BufferedReader fromAttacker;

    @BeforeEach
    void sandbox() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "the race needs root and an unprivileged user");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
        nobody = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        sandbox = Files.createTempDirectory(Path.of("/tmp"), "converge-tree-race-");
        Files.setPosixFilePermissions(sandbox, PosixFilePermissions.fromString("rwxr-xr-x"));
        protectedDir = Files.createDirectory(sandbox.resolve("protected"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        for (int i = 0; i < PROTECTED_FILES; i++) {
            Files.writeString(protectedDir.resolve(String.format("secret%02d", i)), "root only " + i + "\n");
        }
        Files.writeString(Files.createDirectory(protectedDir.resolve("inner")).resolve("keep"), "kept\n");
        protectedContent = snapshot(protectedDir);
    }

    @AfterEach
    void stop() throws IOException, InterruptedException {
        if (attacker != null) {
            attacker.destroyForcibly().waitFor();
        }
        if (sandbox != null) {
            // Files.walk does not follow links: a link left in a tree is removed, not its target.
            try (Stream<Path> all = Files.walk(sandbox)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        ctx.close();
    }

    /** Starts the attacker as nobody and waits until it runs. */
    private void startAttacker() throws IOException {
        Path source = Files.writeString(sandbox.resolve("Swapper.java"), ATTACKER);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        attacker = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=65534", "--clear-groups",
                java.toString(), "-XX:-UsePerfData", source.toString(), protectedDir.toString(),
                String.valueOf(SWAPPED))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        toAttacker = attacker.outputWriter(StandardCharsets.UTF_8);
        fromAttacker = new BufferedReader(new InputStreamReader(attacker.getInputStream(), StandardCharsets.UTF_8));
        assertThat(fromAttacker.readLine()).as("the attacker started").isEqualTo("ready");
    }

    /**
     * A new tree {@code run-N} owned by root, with root's files and a directory {@code home} that
     * nobody owns, holding the directories the attacker swaps. Each of those holds entries with
     * the names the root-only directory has (decoys): a removal that lists one and then removes
     * its entries by path through the name, swapped meanwhile, removes the root-only ones.
     */
    private Path newTree(int run) throws IOException {
        Path tree = Files.createDirectory(sandbox.resolve("run-" + run));
        Files.writeString(tree.resolve("a.conf"), "a\n");
        Files.writeString(Files.createDirectory(tree.resolve("etc")).resolve("b.conf"), "b\n");
        Path home = Files.createDirectory(tree.resolve("home"));
        for (int i = 0; i < SWAPPED; i++) {
            Path sub = Files.createDirectory(home.resolve("sub" + i));
            for (String name : protectedContent.keySet()) {
                if (!name.isEmpty()) {
                    Path decoy = sub.resolve(name);
                    if (protectedContent.get(name).equals("dir")) {
                        Files.createDirectory(decoy);
                    } else {
                        Files.writeString(decoy, "decoy\n");
                    }
                    Files.setOwner(decoy, nobody);
                }
            }
            Files.setOwner(sub, nobody);
        }
        Files.setOwner(home, nobody);
        return tree;
    }

    /** Names the attacker's new directory and waits until it has swapped something there. */
    private void attack(Path home) throws IOException {
        toAttacker.write(home + "\n");
        toAttacker.flush();
        assertThat(fromAttacker.readLine()).as("the attacker's answer").isEqualTo("swapped " + home);
    }

    /** Every entry under {@code root}: relative path to content (files) or "dir". */
    private static Map<String, String> snapshot(Path root) throws IOException {
        var map = new TreeMap<String, String>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                map.put(root.relativize(p).toString(), Files.isSymbolicLink(p) ? "link"
                        : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "dir" : Files.readString(p));
            }
        }
        return map;
    }

    /** Removing a tree never follows a subdirectory another user swapped for a link. */
    @Test
    void swappingASubdirectoryForALinkNeverRemovesOutsideTheTree() throws Exception {
        startAttacker();
        int removed = 0;
        for (int run = 0; run < RUNS * ROUNDS; run++) {
            Path tree = newTree(run);
            attack(tree.resolve("home"));
            try {
                new FileKind().create(tree + "/", FileParams.DEFAULTS.withState("absent").withFlags(false, true, false))
                        .checkApply(ctx, true);
                removed++;
            } catch (ResourceException e) {
                // The attacker kept a name changing or refilled a directory: the removal stopped there.
            }
            assertThat(snapshot(protectedDir)).as("the root-only directory after run %d", run)
                    .isEqualTo(protectedContent);
        }

        assertThat(removed).as("trees removed whole despite the attacker").isPositive();
        assertThat(snapshot(protectedDir)).isEqualTo(protectedContent);
    }
}
