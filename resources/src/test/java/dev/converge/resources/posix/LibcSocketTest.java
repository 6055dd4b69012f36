package dev.converge.resources.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.resources.testing.DatagramInbox;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unix datagram sockets through {@link Libc}: bound by path and in the abstract namespace. */
class LibcSocketTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void aDatagramReachesASocketBoundToAPath() throws Exception {
        try (var inbox = new DatagramInbox(dir.resolve("notify").toString())) {
            send(inbox.name(), "READY=1");
            assertThat(inbox.next(WAIT)).hasValue("READY=1");
        }
    }

    @Test
    void anAtSignNamesTheAbstractNamespace() throws Exception {
        String name = "@converge-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (var inbox = new DatagramInbox(name)) {
            send(name, "STATUS=one\nSTATUS=two");
            assertThat(inbox.next(WAIT)).hasValue("STATUS=one\nSTATUS=two");
            assertThat(dir.getFileSystem().getPath(name)).doesNotExist();
        }
    }

    @Test
    void sendingToNoSocketSaysWhy() throws Exception {
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocateFrom("x");
            assertThatThrownBy(() -> Libc.sendto(fd, bytes, 1, Libc.MSG_NOSIGNAL,
                    Libc.unixAddress(arena, dir.resolve("absent").toString())))
                    .isInstanceOf(ErrnoException.class).hasMessageContaining("sendto");
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void aNameThatCannotFitIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Libc.unixAddress(arena, "/" + "x".repeat(107)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 107 bytes");
            assertThatThrownBy(() -> Libc.unixAddress(arena, "@")).isInstanceOf(IllegalArgumentException.class);
            assertThat(Libc.unixAddress(arena, "/" + "x".repeat(106)).byteSize()).isEqualTo(110);
            assertThat(Libc.unixAddress(arena, "@abc").byteSize()).as("family, NUL, name").isEqualTo(6);
        }
    }

    private static void send(String name, String text) throws ErrnoException {
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            MemorySegment buffer = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
            assertThat(Libc.sendto(fd, buffer, bytes.length, Libc.MSG_NOSIGNAL, Libc.unixAddress(arena, name)))
                    .isEqualTo(bytes.length);
        } finally {
            Libc.close(fd);
        }
    }
}
