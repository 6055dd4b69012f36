package dev.converge.resources.process;

import dev.converge.resources.posix.ErrnoException;
import dev.converge.resources.posix.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Starts a process with one {@code posix_spawn(3)}: it leads a new session and process group
 * ({@code POSIX_SPAWN_SETSID}), blocks no signal and has every signal at its default action,
 * reads stdin from {@code /dev/null}, writes stdout (and stderr, unless merged into stdout) to
 * pipes of its own, and inherits no other descriptor of the agent. glibc's {@code posix_spawn}
 * returns once the child has exec'd, so by then it leads its group, and a failed {@code exec} or
 * {@code chdir} is reported as the call's error.
 *
 * <p>Stateless; any thread may call {@link #spawn}.
 */
final class Spawner {

    /**
     * A started process and the agent's ends of its pipes, all close-on-exec.
     *
     * @param pid    the process, also its session and process group id
     * @param pidfd  readable once it has exited
     * @param stdout the read end of its stdout pipe (non-blocking)
     * @param stderr the read end of its stderr pipe (non-blocking), or -1 when merged into stdout
     */
    record Child(int pid, int pidfd, int stdout, int stderr) {
    }

    private static final short FLAGS = (short) (Libc.POSIX_SPAWN_SETSID | Libc.POSIX_SPAWN_SETSIGMASK
            | Libc.POSIX_SPAWN_SETSIGDEF);

    private Spawner() {
    }

    /**
     * Starts {@code program} with {@code argv} (whose first element is the name it sees) and
     * {@code environment}, in {@code cwd} (empty: the agent's).
     *
     * @throws ErrnoException when it cannot start; nothing is left open or running then
     */
    static Child spawn(Path program, List<String> argv, Environment environment, Optional<Path> cwd,
            boolean mergeStderr) throws ErrnoException {
        int[] out = Libc.pipe(Libc.O_CLOEXEC);
        int[] err = {-1, -1};
        int pid;
        try {
            if (!mergeStderr) {
                err = Libc.pipe(Libc.O_CLOEXEC);
            }
            try (Arena arena = Arena.ofConfined();
                    var actions = new Libc.SpawnFileActions(arena);
                    var attributes = new Libc.SpawnAttributes(arena)) {
                actions.open(0, arena.allocateFrom("/dev/null"), Libc.O_RDONLY)
                        .dup2(out[1], 1)
                        .dup2(mergeStderr ? out[1] : err[1], 2)
                        .closeFrom(3);
                if (cwd.isPresent()) {
                    actions.chdir(arena.allocateFrom(cwd.get().toString()));
                }
                attributes.emptySignalMask().allSignalsDefault().flags(FLAGS);
                pid = Libc.spawn(arena.allocateFrom(program.toString()), actions, attributes,
                        strings(arena, encode(argv)), strings(arena, environment.entries()));
            }
        } catch (ErrnoException e) {
            closeAll(out[0], err[0]);
            throw e;
        } finally {
            closeAll(out[1], err[1]);
        }
        try {
            Libc.setNonBlocking(out[0]);
            if (err[0] >= 0) {
                Libc.setNonBlocking(err[0]);
            }
            return new Child(pid, Libc.pidfdOpen(pid), out[0], err[0]);
        } catch (ErrnoException e) {
            closeAll(out[0], err[0]);
            Libc.kill(-pid, Libc.SIGKILL);
            reapKilled(pid);
            throw e;
        }
    }

    private static byte[][] encode(List<String> values) {
        var encoded = new byte[values.size()][];
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = values.get(i).getBytes(StandardCharsets.UTF_8);
        }
        return encoded;
    }

    /** A NULL-terminated array of the C strings {@code encoded} (UTF-8, unterminated), in one allocation. */
    private static MemorySegment strings(Arena arena, byte[][] encoded) {
        long bytes = 0;
        for (byte[] e : encoded) {
            bytes += e.length + 1;
        }
        long pointers = (encoded.length + 1L) * ValueLayout.ADDRESS.byteSize();
        MemorySegment block = arena.allocate(pointers + bytes, ValueLayout.ADDRESS.byteAlignment());
        long at = pointers;
        for (int i = 0; i < encoded.length; i++) {
            MemorySegment.copy(encoded[i], 0, block, ValueLayout.JAVA_BYTE, at, encoded[i].length);
            block.set(ValueLayout.JAVA_BYTE, at + encoded[i].length, (byte) 0);
            block.setAtIndex(ValueLayout.ADDRESS, i, block.asSlice(at));
            at += encoded[i].length + 1;
        }
        block.setAtIndex(ValueLayout.ADDRESS, encoded.length, MemorySegment.NULL);
        return block;
    }

    /** Reaps a child just sent SIGKILL; it dies at once, so this waits briefly. */
    private static void reapKilled(int pid) {
        try {
            while (Libc.reap(pid).isEmpty()) {
                Thread.onSpinWait();
            }
        } catch (ErrnoException e) {
            // Already reaped or not our child: nothing is left to wait for.
        }
    }

    private static void closeAll(int... fds) {
        for (int fd : fds) {
            Libc.closeQuietly(fd);
        }
    }
}
