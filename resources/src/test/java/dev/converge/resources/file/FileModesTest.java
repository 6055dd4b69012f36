package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** New directories: made relative to the opened parent, given their declared mode whatever the umask. */
class FileModesTest {

    @TempDir
    Path dir;

    @Test
    void aNewDirectoryGetsItsDeclaredModeWhateverTheUmask() throws Exception {
        Path open = dir.resolve("open");
        Path closed = dir.resolve("closed");

        AtomicFile.createDirectory(open, 0777, null, null);
        AtomicFile.createDirectory(closed, 0700, null, null);

        assertThat(FileModes.get(open)).isEqualTo(0777);
        assertThat(FileModes.get(closed)).isEqualTo(0700);
    }

    @Test
    void aNewDirectoryIsNotMadeThroughALinkAnotherUserOwns() throws Exception {
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), elsewhere);
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.getFileAttributeView(link, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);

        assertThatThrownBy(() -> AtomicFile.createDirectory(link.resolve("made"), 0755, null, null))
                .isInstanceOf(IOException.class).hasMessageContaining("refusing to follow the symbolic link " + link);
        assertThat(elsewhere.resolve("made")).doesNotExist();
    }

    @Test
    void anEntryAlreadyThereFailsTheCreation() throws Exception {
        Path taken = Files.createFile(dir.resolve("taken"));

        assertThatThrownBy(() -> AtomicFile.createDirectory(taken, 0755, null, null))
                .isInstanceOf(IOException.class).hasMessageContaining("mkdirat");
        assertThat(taken).isRegularFile();
    }
}
