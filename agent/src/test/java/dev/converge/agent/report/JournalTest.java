package dev.converge.agent.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.resources.posix.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

    @TempDir
    Path dir;

    @Test
    void aStreamNamesTheFileWhoseDeviceAndInodeItCarries() throws Exception {
        Path file = Files.writeString(dir.resolve("stderr"), "");
        Libc.Stat stat = Libc.statx(Libc.AT_FDCWD, file.toString(), 0);
        String stream = Files.getAttribute(file, "unix:dev") + ":" + Files.getAttribute(file, "unix:ino");

        assertThat(Journal.names(stream, stat.device(), stat.inode())).as(stream).isTrue();
        assertThat(Journal.names(stream, stat.device(), stat.inode() + 1)).isFalse();
        assertThat(Journal.names("not-a-stream", stat.device(), stat.inode())).isFalse();
        assertThat(Journal.names("1:", stat.device(), stat.inode())).isFalse();
    }

    @Test
    void makedevAsTheCLibraryEncodesIt() {
        assertThat(Journal.devT(8, 1)).isEqualTo(0x801);
        assertThat(Journal.devT(259, 0)).isEqualTo(0x10300);
        assertThat(Journal.devT(0x1000, 0x100)).isEqualTo(0x1000L << 32 | 0x100L << 12);
    }
}
