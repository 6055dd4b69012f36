package dev.converge.resources.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileModes}: a directory is born open to its owner alone, whatever mode it is declared with. */
class FileModesTest {

    @TempDir
    Path dir;

    @Test
    void aNewDirectoryGrantsNothingToGroupOrOthersBeforeItsModeIsSet() throws Exception {
        Path open = dir.resolve("open");

        FileModes.createDirectory(open, 0777);

        assertThat(FileModes.get(open) & 0077).as("group and other bits right after creation").isZero();
        AtomicFile.setInPlace(open, true, null, null, 0777);
        assertThat(FileModes.get(open)).isEqualTo(0777);
    }
}
