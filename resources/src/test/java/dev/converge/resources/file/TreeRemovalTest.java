package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link TreeRemoval}: whole trees removed through descriptors, links removed and never followed. */
@Timeout(120)
class TreeRemovalTest {

    @TempDir
    Path tmp;

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
        assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
    }

    /**
     * The descriptors of this process open on something under the test's directory: a leaked one
     * would be among them, and other threads' descriptors (a process's pipes closing) are not.
     */
    private long openDescriptors() throws IOException {
        String prefix = tmp.toRealPath().toString();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith(prefix);
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void removesFilesDirectoriesLinksFifosAndSocketsButNoLinkTarget() throws Exception {
        Path outsideFile = Files.writeString(tmp.resolve("outside-file"), "kept\n");
        Path outsideDir = Files.createDirectory(tmp.resolve("outside-dir"));
        Files.writeString(outsideDir.resolve("inner"), "kept too\n");
        Path tree = Files.createDirectory(tmp.resolve("tree"));
        Files.writeString(tree.resolve("a.txt"), "a");
        Files.writeString(tree.resolve(".hidden"), "h");
        Path deep = Files.createDirectories(tree.resolve("x/y/z"));
        Files.writeString(deep.resolve("leaf"), "leaf");
        Files.createDirectory(tree.resolve("empty"));
        Files.createSymbolicLink(tree.resolve("to-file"), outsideFile);
        Files.createSymbolicLink(tree.resolve("x/to-dir"), outsideDir);
        Files.createSymbolicLink(tree.resolve("x/y/dangling"), tmp.resolve("nowhere"));
        run(tree, "mkfifo", "fifo");
        try (var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(tree.resolve("x/socket")));
        }
        assertThat(tree.resolve("x/socket")).exists();
        long before = openDescriptors();

        TreeRemoval.remove(tree);

        assertThat(tree).doesNotExist();
        assertThat(outsideFile).hasContent("kept");
        assertThat(outsideDir.resolve("inner")).hasContent("kept too");
        assertThat(openDescriptors()).isEqualTo(before);
    }

    @Test
    void aLinkAtThePathIsRemovedAndItsTargetKept() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Files.writeString(dir.resolve("f"), "kept");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);

        TreeRemoval.remove(link);

        assertThat(link).doesNotExist();
        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(dir.resolve("f")).hasContent("kept");
    }

    @Test
    void aFileIsRemovedAndAMissingPathIsNoError() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "x");

        TreeRemoval.remove(file);
        TreeRemoval.remove(tmp.resolve("missing"));

        assertThat(file).doesNotExist();
    }

    @Test
    void namesThatAreNotUtf8AreRemovedToo() throws Exception {
        Path tree = Files.createDirectory(tmp.resolve("tree"));
        // Latin-1 names: 'caf\351' is no valid UTF-8.
        run(tree, "sh", "-c", "mkdir \"$(printf 'dir\\351')\" && touch \"$(printf 'dir\\351/caf\\351')\""
                + " \"$(printf 'caf\\351')\"");
        assertThat(TreeRemoval.countEntries(tree)).isEqualTo(2);

        TreeRemoval.remove(tree);

        assertThat(tree).doesNotExist();
    }

    @Test
    void countsTheEntriesDirectlyInADirectory() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        assertThat(TreeRemoval.countEntries(dir)).isZero();
        Files.writeString(dir.resolve(".hidden"), "h");
        Files.createDirectories(dir.resolve("sub/deeper"));
        Files.createSymbolicLink(dir.resolve("link"), tmp);

        assertThat(TreeRemoval.countEntries(dir)).isEqualTo(3);
    }

    /**
     * 3,000 levels, and a path of more than 6,000 bytes (beyond PATH_MAX, so no call by path could
     * reach the bottom): two chains of 1,500 made by path, then one moved into the other's bottom.
     */
    @Test
    void aTreeDeeperThanPathMaxIsRemovedWithoutRecursion() throws Exception {
        String chain = "/d".repeat(1_500).substring(1);
        Path upper = Files.createDirectories(tmp.resolve("upper").resolve(chain));
        Path lower = Files.createDirectories(tmp.resolve("lower").resolve(chain));
        Files.writeString(lower.resolve("leaf"), "bottom");
        Files.move(tmp.resolve("lower"), upper.resolve("lower"));
        long before = openDescriptors();

        TreeRemoval.remove(tmp.resolve("upper"));

        assertThat(tmp.resolve("upper")).doesNotExist();
        assertThat(openDescriptors()).isEqualTo(before);
    }

    /** A link in the directory being counted's place (swapped in since it was seen) is not followed. */
    @Test
    void countingRefusesALinkInTheDirectorysPlace() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);

        assertThatThrownBy(() -> TreeRemoval.countEntries(link))
                .isInstanceOf(FileSystemException.class)
                .hasMessage(link + ": no longer a directory");
    }

    @Test
    void theRootIsNeverRemoved() {
        assertThatThrownBy(() -> TreeRemoval.remove(Path.of("/")))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("/: not a path that names an entry of a directory");
    }

    /**
     * An entry that cannot be removed fails the removal with its path, and every descriptor
     * opened on the way is closed. Root can remove anything but an immutable file (chattr +i).
     */
    @Test
    void aFailureNamesThePathAndLeaksNoDescriptor() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree/a/b"));
        Path locked = Files.writeString(tree.resolve("locked"), "x");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Process chattr = new ProcessBuilder("chattr", "+i", locked.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assumeTrue(chattr.waitFor() == 0, "this file system has no immutable flag");
        } else {
            tree.toFile().setWritable(false);
        }
        long before = openDescriptors();
        try {
            assertThatThrownBy(() -> TreeRemoval.remove(tmp.resolve("tree")))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith(locked + ": unlinkat: ");
            assertThat(openDescriptors()).isEqualTo(before);
            assertThat(locked).exists();
        } finally {
            if (root) {
                run(tmp, "chattr", "-i", locked.toString());
            } else {
                tree.toFile().setWritable(true);
            }
        }
    }
}
